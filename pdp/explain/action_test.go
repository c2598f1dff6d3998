package explain

import (
	"reflect"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

func TestActionApply(t *testing.T) {
	base := check(t, "bob", "read", "document:d1", "acme")
	base.User.Attributes = map[string]any{"addr": map[string]any{"city": "Paris", "zip": "75"}, "departmnet": "R&D"}
	cases := []struct {
		a     Action
		ok    bool
		check func(pdp.Check) bool
	}{
		{Action{Kind: RetryInTenant, Field: "tenant", Value: "globex"}, true, func(c pdp.Check) bool { return c.Resource.Tenant == "globex" }},
		{Action{Kind: UseName, Field: "user.key", Value: "alice"}, true, func(c pdp.Check) bool { return c.User.Key == "alice" }},
		{Action{Kind: UseName, Field: "resource.type", Value: "folder"}, true, func(c pdp.Check) bool { return c.Resource.Type == "folder" }},
		{Action{Kind: UseAction, Field: "action", Value: "write"}, true, func(c pdp.Check) bool { return c.Action == "write" }},
		{Action{Kind: SetAttribute, Field: "user.attributes.addr.city", Value: "Lyon"}, true, func(c pdp.Check) bool {
			return reflect.DeepEqual(c.User.Attributes["addr"], map[string]any{"city": "Lyon", "zip": "75"})
		}},
		{Action{Kind: SetAttribute, Field: "resource.attributes.hasApproval", Value: "true"}, true, func(c pdp.Check) bool { return c.Resource.Attributes["hasApproval"] == "true" }},
		{Action{Kind: SetAttribute, Field: "tenant.attributes.plan", Value: nil}, true, func(c pdp.Check) bool {
			v, ok := c.TenantAttributes["plan"]
			return ok && v == nil
		}},
		{Action{Kind: SetAttribute, Field: "context.ip", Value: "1.2.3.4"}, true, func(c pdp.Check) bool { return c.Context["ip"] == "1.2.3.4" }},
		{Action{Kind: RenameAttribute, Field: "user.attributes.departmnet", Value: "user.attributes.department"}, true, func(c pdp.Check) bool {
			_, old := c.User.Attributes["departmnet"]
			return !old && c.User.Attributes["department"] == "R&D"
		}},
		{Action{Kind: RenameAttribute, Field: "user.attributes.nothere", Value: "user.attributes.x"}, false, nil},
		{Action{Kind: SetAttribute, Field: "user.key", Value: "x"}, false, nil},
		{Action{Kind: SetAttribute, Field: "user.attributes..x", Value: "x"}, false, nil},
		{Action{Kind: RetryInTenant, Field: "tenant", Value: 3}, false, nil},
		{Action{Kind: SetToken}, false, nil},
		{Action{Kind: AssignRole, Value: RoleAssignment{"viewer", "acme"}}, false, nil},
		{Action{Kind: SwitchTarget, Value: "local"}, false, nil},
	}
	for _, tc := range cases {
		orig := check(t, "bob", "read", "document:d1", "acme")
		orig.User.Attributes = map[string]any{"addr": map[string]any{"city": "Paris", "zip": "75"}, "departmnet": "R&D"}
		got, ok := tc.a.Apply(base)
		if ok != tc.ok {
			t.Errorf("%+v: applied %v", tc.a, ok)
			continue
		}
		if ok && !tc.check(got) {
			t.Errorf("%+v: %+v", tc.a, got)
		}
		if ok != tc.a.EditsCheck() && tc.a.Kind != RenameAttribute && tc.a.Kind != SetAttribute && tc.a.Kind != RetryInTenant {
			t.Errorf("%+v: EditsCheck %v", tc.a, tc.a.EditsCheck())
		}
		if !reflect.DeepEqual(base, orig) {
			t.Fatalf("%+v modified the check: %+v", tc.a, base)
		}
	}
}
