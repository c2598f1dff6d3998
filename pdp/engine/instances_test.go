package engine

import (
	"reflect"
	"testing"

	"github.com/pdpx/pdpx/pdp/policy"
)

// TestInstancesOf: the instances a search enumerates are the declared ones
// with their tenant, and those only a relationship or a role assignment
// names, without one; each once, sorted, of the type asked only.
func TestInstancesOf(t *testing.T) {
	p, err := policy.Parse("instances.yaml", []byte(`
version: 1
resources:
  folder:
    actions: [read]
    roles: {editor: {permissions: [read]}}
  document:
    actions: [read]
    relations: {parent: folder}
    roles: {editor: {permissions: [read]}}
tenants: {acme: {}, globex: {}}
users:
  u: {roles: [{role: editor, resource: "document:assigned"}, {role: editor, resource: "folder:f1"}]}
resource_instances:
  "document:declared": {tenant: acme, attributes: {a: 1}}
  "document:bare": {}
  "document:assigned": {tenant: globex}
relationships:
  - {subject: "folder:f1", relation: parent, object: "document:related"}
  - {subject: "folder:f2", relation: parent, object: "document:declared"}
`))
	if err != nil {
		t.Fatal(err)
	}
	e := New(p)
	want := []InstanceRef{{"assigned", "globex"}, {"bare", ""}, {"declared", "acme"}, {"related", ""}}
	if got := e.InstancesOf("document"); !reflect.DeepEqual(got, want) {
		t.Errorf("documents: %v, want %v", got, want)
	}
	if got := e.InstancesOf("folder"); !reflect.DeepEqual(got, []InstanceRef{{"f1", ""}, {"f2", ""}}) {
		t.Errorf("folders: %v", got)
	}
	if got := e.InstancesOf("nothing"); len(got) != 0 {
		t.Errorf("an unknown type: %v", got)
	}
}
