package engine

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// TestABACCodes pins the abac block as Permit's policy library writes it:
// its lists of matching user sets and resource sets are one list, every
// condition set that holds for the check (generated ones by their
// __autogen_ keys), so the code is no_matching_usersets only when no set
// at all holds and no_matching_rules otherwise.
func TestABACCodes(t *testing.T) {
	tests := []struct {
		name     string
		check    pdp.Check
		code     string
		rules    []pdp.AllowingRule
		match    []string
		fragment string
	}{
		{
			name:     "allow by explicit sets",
			check:    chk("alice", "publish", "document:roadmap", "acme"),
			code:     "allow",
			rules:    []pdp.AllowingRule{{UserSet: "england_engineers", ResourceSet: "approved_documents"}},
			fragment: "user 'alice' matched 'england_engineers' userset conditions, the given resource matched the 'approved_documents' resourceset conditions",
		},
		{
			name:     "allow by a role standing for a user set",
			check:    chk("multi", "share", "document:roadmap", "default"),
			code:     "allow",
			rules:    []pdp.AllowingRule{{Role: "viewer", ResourceSet: "approved_documents"}},
			fragment: "user 'multi' has the role 'viewer' in tenant 'default'",
		},
		{
			name:     "allow by a type standing for a resource set",
			check:    chk("alice", "create", "folder", "acme"),
			code:     "allow",
			rules:    []pdp.AllowingRule{{UserSet: "londoners", ResourceType: "folder"}},
			fragment: "has the 'create' permission on resources of type 'folder'",
		},
		{
			name:  "allow by tenant attributes of a member",
			check: chk("alice", "update", "folder:plans", "acme"),
			code:  "allow",
			rules: []pdp.AllowingRule{{UserSet: "pro_tenant", ResourceType: "folder"}},
		},
		{
			name:  "allow by role attributes",
			check: chk("admin@x", "share", "document:roadmap", "default"),
			code:  "allow",
			rules: []pdp.AllowingRule{{UserSet: "senior", ResourceSet: "classified"}},
		},
		{
			name:  "allowing rules in the order of the sets' keys",
			check: with(chk("admin@x", "share", "document:roadmap", "default"), jitUser(map[string]any{"roles": []any{"viewer", "admin"}})),
			code:  "allow",
			rules: []pdp.AllowingRule{{Role: "viewer", ResourceSet: "approved_documents"}, {UserSet: "senior", ResourceSet: "classified"}},
		},
		{
			name:     "no_matching_usersets: no set at all holds",
			check:    chk("stranger", "read", "spreadsheet", "default"),
			code:     "no_matching_usersets",
			fragment: "user 'stranger' did not match any userset conditions. known usersets: __autogen_admin, __autogen_editor, __autogen_viewer, england_engineers, londoners, pro_tenant, senior",
		},
		{
			name:     "no_matching_rules: only resource sets hold",
			check:    chk("noroles", "publish", "document:roadmap", "default"),
			code:     "no_matching_rules",
			match:    []string{"__autogen_document", "approved_documents", "classified"},
			fragment: "user 'noroles' does not match any rule that grants him the 'publish' permission on the given resource of type 'document'",
		},
		{
			name:  "no_matching_rules: only the type's generated set holds",
			check: chk("noroles", "delete", "folder", "default"),
			code:  "no_matching_rules",
			match: []string{"__autogen_folder"},
		},
		{
			name:  "no_matching_rules: only a role's generated set holds (a type with no set)",
			check: chk("multi", "read", "spreadsheet", "default"),
			code:  "no_matching_rules",
			match: []string{"__autogen_viewer"},
		},
		{
			name:  "no_matching_rules: sets of other permissions' rules are listed",
			check: chk("alice", "publish", "document", "acme"),
			code:  "no_matching_rules",
			match: []string{"__autogen_document", "england_engineers", "londoners", "pro_tenant"},
		},
		{
			name:  "no_matching_rules: a role's user set with no rule",
			check: chk("multi", "delete", "document:roadmap", "default"),
			code:  "no_matching_rules",
			match: []string{"__autogen_document", "__autogen_viewer", "approved_documents", "classified"},
		},
		{
			name:  "the rule's action must be the check's",
			check: chk("alice", "update", "document:roadmap", "acme"),
			code:  "no_matching_rules",
			match: []string{"__autogen_document", "approved_documents", "classified", "england_engineers", "londoners", "pro_tenant"},
		},
		{
			name:  "a resource set of another type never holds",
			check: with(chk("stranger", "read", "folder", "default"), jitResource(map[string]any{"hasApproval": "true"})),
			code:  "no_matching_rules",
			match: []string{"__autogen_folder"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(t, fixtureEngine, tt.check)
			var v env
			c := tt.check
			fixtureEngine.fillEnv(&v, &c, fixtureEngine.users[c.User.Key])
			r := fixtureEngine.abacReason(&c, &v, &pdp.Trace{})
			if r.Code != tt.code {
				t.Fatalf("abac code %q (%s), want %q", r.Code, r.Reason, tt.code)
			}
			if (r.Code == "allow") != d.Allowed() && d.Debug.RBAC == nil && d.Debug.ReBAC == nil {
				t.Errorf("outcome %v with abac %q", d.Outcome, r.Code)
			}
			if !reflect.DeepEqual(r.AllowingRules, tt.rules) {
				t.Errorf("allowing rules %+v, want %+v", r.AllowingRules, tt.rules)
			}
			if !reflect.DeepEqual(r.MatchingUsersets, tt.match) || !reflect.DeepEqual(r.MatchingResourcesets, tt.match) {
				t.Errorf("matching %v / %v, want %v in both", r.MatchingUsersets, r.MatchingResourcesets, tt.match)
			}
			if tt.fragment != "" && !strings.Contains(r.Reason, tt.fragment) {
				t.Errorf("reason %q lacks %q", r.Reason, tt.fragment)
			}
			if !r.Allow && r.SupportLink != pdp.SupportLink(tt.code) {
				t.Errorf("support link %q", r.SupportLink)
			}
			if d.Debug.ABAC != nil && !reflect.DeepEqual(d.Debug.ABAC, r) {
				t.Errorf("decision's abac block %+v, the block alone %+v", d.Debug.ABAC, r)
			}
		})
	}
}

// Rules over roles and types alone use Permit's generated sets, which are
// condition sets like any other: ABAC runs and allows by them.
func TestABACGeneratedSetsAlone(t *testing.T) {
	p := fixture()
	p.UserSets, p.ResourceSets = nil, nil
	p.ConditionSetRules = []policy.ConditionSetRule{{UserSet: "viewer", Permission: "document:share", ResourceSet: "document"}}
	e := New(p)
	d := decide(t, e, chk("multi", "share", "document", "default"))
	if !d.Allowed() || d.Debug.ABAC == nil || !reflect.DeepEqual(d.Debug.ABAC.AllowingRules, []pdp.AllowingRule{{Role: "viewer", ResourceType: "document"}}) {
		t.Fatalf("got %v, abac %+v", d.Outcome, d.Debug.ABAC)
	}
	// A denial still shows the abac block: every role and type has its set.
	d = decide(t, e, chk("multi", "delete", "document", "default"))
	if d.Debug.ABAC == nil || d.Debug.ABAC.Code != "no_matching_rules" || !reflect.DeepEqual(d.Debug.ABAC.MatchingUsersets, []string{"__autogen_document", "__autogen_viewer"}) {
		t.Errorf("abac %+v", d.Debug.ABAC)
	}
}

// An environment with no role, type or set has no condition set: ABAC is
// not activated and its block never appears.
func TestABACNotActivated(t *testing.T) {
	e := New(&policy.Policy{Version: 1, Users: map[string]*policy.User{"u": {}}})
	d := decide(t, e, chk("u", "read", "document", "default"))
	if d.Allowed() || d.Debug.ABAC != nil || d.Debug.RBAC == nil || d.Debug.RBAC.Code != "no_such_resource" {
		t.Fatalf("got %v, debug %+v", d.Outcome, d.Debug)
	}
}

func TestABACOnlyNamedSetsEvaluated(t *testing.T) {
	d := decide(t, fixtureEngine, chk("alice", "publish", "document:roadmap", "acme"))
	var us, rs []string
	for _, s := range d.Trace.UserSets {
		us = append(us, s.Key)
	}
	for _, s := range d.Trace.ResourceSets {
		rs = append(rs, s.Key)
	}
	// londoners, pro_tenant, senior and classified are named only by rules
	// for other permissions.
	if strings.Join(us, ",") != "england_engineers" || strings.Join(rs, ",") != "approved_documents,document" {
		t.Errorf("evaluated user sets %v, resource sets %v", us, rs)
	}
	if len(d.Trace.Rules) != 1 || d.Trace.Rules[0] != (pdp.RuleTrace{UserSet: "england_engineers", ResourceSet: "approved_documents", Permission: "document:publish", UserOK: true, ResourceOK: true}) {
		t.Errorf("rules %+v", d.Trace.Rules)
	}
}

func TestABACResourceSetOnlyForItsType(t *testing.T) {
	p := fixture()
	// A rule pairing a folder permission with a document resource set: the
	// set never holds for a folder, whatever its attributes.
	p.ConditionSetRules = append(p.ConditionSetRules, policy.ConditionSetRule{UserSet: "londoners", Permission: "folder:delete", ResourceSet: "approved_documents"})
	e := New(p)
	c := chk("alice", "delete", "folder", "acme")
	c.Resource.Attributes = map[string]any{"hasApproval": "true"}
	d := decide(t, e, c)
	if d.Allowed() {
		t.Fatal("a document resource set held for a folder")
	}
	st := d.Trace.ResourceSets[0]
	if st.Key != "approved_documents" || st.Result || st.Condition.Kind != "allOf" || st.Condition.Children[0].Path != "resource.type" || st.Condition.Children[0].Actual != "folder" {
		t.Errorf("trace %s", mustJSON(t, st))
	}
}

func TestJITRolesMakeUnknownUserMatchRoleRule(t *testing.T) {
	// JIT user.attributes.roles = ["viewer"] makes an
	// unknown user satisfy a rule whose user set is role viewer.
	c := chk("stranger", "share", "document:roadmap", "default")
	if decide(t, fixtureEngine, c).Allowed() {
		t.Fatal("allowed without JIT roles")
	}
	c.User.Attributes = map[string]any{"roles": []any{"viewer"}}
	d := decide(t, fixtureEngine, c)
	if !d.Allowed() || d.Debug.ABAC == nil || len(d.Debug.ABAC.AllowingRules) != 1 || d.Debug.ABAC.AllowingRules[0].Role != "viewer" {
		t.Fatalf("got %v %+v", d.Outcome, d.Debug.ABAC)
	}
	// RBAC still reads the tenant's assignments only.
	if d.Debug.RBAC != nil {
		t.Errorf("rbac block on an ABAC allow: %+v", d.Debug.RBAC)
	}
	if rbacOf(t, fixtureEngine, c).Code != "user_not_synced" {
		t.Error("JIT roles reached RBAC")
	}
}

// The user sets that read no resource attribute are evaluated once per
// user and tenant for checks that send no attributes of their own; the
// list is the same as evaluating them every time, and a set that reads the
// resource (ownership by reference) is still decided per check.
func TestHeldUserSetsKeptPerUserAndTenant(t *testing.T) {
	p := fixture()
	p.UserSets["owners"] = &policy.UserSet{Conditions: allOf(refLeaf("user.key", "equals", "resource.owner"))}
	p.ResourceInstances["document:mine"] = &policy.Instance{Tenant: "acme", Attributes: map[string]any{"owner": "alice"}}
	p.ResourceInstances["document:theirs"] = &policy.Instance{Tenant: "acme", Attributes: map[string]any{"owner": "bob"}}
	e := New(p)
	lists := func(c pdp.Check) []string {
		d := decide(t, e, c)
		if d.Debug.ABAC == nil {
			t.Fatalf("no abac block: %+v", d.Debug)
		}
		return d.Debug.ABAC.MatchingUsersets
	}
	mine, theirs := chk("alice", "delete", "document:mine", "acme"), chk("alice", "delete", "document:theirs", "acme")
	first, again := lists(mine), lists(mine)
	// A context the sets do not read takes the check off the kept path: the
	// list must not change.
	uncached := lists(with(mine, func(c *pdp.Check) { c.Context = map[string]any{"unread": 1} }))
	if !reflect.DeepEqual(first, again) || !reflect.DeepEqual(first, uncached) || !slices.Contains(first, "owners") || !slices.Contains(first, "londoners") {
		t.Errorf("first %v, again %v, uncached %v", first, again, uncached)
	}
	if got := lists(theirs); slices.Contains(got, "owners") || !slices.Contains(got, "londoners") {
		t.Errorf("theirs: %v", got)
	}
}
