package explain

import (
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

// Every debug code the embedded engine gives on the demo policy becomes a
// card that names the user, the tenant, the action and the type, and
// offers the next step where there is one.
func TestEmbeddedCards(t *testing.T) {
	abacBool := check(t, "check@permit.io", "publish", "document", "")
	abacBool.User.Attributes = map[string]any{"location": "England", "department": "Engineering"}
	abacBool.Resource.Attributes = map[string]any{"hasApproval": true}
	abacFrance := abacBool
	abacFrance.User.Attributes = map[string]any{"location": "France", "department": "Engineering"}

	cases := []struct {
		name     string
		c        pdp.Check
		code     string
		models   []string
		sentence string // the whole sentence, or a part of it after "…"
		action   *Action
	}{
		{"no_role_in_tenant", check(t, "john@permit.io", "read", "document", ""), "no_role_in_tenant", []string{"rbac"},
			"john@permit.io has no role in default; they have roles in awesome_inc",
			&Action{Kind: RetryInTenant, Field: "tenant", Value: "awesome_inc", Label: "retry in awesome_inc"}},
		{"rbac no_permission", check(t, "bob@acme.io", "delete", "document", ""), "no_permission", []string{"rbac"},
			"bob@acme.io has viewer in default, which does not grant delete on document", nil},
		{"no_user_roles", check(t, "jane@permit.io", "delete", "document:roadmap", ""), "no_user_roles", []string{"rbac"},
			"jane@permit.io has no role in any tenant", nil},
		{"user_not_synced with a near key", check(t, "jonh@permit.io", "read", "document", "awesome_inc"), "user_not_synced", []string{"rbac", "rebac"},
			"jonh@permit.io is unknown to the environment: only the check's JIT attributes were used; did you mean `john@permit.io`?",
			&Action{Kind: UseName, Field: "user.key", Value: "john@permit.io", Label: "use john@permit.io"}},
		{"user_not_synced shared by rbac and rebac", check(t, "nobody@x.io", "read", "document:roadmap", ""), "user_not_synced", []string{"rbac", "rebac"},
			"nobody@x.io is unknown to the environment: only the check's JIT attributes were used", nil},
		{"no_such_resource", check(t, "john@smith.com", "read", "documnt", ""), "no_such_resource", []string{"rbac", "rebac"},
			"there is no resource type `documnt`; did you mean `document`?",
			&Action{Kind: UseName, Field: "resource.type", Value: "document", Label: "use document"}},
		{"no_such_action", check(t, "john@smith.com", "raed", "document", ""), "no_such_action", []string{"rbac", "rebac"},
			"document has no action `raed`; did you mean `read`?",
			&Action{Kind: UseName, Field: "action", Value: "read", Label: "use read"}},
		{"no_such_tenant", check(t, "john@smith.com", "read", "document", "defualt"), "no_such_tenant", []string{"rbac", "rebac"},
			"there is no tenant `defualt`; did you mean `default`?",
			&Action{Kind: UseName, Field: "tenant", Value: "default", Label: "use default"}},
		// Permit's code is no_matching_rules whenever any condition set holds
		// (here the document type's generated set): the card says, from the
		// trace, which sets of the action's rules failed.
		{"abac: in no user set", abacFrance, "no_matching_rules", []string{"abac"},
			"check@permit.io is in none of the user sets that rules for publish on document name: England engineers", nil},
		{"abac: in no resource set", abacBool, "no_matching_rules", []string{"abac"},
			"the document is in none of the resource sets that rules for publish on document name: approved documents", nil},
		{"abac: no rule for the action", check(t, "bob@acme.io", "delete", "document", ""), "no_matching_rules", []string{"abac"},
			"no rule gives delete on document to any user set or role, so attributes cannot allow it", nil},
		{"rebac no_permission", check(t, "jane@permit.io", "delete", "document:roadmap", ""), "no_permission", []string{"rebac"},
			"jane@permit.io has editor (through folder:plans#editor --parent--> document:roadmap#editor) on document:roadmap, which does not grant delete", nil},
		{"rbac allow", check(t, "john@smith.com", "create", "document", ""), "allow", []string{"rbac"},
			"john@smith.com has admin in default, which grants create on document", nil},
		{"abac allow", abacGood(t), "allow", []string{"abac"},
			"check@permit.io is in user set england_engineers and the document is in resource set approved_documents; a rule gives england_engineers publish on document", nil},
		{"rebac allow", check(t, "jane@permit.io", "update", "document:roadmap", ""), "allow", []string{"rebac"},
			"jane@permit.io has editor on document:roadmap through folder:plans#editor --parent--> document:roadmap#editor, which grants update", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := explainDemo(tc.c)
			var got *Card
			for i, c := range x.Cards {
				if c.Code == tc.code && c.Models[0] == tc.models[0] {
					got = &x.Cards[i]
				}
			}
			if got == nil {
				t.Fatalf("no %s card from %s: %+v", tc.code, tc.models[0], x.Cards)
			}
			if got.Sentence != tc.sentence {
				t.Errorf("sentence\n got %q\nwant %q", got.Sentence, tc.sentence)
			}
			if strings.Join(got.Models, ",") != strings.Join(tc.models, ",") {
				t.Errorf("models %v, want %v", got.Models, tc.models)
			}
			if got.Title == "" || got.Tone == "" {
				t.Errorf("card without title or tone: %+v", got)
			}
			if tc.code != "allow" && got.Tone == ToneDeny && got.Link != pdp.SupportLink(tc.code) {
				t.Errorf("link %q", got.Link)
			}
			switch {
			case tc.action == nil && got.Action != nil:
				t.Errorf("unexpected action %+v", got.Action)
			case tc.action != nil && (got.Action == nil || *got.Action != *tc.action):
				t.Errorf("action %+v, want %+v", got.Action, tc.action)
			}
		})
	}
}

// The card that explains everything comes first: a misspelt name before
// the denials it causes; an allow before the rest.
func TestCardOrder(t *testing.T) {
	x := explainDemo(check(t, "john@smith.com", "read", "documnt", ""))
	if x.Cards[0].Code != "no_such_resource" {
		t.Errorf("first card %s", x.Cards[0].Code)
	}
	// A deliberately unsynced user with JIT attributes (the ABAC demo) is
	// not the headline: the ABAC card is.
	c := check(t, "check@permit.io", "publish", "document", "")
	c.User.Attributes = map[string]any{"location": "France", "department": "Engineering"}
	x = explainDemo(c)
	if x.Cards[0].Code != "no_matching_rules" || x.Cards[0].Title != "In no user set" {
		t.Errorf("first card %s: %+v", x.Cards[0].Code, x.Cards)
	}
	// Notes (no ABAC rule for the action, no instance for ReBAC) come last.
	x = explainDemo(check(t, "bob@acme.io", "delete", "document", ""))
	if x.Cards[0].Code != "no_permission" || x.Cards[len(x.Cards)-1].Tone != ToneInfo || x.Cards[len(x.Cards)-2].Tone != ToneInfo {
		t.Errorf("the keyless rebac note is not last: %+v", x.Cards)
	}
}

// The ABAC cards carry the failing leaf of each set in their details.
func TestABACCardDetails(t *testing.T) {
	c := check(t, "check@permit.io", "publish", "document", "")
	c.User.Attributes = map[string]any{"location": "France", "department": "Engineering"}
	got := card(t, explainDemo(c), "no_matching_rules")
	want := "England engineers: user.location equals England — got France"
	if len(got.Details) == 0 || got.Details[0] != want {
		t.Errorf("details %q, want %q", got.Details, want)
	}
	c.User.Attributes = map[string]any{"location": "England", "department": "Engineering"}
	c.Resource.Attributes = map[string]any{"hasApproval": true}
	got = card(t, explainDemo(c), "no_matching_rules")
	if len(got.Details) == 0 || !strings.Contains(got.Details[0], `resource.hasApproval equals "true" (string) — got true (bool)`) {
		t.Errorf("details %q", got.Details)
	}
}

func TestNoTenantCard(t *testing.T) {
	c, err := pdp.NewCheck("john@smith.com", "read", "document", "", true)
	if err != nil {
		t.Fatal(err)
	}
	got := card(t, explainDemo(c), "no_permission")
	if !strings.Contains(got.Sentence, "the check has no tenant") || got.Action == nil || got.Action.Value != "default" {
		t.Errorf("%+v", got)
	}
}

// abacGood is the demo's ABAC check that allows.
func abacGood(t *testing.T) pdp.Check {
	c := check(t, "check@permit.io", "publish", "document", "")
	c.User.Attributes = map[string]any{"location": "England", "department": "Engineering"}
	c.Resource.Attributes = map[string]any{"hasApproval": "true"}
	return c
}

// An ABAC allow names its rule, and the rule's conditions all hold.
func TestABACAllow(t *testing.T) {
	x := explainDemo(abacGood(t))
	want := Grant{Model: "abac", UserSet: "england_engineers", ResourceSet: "approved_documents",
		Sentence: "check@permit.io is in user set england_engineers and the document is in resource set approved_documents; a rule gives england_engineers publish on document"}
	if len(x.AllowedBy) != 1 || x.AllowedBy[0].Model != want.Model || x.AllowedBy[0].Sentence != want.Sentence || x.AllowedBy[0].UserSet != want.UserSet {
		t.Errorf("allowed by %+v", x.AllowedBy)
	}
	if len(x.Conditions) != 1 || !x.Conditions[0].Holds || x.Conditions[0].UserSet.Failing != nil || x.Cards[0].Title != "Allowed by rule england_engineers → approved_documents" {
		t.Errorf("%+v\n%+v", x.Conditions, x.Cards)
	}
}

// Two rules for one action whose sets each hold, but never as a pair: the
// card names the sets that hold and how each rule fared.
func TestABACCardNoRulePairsTheSets(t *testing.T) {
	p, err := policy.Parse(policy.DemoName, policy.DemoSource) // a copy: Demo is shared
	if err != nil {
		t.Fatal(err)
	}
	p.UserSets["londoners"] = &policy.UserSet{Conditions: &policy.Condition{AllOf: []*policy.Condition{
		{Path: "user.location", Operator: "equals", Value: "London"},
	}}}
	p.ResourceSets["drafts"] = &policy.ResourceSet{Resource: "document", Conditions: &policy.Condition{AllOf: []*policy.Condition{
		{Path: "resource.draft", Operator: "equals", Value: true},
	}}}
	p.ConditionSetRules = append(p.ConditionSetRules, policy.ConditionSetRule{UserSet: "londoners", Permission: "document:publish", ResourceSet: "drafts"})
	e := engine.New(p)
	c := check(t, "check@permit.io", "publish", "document", "")
	c.User.Attributes = map[string]any{"location": "England", "department": "Engineering"}
	c.Resource.Attributes = map[string]any{"draft": true}
	got := card(t, Explain(e.Decide(c), c, e), "no_matching_rules")
	if got.Title != "No rule pairs the sets" ||
		got.Sentence != "check@permit.io is in user sets England engineers and the document in resource sets drafts, but no rule for publish on document pairs them" {
		t.Errorf("card %+v", got)
	}
	if len(got.Details) != 2 || !strings.Contains(got.Details[1], "londoners → drafts: the user set fails at user.location equals London — got England") {
		t.Errorf("details %q", got.Details)
	}
}

// A ReBAC allow carries rbac and abac denials in its debug object (as
// Permit's does); the explanation is the allow alone.
func TestAllowHasNoDenyCards(t *testing.T) {
	c := check(t, "jane@permit.io", "update", "document:roadmap", "")
	d := demo().Decide(c)
	if d.Debug.RBAC == nil || d.Debug.ABAC == nil || d.Debug.ReBAC == nil || !d.Debug.ReBAC.Allow {
		t.Fatalf("debug %+v", d.Debug)
	}
	x := Explain(d, c, demo())
	if len(x.Cards) != 1 || x.Cards[0].Code != "allow" || x.Cards[0].Models[0] != "rebac" {
		t.Errorf("cards %+v", x.Cards)
	}
}
