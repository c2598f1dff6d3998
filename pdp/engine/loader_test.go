package engine

import (
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// The engine reads what the loader produces: numbers as float64, lists as
// []any, refs, nested paths, role attributes and every tree node.
const loaderYAML = `
version: 1
resources:
  doc:
    actions: [read, edit]
roles:
  lead: {permissions: [], attributes: {level: 3}}
tenants:
  acme: {attributes: {plan: pro}}
users:
  ann:
    attributes: {team: core, address: {city: Oslo}, clearance: 2}
    roles: [{role: lead, tenant: acme}]
resource_instances:
  "doc:d1": {tenant: acme, attributes: {owner: ann, labels: [x, y], size: 5}}
user_sets:
  core:
    conditions:
      allOf:
        - user.team: {in: [core, infra]}
        - user.address.city: {equals: Oslo}
        - role.level: {greater-than-equals: 3}
        - tenant.plan: {equals: pro}
        - not:
            - user.banned: {equals: true}
resource_sets:
  owned:
    resource: doc
    conditions:
      anyOf:
        - resource.owner: {equals: {ref: user.key}}
        - resource.labels: {array_superset: [x, y, z]}
  small:
    resource: doc
    conditions:
      allOf:
        - resource.size: {less-than: 5.5}
condition_set_rules:
  - {user_set: core, permission: doc:edit, resource_set: owned}
  - {user_set: lead, permission: doc:read, resource_set: small}
`

func TestLoadedPolicy(t *testing.T) {
	p, err := policy.Parse("loader.yaml", []byte(loaderYAML))
	if err != nil {
		t.Fatal(err)
	}
	e := New(p)
	for _, tt := range []struct {
		check pdp.Check
		allow bool
	}{
		{chk("ann", "edit", "doc:d1", "acme"), true},
		{chk("ann", "read", "doc:d1", "acme"), true},
		{with(chk("ann", "edit", "doc:d1", "acme"), jitUser(map[string]any{"banned": true})), false},
		{with(chk("ann", "edit", "doc:d1", "acme"), jitUser(map[string]any{"key": "someone"})), false},
		{chk("ann", "edit", "doc:d1", ""), false},
		{chk("bob", "edit", "doc:d1", "acme"), false},
	} {
		if d := decide(t, e, tt.check); d.Allowed() != tt.allow {
			t.Errorf("%s: allow %v, want %v: %s", tt.check, d.Allowed(), tt.allow, d.Response)
		}
	}
}
