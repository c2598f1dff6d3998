package explain

import (
	"maps"
	"reflect"
	"sync"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

// richSrc has more flips than fit: a user with writer in six other
// tenants, attribute rules, a not and a ref.
const richSrc = `version: 1
resources:
  doc:
    actions: [read, write, share, delete]
roles:
  reader: {permissions: [doc:read]}
  writer: {permissions: [doc:read, doc:write]}
  boss: {permissions: [doc:read, doc:write, doc:share, doc:delete]}
tenants: {t0: {}, t1: {}, t2: {}, t3: {}, t4: {}, t5: {}, t6: {}}
users:
  u:
    attributes: {level: 1, team: red}
    roles:
      - {role: reader, tenant: t0}
      - {role: writer, tenant: t1}
      - {role: writer, tenant: t2}
      - {role: writer, tenant: t3}
      - {role: writer, tenant: t4}
      - {role: writer, tenant: t5}
      - {role: writer, tenant: t6}
resource_instances:
  "doc:d1": {tenant: t0, attributes: {owner: someone}}
user_sets:
  seniors: {conditions: {allOf: [{user.level: {greater-than-equals: 3}}]}}
  blues: {conditions: {allOf: [{user.team: {in: [blue, green]}}]}}
  unbanned: {conditions: {not: [{user.banned: {equals: true}}]}}
  owners: {conditions: {allOf: [{resource.owner: {equals: {ref: user.key}}}]}}
condition_set_rules:
  - {user_set: seniors, permission: doc:write, resource_set: doc}
  - {user_set: blues, permission: doc:write, resource_set: doc}
  - {user_set: unbanned, permission: doc:share, resource_set: doc}
  - {user_set: owners, permission: doc:delete, resource_set: doc}
`

var rich = sync.OnceValue(func() *engine.Engine {
	p, err := policy.Parse("rich.yaml", []byte(richSrc))
	if err != nil {
		panic(err)
	}
	return engine.New(p)
})

func flipsOf(e *engine.Engine, c pdp.Check) []Flip {
	return Explain(e.Decide(c), c, e).Flips
}

func summaries(fs []Flip) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Cost.String() + ": " + f.Summary
	}
	return out
}

// The flips on the demo policy, cheapest first.
func TestDemoFlips(t *testing.T) {
	abac := check(t, "check@permit.io", "publish", "document", "")
	abac.User.Attributes = map[string]any{"location": "England", "department": "Engineering"}
	abac.Resource.Attributes = map[string]any{"hasApproval": true}
	france := check(t, "bob@acme.io", "publish", "document", "")
	france.Resource.Attributes = map[string]any{"hasApproval": "true"}
	typo := abac
	typo.User.Attributes = map[string]any{"location": "England", "departmnet": "Engineering"}
	typo.Resource.Attributes = map[string]any{"hasApproval": "true"}
	sentFrance := abac
	sentFrance.User.Attributes = map[string]any{"location": "France", "department": "Engineering"}
	sentFrance.Resource.Attributes = map[string]any{"hasApproval": "true"}

	cases := []struct {
		name string
		c    pdp.Check
		want []string
	}{
		{"missing role in default", check(t, "john@permit.io", "read", "document", ""), []string{
			"tenant: retry in awesome_inc (john@permit.io has viewer there)",
			"role: john@permit.io would need viewer in default",
			"role: john@permit.io would need editor in default",
			"role: john@permit.io would need admin in default",
		}},
		{"bool for a string", abac, []string{
			`retype: send resource.attributes.hasApproval as "true" (string), not true (bool)`,
			"role: check@permit.io would need admin in default (and to be synced)",
		}},
		{"a JIT value changed", sentFrance, []string{
			"change: change user.attributes.location from France to England",
			"role: check@permit.io would need admin in default (and to be synced)",
		}},
		{"a stored value overridden", france, []string{
			"add: send user.attributes.location=England (over France)",
			"action: ask for `read` instead of `publish`: bob@acme.io may do that",
			"role: bob@acme.io would need admin in default",
		}},
		{"a misspelt key", typo, []string{
			"typo: rename user.attributes.departmnet to `department`",
			"add: send user.attributes.department=Engineering",
			"role: check@permit.io would need admin in default (and to be synced)",
		}},
		{"another action", check(t, "bob@acme.io", "delete", "document", ""), []string{
			"action: ask for `read` instead of `delete`: bob@acme.io may do that",
			"role: bob@acme.io would need admin in default",
		}},
		{"a misspelt action", check(t, "john@smith.com", "raed", "document", ""), []string{
			"typo: use `read` (not `raed`)",
		}},
		{"a misspelt user", check(t, "jonh@permit.io", "read", "document", "awesome_inc"), []string{
			"typo: use `john@permit.io` (not `jonh@permit.io`)",
			"role: jonh@permit.io would need viewer in awesome_inc (and to be synced)",
			"role: jonh@permit.io would need editor in awesome_inc (and to be synced)",
			"role: jonh@permit.io would need admin in awesome_inc (and to be synced)",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := summaries(flipsOf(demo(), tc.c))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("flips\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// The JSON shape for the first flip of the ABAC check.
func TestFlipShape(t *testing.T) {
	c := check(t, "check@permit.io", "publish", "document", "")
	c.User.Attributes = map[string]any{"location": "England", "department": "Engineering"}
	c.Resource.Attributes = map[string]any{"hasApproval": true}
	f := flipsOf(demo(), c)[0]
	want := Flip{Change: "resource.attributes.hasApproval", From: true, To: "true", Outcome: pdp.Allow, Cost: CostRetype,
		Summary: `send resource.attributes.hasApproval as "true" (string), not true (bool)`,
		Action:  Action{Kind: SetAttribute, Field: "resource.attributes.hasApproval", Value: "true", Label: `set resource.attributes.hasApproval="true"`}}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("\n got %+v\nwant %+v", f, want)
	}
}

// More candidates than MaxFlips: the cheapest five, in cost order.
func TestFlipOrderAndCap(t *testing.T) {
	c := check(t, "u", "write", "doc", "t0")
	c.User.Attributes = map[string]any{"level": 2.0}
	got := summaries(flipsOf(rich(), c))
	want := []string{
		"change: change user.attributes.level from 2 to 3",
		"add: send user.attributes.team=blue (over red)",
		"tenant: retry in t1 (u has writer there)",
		"tenant: retry in t2 (u has writer there)",
		"tenant: retry in t3 (u has writer there)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("flips\n got %q\nwant %q", got, want)
	}
	if fs := Flips(rich(), c, 2); len(fs) != 2 || fs[1].Cost != CostAdd {
		t.Errorf("max 2: %q", summaries(fs))
	}
	if fs := Flips(rich(), c, 0); fs != nil {
		t.Errorf("max 0: %q", summaries(fs))
	}
}

// A leaf that holds under a not is undone with null; a ref compares two
// attributes and either side can move.
func TestFlipNotAndRef(t *testing.T) {
	c := check(t, "u", "share", "doc", "t0")
	c.User.Attributes = map[string]any{"banned": true}
	got := summaries(flipsOf(rich(), c))
	if len(got) == 0 || got[0] != "change: change user.attributes.banned from true to null" {
		t.Errorf("not: %q", got)
	}
	c = check(t, "u", "delete", "doc:d1", "t0")
	got = summaries(flipsOf(rich(), c))
	want := []string{"add: send resource.attributes.owner=u (over someone)", "add: send user.attributes.key=someone (over u)",
		"action: ask for `read` instead of `delete`: u may do that"}
	if len(got) < 3 || !reflect.DeepEqual(got[:3], want) {
		t.Errorf("ref: %q", got)
	}
}

// Every flip claims allow; deciding the changed check (or, for a role, the
// whole environment with the assignment added) must say so too.
func TestEveryFlipIsVerified(t *testing.T) {
	type tc struct {
		e *engine.Engine
		c pdp.Check
	}
	var cases []tc
	for _, c := range []pdp.Check{
		check(t, "john@permit.io", "read", "document", ""),
		check(t, "bob@acme.io", "delete", "document", ""),
		check(t, "jane@permit.io", "delete", "document:roadmap", ""),
		check(t, "jonh@permit.io", "read", "document", "awesome_inc"),
		check(t, "john@smith.com", "raed", "document", ""),
		check(t, "john@smith.com", "read", "documnt", ""),
		check(t, "john@smith.com", "read", "document", "defualt"),
	} {
		cases = append(cases, tc{demo(), c})
	}
	abac := check(t, "check@permit.io", "publish", "document:roadmap", "")
	abac.User.Attributes = map[string]any{"location": "Englnd", "departmnet": "Engineering"}
	cases = append(cases, tc{demo(), abac})
	for _, a := range []string{"write", "share", "delete"} {
		c := check(t, "u", a, "doc:d1", "t0")
		c.User.Attributes = map[string]any{"banned": true, "level": 2.0}
		cases = append(cases, tc{rich(), c})
	}
	n := 0
	for _, k := range cases {
		for _, f := range flipsOf(k.e, k.c) {
			n++
			if f.Outcome != pdp.Allow {
				t.Errorf("%s: flip %q claims %s", k.c, f.Summary, f.Outcome)
			}
			var d pdp.Decision
			if f.Action.EditsCheck() {
				c2, ok := f.Action.Apply(k.c)
				if !ok {
					t.Fatalf("%s: flip %q does not apply", k.c, f.Summary)
				}
				d = k.e.Decide(c2)
			} else {
				ra := f.Action.Value.(RoleAssignment)
				d = engine.New(assigned(k.e.Policy(), k.c.User.Key, ra)).Decide(k.c)
			}
			if d.Outcome != f.Outcome {
				t.Errorf("%s: flip %q claims %s, deciding again gives %s", k.c, f.Summary, f.Outcome, d.Outcome)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d flips checked", n)
	}
}

// assigned is a copy of the whole policy with one more tenant role.
func assigned(p *policy.Policy, user string, ra RoleAssignment) *policy.Policy {
	cp := *p
	cp.Users = maps.Clone(p.Users)
	u := &policy.User{}
	if old := p.Users[user]; old != nil {
		*u = *old
	}
	u.Roles = append(append([]policy.RoleAssignment(nil), u.Roles...), policy.RoleAssignment{Role: ra.Role, Tenant: ra.Tenant})
	cp.Users[user] = u
	return &cp
}

func TestNoFlipsForAllowsAndRemote(t *testing.T) {
	c := check(t, "john@smith.com", "read", "document", "")
	if x := explainDemo(c); len(x.Flips) != 0 {
		t.Errorf("an allow has flips: %+v", x.Flips)
	}
	if fs := Flips(demo(), c, MaxFlips); fs != nil {
		t.Errorf("Flips on an allow: %+v", fs)
	}
	if fs := Flips(nil, c, MaxFlips); fs != nil {
		t.Errorf("Flips without an engine: %+v", fs)
	}
}
