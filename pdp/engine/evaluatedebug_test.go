package engine

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// sameDebug checks that EvaluateDebug decides c as Evaluate does, with no
// trace and the same debug object: equal as Go values and, what pdpx serve
// sends, the same JSON, alone and in the /allowed body. decide calls it,
// so every decision test of the package checks it too.
func sameDebug(t testing.TB, e *Engine, c pdp.Check) {
	t.Helper()
	want := e.Evaluate(c)
	got := e.EvaluateDebug(&c)
	if got.Trace != nil || got.Request != nil || got.Response != nil {
		t.Fatalf("%s: EvaluateDebug gave a trace or bodies", c)
	}
	if got.Outcome != want.Outcome {
		t.Fatalf("%s: EvaluateDebug says %v, Evaluate %v", c, got.Outcome, want.Outcome)
	}
	wj, werr := json.Marshal(want.Debug)
	gj, gerr := json.Marshal(got.Debug)
	if string(wj) != string(gj) || (werr == nil) != (gerr == nil) {
		t.Fatalf("%s: debug objects differ\n Evaluate      %s\n EvaluateDebug %s", c, wj, gj)
	}
	if werr == nil && !reflect.DeepEqual(got.Debug, want.Debug) {
		t.Fatalf("%s: the same JSON from different debug objects: %s", c, wj)
	}
	allowed := want.Outcome == pdp.Allow
	if w, g := ResponseBody(allowed, want.Debug), ResponseBody(allowed, got.Debug); string(w) != string(g) {
		t.Fatalf("%s: response bodies differ\n Evaluate      %s\n EvaluateDebug %s", c, w, g)
	}
	// EvaluateDebugJSON: the same decision, and the encodings it gives are
	// json.Marshal's of the maps they stand for.
	// Into a buffer of its own and into one a previous decision (the
	// policy's first check) used, which must leave nothing behind.
	buf := new(DebugBuffer)
	e.EvaluateDebugJSON(&pdp.Check{User: pdp.User{Key: "nobody"}, Action: "fly", Resource: pdp.Resource{Type: "spreadsheet"}}, buf)
	if len(e.userKeys) > 0 && len(e.typeKeys) > 0 {
		e.EvaluateDebugJSON(&pdp.Check{User: pdp.User{Key: e.userKeys[0]}, Action: "x", Resource: pdp.Resource{Type: e.typeKeys[0]}}, buf)
	}
	if od, _ := e.EvaluateDebugJSON(&c, nil); od.Outcome != want.Outcome || !reflect.DeepEqual(od.Debug, got.Debug) {
		t.Fatalf("%s: EvaluateDebugJSON without a buffer differs from EvaluateDebug", c)
	}
	jd, aj := e.EvaluateDebugJSON(&c, buf)
	if jd.Outcome != want.Outcome || !reflect.DeepEqual(jd.Debug, got.Debug) {
		t.Fatalf("%s: EvaluateDebugJSON differs from EvaluateDebug", c)
	}
	for _, a := range []struct {
		enc []byte
		m   map[string]any
	}{{aj.User, jd.Debug.Request.User.Attributes}, {aj.Resource, jd.Debug.Request.Resource.Attributes}} {
		if a.enc == nil {
			continue
		}
		if m, err := json.Marshal(a.m); err != nil || string(m) != string(a.enc) {
			t.Fatalf("%s: kept encoding %s, the map's %s (%v)", c, a.enc, m, err)
		}
	}
}

// checkSpace is what checks over one policy are drawn from: its users,
// actions, resources and tenants, plus some the policy does not know.
type checkSpace struct {
	users, actions, resources, tenants []string
}

func spaceOf(e *Engine) checkSpace {
	var s checkSpace
	s.users = append(slices.Clone(e.userKeys), "nobody")
	acts := map[string]bool{"fly": true}
	res := map[string]bool{"spreadsheet": true, "spreadsheet:s1": true}
	for _, typ := range e.typeKeys {
		res[typ] = true
		res[typ+":undeclared"] = true
		for _, a := range e.types[typ].actionList {
			acts[a] = true
		}
	}
	for k := range e.instances {
		res[k.String()] = true
	}
	for k := range e.inbound {
		res[k.obj.String()] = true
	}
	s.actions, s.resources = sortedKeys(acts), sortedKeys(res)
	s.tenants = append(slices.Clone(e.tenants), "", "initech")
	return s
}

// exhaustive runs sameDebug on every check of the space, without JIT
// attributes.
func (s checkSpace) exhaustive(t *testing.T, e *Engine) int {
	n := 0
	for _, u := range s.users {
		for _, a := range s.actions {
			for _, r := range s.resources {
				for _, tn := range s.tenants {
					sameDebug(t, e, chk(u, a, r, tn))
					n++
				}
			}
		}
	}
	return n
}

// random is a check drawn from the space, with JIT attributes from pools
// that the fixture's and the demo's conditions read (and some they do not)
// half of the time.
func (s checkSpace) random(r *rand.Rand) pdp.Check {
	c := chk(pick(r, s.users), pick(r, s.actions), pick(r, s.resources), pick(r, s.tenants))
	if r.IntN(2) == 0 {
		c.User.Attributes = randomAttrs(r, map[string][]any{
			"department": {"Engineering", "Sales"},
			"location":   {"England", "France"},
			"address":    {map[string]any{"city": "London"}, map[string]any{"city": "Paris", "zip": "75"}, "nowhere"},
			"clearance":  {1.0, 3.0, "3"},
			"roles":      {[]any{"viewer"}, []any{"admin", "ghost"}, []any{}, "admin"},
			"key":        {"someone"},
			"tags":       {[]any{"a"}, nil},
		})
		c.Resource.Attributes = randomAttrs(r, map[string][]any{
			"hasApproval":    {"true", true, "false"},
			"classification": {map[string]any{"level": 2.0}, map[string]any{"level": 0.0, "labels": []any{"y"}}},
			"type":           {"folder", "document", 7.0},
			"owner":          {"alice", "bob"},
			"size":           {1.0, 500.0},
		})
		c.TenantAttributes = randomAttrs(r, map[string][]any{"plan": {"pro", "free"}})
		c.Context = randomAttrs(r, map[string][]any{"ip": {"10.0.0.1"}, "required": {2.0}})
	}
	return c
}

func pick[T any](r *rand.Rand, l []T) T { return l[r.IntN(len(l))] }

// randomAttrs takes each key of pool with probability one half, with one
// of its values; nil when it took none.
func randomAttrs(r *rand.Rand, pool map[string][]any) map[string]any {
	var m map[string]any
	for _, k := range sortedKeys(pool) {
		if r.IntN(2) == 0 {
			if m == nil {
				m = map[string]any{}
			}
			m[k] = pick(r, pool[k])
		}
	}
	return m
}

// The fixture policies and the demo, every check of their spaces: each
// user, action, resource (types, instances, related objects, unknown ones)
// and tenant.
func TestEvaluateDebugIsEvaluatesDebug(t *testing.T) {
	engines := map[string]*Engine{
		"fixture":       fixtureEngine,
		"rebac fixture": rebacFixture(),
		"demo":          New(policy.Demo()),
	}
	if testing.Short() || raceEnabled {
		delete(engines, "fixture") // the rebac fixture holds it
	}
	for name, e := range engines {
		t.Run(name, func(t *testing.T) {
			n := spaceOf(e).exhaustive(t, e)
			t.Logf("%d checks", n)
		})
	}
}

// Random checks with random JIT attributes over the fixtures and the demo:
// the attributes drive ABAC's sets, generated roles and types included.
func TestEvaluateDebugRandomized(t *testing.T) {
	n := 20000
	if testing.Short() || raceEnabled {
		n = 2000
	}
	r := rand.New(rand.NewPCG(5, 55))
	for _, e := range []*Engine{rebacFixture(), New(policy.Demo())} {
		s := spaceOf(e)
		for range n {
			sameDebug(t, e, s.random(r))
		}
	}
}

// Random checks over the small generated environment: thousands of users,
// instances and relationships, with derivations three hops deep. Half of
// the checks follow a user's instance role up the relationships so that
// ReBAC allows often enough to be tested.
func TestEvaluateDebugGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the small generated environment")
	}
	b := smallEnv()
	e := b.e
	for _, c := range []pdp.Check{b.env.RBAC, b.env.ABAC, b.env.ReBAC3Hop} {
		sameDebug(t, e, c)
	}
	s := spaceOf(e)
	var holders []*userIndex
	for _, key := range e.userKeys {
		if u := e.users[key]; len(u.instRoles) > 0 {
			holders = append(holders, u)
		}
	}
	n := 20000
	if raceEnabled {
		n = 3000
	}
	r := rand.New(rand.NewPCG(2, 22))
	allows := map[pdp.Outcome]int{}
	for range n {
		c := s.random(r)
		if r.IntN(2) == 0 && len(holders) > 0 {
			u := pick(r, holders)
			at := pick(r, sortedInsts(u.instRoles))
			for range r.IntN(4) {
				next := e.outbound[at]
				if len(next) == 0 {
					break
				}
				at = pick(r, next)
			}
			c.User = pdp.User{Key: u.key}
			c.Resource = pdp.Resource{Type: at.typ, Key: at.key, Tenant: pick(r, s.tenants)}
			if in := e.instances[at]; in != nil && r.IntN(4) > 0 {
				c.Resource.Tenant = in.tenant
			}
			if ti := e.types[at.typ]; ti != nil && r.IntN(4) > 0 {
				c.Action = pick(r, ti.actionList)
			}
		}
		sameDebug(t, e, c)
		allows[e.EvaluateDebug(&c).Outcome]++
	}
	t.Logf("%d checks: %d allowed", n, allows[pdp.Allow])
}

func sortedInsts(m map[instKey][]instRole) []instKey {
	l := make([]instKey, 0, len(m))
	for k := range m {
		l = append(l, k)
	}
	sortInsts(l)
	return l
}

// FuzzEvaluateDebug: any check, JIT attributes from any JSON object, over
// the rebac fixture.
//
//	go test -fuzz FuzzEvaluateDebug ./pdp/engine/
func FuzzEvaluateDebug(f *testing.F) {
	e := rebacFixture()
	f.Add("alice", "publish", "document:roadmap", "acme", `{"department":"Engineering","location":"England"}`, `{}`)
	f.Add("multi", "share", "document:roadmap", "default", `{}`, `{"hasApproval":"true"}`)
	f.Add("dora", "read", "document:roadmap", "default", `{}`, `{}`)
	f.Add("sue", "share", "document:roadmap", "default", `{"roles":["viewer"]}`, `{"type":"folder"}`)
	f.Add("nobody", "create", "folder", "", `{"address":{"city":"London"}}`, `{}`)
	f.Fuzz(func(t *testing.T, user, action, resource, tenant, userAttrs, resAttrs string) {
		typ, key, err := pdp.ParseResource(resource)
		if err != nil {
			return
		}
		c := pdp.Check{User: pdp.User{Key: user}, Action: action, Resource: pdp.Resource{Type: typ, Key: key, Tenant: tenant}}
		_ = json.Unmarshal([]byte(userAttrs), &c.User.Attributes)
		_ = json.Unmarshal([]byte(resAttrs), &c.Resource.Attributes)
		sameDebug(t, e, c)
	})
}
