package engine

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

func TestABACCodes(t *testing.T) {
	tests := []struct {
		name     string
		check    pdp.Check
		code     string
		rules    []pdp.AllowingRule
		matchU   []string
		matchR   []string
		fragment string
	}{
		{
			name:   "allow by explicit sets",
			check:  chk("alice", "publish", "document:roadmap", "acme"),
			code:   "allow",
			rules:  []pdp.AllowingRule{{UserSet: "england_engineers", ResourceSet: "approved_documents"}},
			matchU: []string{"england_engineers"}, matchR: []string{"approved_documents", "document"},
		},
		{
			name:   "allow by a role standing for a user set",
			check:  chk("multi", "share", "document:roadmap", "default"),
			code:   "allow",
			rules:  []pdp.AllowingRule{{Role: "viewer", ResourceSet: "approved_documents"}},
			matchU: []string{"viewer"}, matchR: []string{"approved_documents", "classified", "document"},
		},
		{
			name:   "allow by a type standing for a resource set",
			check:  chk("alice", "create", "folder", "acme"),
			code:   "allow",
			rules:  []pdp.AllowingRule{{UserSet: "londoners", ResourceType: "folder"}},
			matchU: []string{"londoners"}, matchR: []string{"folder"},
		},
		{
			name:   "allow by tenant attributes of a member",
			check:  chk("alice", "update", "folder:plans", "acme"),
			code:   "allow",
			rules:  []pdp.AllowingRule{{UserSet: "pro_tenant", ResourceType: "folder"}},
			matchU: []string{"pro_tenant"}, matchR: []string{"folder"},
		},
		{
			name:   "allow by role attributes",
			check:  chk("admin@x", "share", "document:roadmap", "default"),
			code:   "allow",
			rules:  []pdp.AllowingRule{{UserSet: "senior", ResourceSet: "classified"}},
			matchU: []string{"admin", "senior"}, matchR: []string{"approved_documents", "classified", "document"},
		},
		{
			name:     "no_matching_usersets",
			check:    chk("noroles", "publish", "document:roadmap", "default"),
			code:     "no_matching_usersets",
			matchR:   []string{"approved_documents", "document"},
			fragment: "user 'noroles' matches none of the user sets that rules for 'publish' on 'document' name: england_engineers",
		},
		{
			name:     "no_matching_usersets without any rule",
			check:    chk("noroles", "delete", "folder", "default"),
			code:     "no_matching_usersets",
			matchR:   []string{"folder"},
			fragment: "no rule gives 'delete' on 'folder'",
		},
		{
			name:     "no_matching_resourcesets: a type with no generated set",
			check:    chk("multi", "read", "spreadsheet", "default"),
			code:     "no_matching_resourcesets",
			matchU:   []string{"viewer"},
			fragment: "the spreadsheet matches none",
		},
		{
			name:     "no_matching_rules",
			check:    chk("alice", "publish", "document", "acme"),
			code:     "no_matching_rules",
			matchU:   []string{"england_engineers"},
			matchR:   []string{"document"},
			fragment: "england_engineers → approved_documents",
		},
		{
			name:     "no_matching_rules: a role's user set with no rule",
			check:    chk("multi", "delete", "document:roadmap", "default"),
			code:     "no_matching_rules",
			matchU:   []string{"viewer"},
			matchR:   []string{"document"},
			fragment: "no rule grants it at all",
		},
		{
			// alice is an England engineer, but no rule names that set for
			// update: it is not even evaluated, and no generated set matches.
			name:     "the rule's action must be the check's",
			check:    chk("alice", "update", "document:roadmap", "acme"),
			code:     "no_matching_usersets",
			matchR:   []string{"document"},
			fragment: "no rule gives 'update' on 'document'",
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
			if !reflect.DeepEqual(r.MatchingUsersets, tt.matchU) || !reflect.DeepEqual(r.MatchingResourcesets, tt.matchR) {
				t.Errorf("matching %v / %v, want %v / %v", r.MatchingUsersets, r.MatchingResourcesets, tt.matchU, tt.matchR)
			}
			if tt.fragment != "" && !strings.Contains(r.Reason, tt.fragment) {
				t.Errorf("reason %q lacks %q", r.Reason, tt.fragment)
			}
			if !r.Allow && r.SupportLink != pdp.SupportLink(tt.code) {
				t.Errorf("support link %q", r.SupportLink)
			}
		})
	}
}

func TestABACDisabled(t *testing.T) {
	p := fixture()
	p.UserSets, p.ResourceSets = nil, nil
	// Rules over roles and types alone are plain RBAC in Permit: without any
	// condition set, ABAC does not run.
	p.ConditionSetRules = []policy.ConditionSetRule{{UserSet: "viewer", Permission: "document:share", ResourceSet: "document"}}
	e := New(p)
	c := chk("multi", "share", "document", "default")
	d := decide(t, e, c)
	if d.Allowed() {
		t.Fatal("a disabled ABAC allowed")
	}
	if d.Debug.ABAC != nil {
		t.Errorf("abac block shown for an environment without sets: %+v", d.Debug.ABAC)
	}
	var v env
	e.fillEnv(&v, &c, e.users["multi"])
	if r := e.abacReason(&c, &v, &pdp.Trace{}); r.Code != "disabled" || r.SupportLink != pdp.SupportLink("disabled") {
		t.Errorf("abac %+v", r)
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
	// permit-pdp.md §3: JIT user.attributes.roles = ["viewer"] makes an
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
