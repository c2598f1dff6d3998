package explain

import (
	"reflect"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

func prov(t *testing.T, x Explanation, attr string) Provenance {
	t.Helper()
	for _, p := range x.Provenance {
		if p.Attribute == attr {
			return p
		}
	}
	t.Fatalf("no provenance for %s in %+v", attr, x.Provenance)
	return Provenance{}
}

func TestProvenance(t *testing.T) {
	// bob@acme.io stores location France; the check overrides it.
	c := check(t, "bob@acme.io", "publish", "document:roadmap", "")
	c.User.Attributes = map[string]any{"location": "England"}
	c.Resource.Attributes = map[string]any{"hasApproval": "true"}
	x := explainDemo(c)

	cases := []Provenance{
		{Attribute: "user.department", Origin: FromStored, On: "user bob@acme.io", Value: "Engineering", UsedBy: []string{"england_engineers"}},
		{Attribute: "user.location", Origin: FromJIT, Value: "England", UsedBy: []string{"england_engineers"},
			Overrode: []Layer{{Origin: FromStored, On: "user bob@acme.io", Value: "France"}}},
		{Attribute: "user.roles", Origin: FromGenerated, Value: []any{"viewer"}, UsedBy: []string{"viewer"}},
		{Attribute: "resource.hasApproval", Origin: FromJIT, Value: "true", UsedBy: []string{"approved_documents"},
			Overrode: []Layer{{Origin: FromStored, On: "instance document:roadmap", Value: "false"}}},
		{Attribute: "resource.type", Origin: FromGenerated, Value: "document", UsedBy: []string{"document"}},
	}
	for _, want := range cases {
		if got := prov(t, x, want.Attribute); !reflect.DeepEqual(got, want) {
			t.Errorf("\n got %+v\nwant %+v", got, want)
		}
	}
	if x.Cards[0].Tone != ToneAllow {
		t.Errorf("bob in England with an approved document may publish: %+v", x.Cards)
	}

	// An unknown user: the attribute a condition reads and nobody gives.
	c = check(t, "check@permit.io", "publish", "document", "")
	p := prov(t, explainDemo(c), "user.department")
	if p.Origin != FromMissing || p.Note == "" {
		t.Errorf("%+v", p)
	}

	// A tenant attribute stored where the user does not belong is not read.
	c = check(t, "bob@acme.io", "read", "document", "awesome_inc")
	c.TenantAttributes = map[string]any{"plan": "free"}
	p = prov(t, explainDemo(c), "tenant.plan")
	if p.Origin != FromJIT || p.Value != "free" || p.Note != "stored on tenant awesome_inc but not read: the user does not belong to it" {
		t.Errorf("%+v", p)
	}
}

func TestTypoWarnings(t *testing.T) {
	c := check(t, "check@permit.io", "publish", "document", "")
	c.User.Attributes = map[string]any{"departmnet": "Engineering", "location": "England", "shoe_size": 42.0}
	c.Resource.Attributes = map[string]any{"hasApproval": "true"}
	c.Context = map[string]any{"ip": "10.0.0.1"}
	x := explainDemo(c)
	want := []Warning{
		{Code: "unknown_attribute", Field: "context.ip", Message: "context.ip is read by no condition and no schema, so it cannot change the decision"},
		{Code: "unknown_attribute", Field: "user.attributes.departmnet",
			Message:    "user.departmnet is read by no condition and no schema, so it cannot change the decision; did you mean `department`?",
			Suggestion: "department",
			Action:     &Action{Kind: RenameAttribute, Field: "user.attributes.departmnet", Value: "user.attributes.department", Label: "rename to department"}},
		{Code: "unknown_attribute", Field: "user.attributes.shoe_size", Message: "user.shoe_size is read by no condition and no schema, so it cannot change the decision"},
	}
	if !reflect.DeepEqual(x.Warnings, want) {
		t.Errorf("warnings\n got %+v\nwant %+v", x.Warnings, want)
	}
}

// Remotely, provenance compares the check with the merged attributes the
// debug object echoes.
func TestRemoteProvenance(t *testing.T) {
	d := remote(t, false, `{"request":{"user":{"key":"bob","synced":true,"attributes":{"key":"bob","roles":["viewer"],"location":"England","dept":"R&D"}},
		"action":"read","resource":{"type":"document","attributes":{"type":"document","size":3}}},
		"rbac":{"allow":false,"code":"no_permission"}}`)
	c := check(t, "bob", "read", "document:d1", "acme")
	c.User.Attributes = map[string]any{"location": "England"}
	x := Explain(d, c, nil)
	want := []Provenance{
		{Attribute: "user.dept", Origin: FromStored, On: "user bob", Value: "R&D"},
		{Attribute: "user.key", Origin: FromStored, On: "user bob", Value: "bob"},
		{Attribute: "user.location", Origin: FromJIT, Value: "England"},
		{Attribute: "user.roles", Origin: FromGenerated, Value: []any{"viewer"}},
		{Attribute: "resource.size", Origin: FromStored, On: "instance document:d1", Value: 3.0},
		{Attribute: "resource.type", Origin: FromGenerated, Value: "document"},
	}
	if !reflect.DeepEqual(x.Provenance, want) {
		t.Errorf("\n got %+v\nwant %+v", x.Provenance, want)
	}
	if len(x.Warnings) != 0 {
		t.Errorf("remote warnings need the policy: %+v", x.Warnings)
	}
}

// A decision read back without its debug object is explained from a fresh
// decision, and a changed outcome is said.
func TestStaleDecision(t *testing.T) {
	c := check(t, "john@permit.io", "read", "document", "")
	x := Explain(pdp.Decision{Outcome: pdp.Allow}, c, demo())
	if len(x.Warnings) == 0 || x.Warnings[0].Code != "outcome_changed" || x.Cards[0].Code != "no_role_in_tenant" {
		t.Errorf("%+v", x)
	}
}

// The email of the user object is an attribute: stored when the policy's
// user has it, sent when the check's user object carries it (and then it
// overrides the policy's).
func TestProvenanceOfEmail(t *testing.T) {
	p, err := policy.Parse(policy.DemoName, policy.DemoSource) // a copy: Demo is shared
	if err != nil {
		t.Fatal(err)
	}
	p.UserSets["permit_staff"] = &policy.UserSet{Conditions: &policy.Condition{AllOf: []*policy.Condition{
		{Path: "user.email", Operator: "contains", Value: "@permit.io"},
	}}}
	p.ConditionSetRules = append(p.ConditionSetRules, policy.ConditionSetRule{UserSet: "permit_staff", Permission: "document:read", ResourceSet: "document"})
	e := engine.New(p)
	c := check(t, "john@permit.io", "read", "document", "")
	x := Explain(e.Decide(c), c, e)
	want := Provenance{Attribute: "user.email", Origin: FromStored, On: "user john@permit.io", Value: "john@permit.io", UsedBy: []string{"permit_staff"}}
	if got := prov(t, x, "user.email"); !reflect.DeepEqual(got, want) || x.Cards[0].Tone != ToneAllow {
		t.Errorf("\n got %+v\nwant %+v\ncards %+v", got, want, x.Cards)
	}
	c.User.Email = "john@smith.com"
	x = Explain(e.Decide(c), c, e)
	want = Provenance{Attribute: "user.email", Origin: FromJIT, Value: "john@smith.com", UsedBy: []string{"permit_staff"},
		Overrode: []Layer{{Origin: FromStored, On: "user john@permit.io", Value: "john@permit.io"}}}
	if got := prov(t, x, "user.email"); !reflect.DeepEqual(got, want) || x.Cards[0].Tone == ToneAllow {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
}
