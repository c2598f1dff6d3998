package engine

import (
	"reflect"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

func TestTraceContents(t *testing.T) {
	c := chk("multi", "publish", "document:roadmap", "default")
	c.User.Attributes = map[string]any{"department": "Engineering"}
	d := decide(t, fixtureEngine, c)
	tr := d.Trace
	if d.Allowed() {
		t.Fatal("allowed")
	}
	if !reflect.DeepEqual(tr.Roles, []string{"viewer"}) {
		t.Errorf("tenant roles %v", tr.Roles)
	}
	if len(tr.Rules) != 1 || tr.Rules[0] != (pdp.RuleTrace{UserSet: "england_engineers", ResourceSet: "approved_documents", Permission: "document:publish", UserOK: false, ResourceOK: true}) {
		t.Errorf("rules %+v", tr.Rules)
	}
	// The named set first, then the generated set of the user's role.
	if len(tr.UserSets) != 2 {
		t.Fatalf("user sets %s", mustJSON(t, tr.UserSets))
	}
	ee := tr.UserSets[0]
	if ee.Key != "england_engineers" || ee.Name != "England engineers" || ee.Result || ee.Implicit {
		t.Errorf("set %+v", ee)
	}
	dept, loc := ee.Condition.Children[0], ee.Condition.Children[1]
	want := &pdp.CondTrace{Kind: "leaf", Result: true, Path: "user.department", Operator: "equals", Expected: "Engineering", Actual: "Engineering"}
	if !reflect.DeepEqual(dept, want) {
		t.Errorf("passing leaf %+v", dept)
	}
	// The failing leaf: its attribute is missing.
	want = &pdp.CondTrace{Kind: "leaf", Result: false, Path: "user.location", Operator: "equals", Expected: "England", Missing: true}
	if !reflect.DeepEqual(loc, want) {
		t.Errorf("failing leaf %+v", loc)
	}
	if ee.Condition.Kind != "allOf" || ee.Condition.Result {
		t.Errorf("root %+v", ee.Condition)
	}
	viewer := tr.UserSets[1]
	if viewer.Key != "viewer" || !viewer.Implicit || !viewer.Result || viewer.Condition.Path != "user.roles" || viewer.Condition.Operator != "array_contains" || viewer.Condition.Expected != "viewer" {
		t.Errorf("generated user set %s", mustJSON(t, viewer))
	}
	if len(tr.ResourceSets) != 2 || tr.ResourceSets[0].Key != "approved_documents" || !tr.ResourceSets[0].Result ||
		tr.ResourceSets[1].Key != "document" || !tr.ResourceSets[1].Implicit {
		t.Errorf("resource sets %s", mustJSON(t, tr.ResourceSets))
	}
	if tr.InstanceRoles != nil {
		t.Errorf("instance roles %+v", tr.InstanceRoles)
	}
}

func TestTraceFailingLeafWithActual(t *testing.T) {
	c := chk("alice", "publish", "document", "acme")
	c.Resource.Attributes = map[string]any{"hasApproval": true}
	d := decide(t, fixtureEngine, c)
	leaf := d.Trace.ResourceSets[0].Condition.Children[0]
	if leaf.Result || leaf.Missing || leaf.Actual != true || leaf.Expected != "true" {
		t.Errorf("leaf %+v", leaf)
	}
}

func TestTraceRefAndRoleLeaves(t *testing.T) {
	e := New(setPolicy(allOf(refLeaf("resource.owner", "equals", "user.key"), leaf("role.level", "equals", 1))))
	d := decide(t, e, chk("alice", "read", "doc:d1", "acme"))
	ref, role := d.Trace.UserSets[0].Condition.Children[0], d.Trace.UserSets[0].Condition.Children[1]
	if !ref.Result || ref.Ref != "user.key" || ref.Expected != "alice" || ref.Actual != "alice" {
		t.Errorf("ref leaf %+v", ref)
	}
	if !role.Result || !reflect.DeepEqual(role.Actual, map[string]any{"viewer": 1.0}) {
		t.Errorf("role leaf %+v", role)
	}

	d = decide(t, e, chk("zed", "read", "doc:d1", "acme"))
	ref, role = d.Trace.UserSets[0].Condition.Children[0], d.Trace.UserSets[0].Condition.Children[1]
	if ref.Result || !ref.Missing || ref.Expected != nil || ref.Actual != "alice" {
		t.Errorf("missing ref %+v", ref)
	}
	if role.Result || !role.Missing || role.Actual != nil {
		t.Errorf("missing role attribute %+v", role)
	}
}

func TestTraceNot(t *testing.T) {
	e := New(setPolicy(allOf(not(leaf("user.banned", "equals", true)))))
	d := decide(t, e, chk("zed", "read", "doc", ""))
	n := d.Trace.UserSets[0].Condition.Children[0]
	if n.Kind != "not" || !n.Result || n.Children[0].Result || !n.Children[0].Missing {
		t.Errorf("not %s", mustJSON(t, n))
	}
}
