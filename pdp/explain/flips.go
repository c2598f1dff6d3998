package explain

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

// MaxFlips is how many flips an explanation lists.
const MaxFlips = 5

// Cost orders flips, cheapest first. The order follows how far a change
// moves from what the person meant to ask:
//
//  0. CostTypo: a misspelt name (user, action, type, tenant) or attribute
//     key replaced by the known one; the person meant that already.
//  1. CostRetype: a JIT value the check sends, with the same text and
//     another JSON type (true → "true").
//  2. CostChange: a JIT value the check sends, changed.
//  3. CostAdd: a JIT attribute the check does not send, added (over a
//     stored or generated value, or where there was none).
//  4. CostTenant: the same question in another tenant.
//  5. CostAction: another action on the same resource: a different question.
//  6. CostRole: a role assigned to the user: a change to the environment,
//     not to the check.
//
// Within a cost, flips keep the order they were found in: rules, then the
// leaves of each set in order; tenants, actions by name; roles by how few
// permissions they carry (least privilege first).
type Cost int

// The costs of a flip.
const (
	CostTypo Cost = iota
	CostRetype
	CostChange
	CostAdd
	CostTenant
	CostAction
	CostRole
)

var costNames = [...]string{"typo", "retype", "change", "add", "tenant", "action", "role"}

// String is the cost's name: typo, retype, change, add, tenant, action, role.
func (c Cost) String() string {
	if c >= 0 && int(c) < len(costNames) {
		return costNames[c]
	}
	return "unknown"
}

// MarshalJSON writes the cost's name.
func (c Cost) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// Flip is one change that makes a denied check allow, verified by deciding
// the changed check again.
type Flip struct {
	// Change is what changes: a check field ("resource.attributes.hasApproval",
	// "tenant", "action", "user.key", "resource.type") or "role".
	Change string `json:"change"`
	// From is the value before, absent when there was none.
	From any `json:"from,omitempty"`
	// To is the value after (for "role", a RoleAssignment).
	To any `json:"to"`
	// Outcome is the verified outcome of the changed check: Allow.
	Outcome pdp.Outcome `json:"outcome"`
	Cost    Cost        `json:"cost"`
	// Summary says it for a person: `send resource.attributes.hasApproval as "true" (string), not true (bool)`.
	Summary string `json:"summary"`
	// Action applies the flip: to the check (Action.Apply) for every cost
	// but CostRole, whose AssignRole is a change to the environment.
	Action Action `json:"action"`
}

// Flips finds the smallest single changes that make c allow on e, each
// verified by deciding again, cheapest first, at most max. It returns nil
// when c is already allowed. Explain calls it for embedded denials.
func Flips(e *engine.Engine, c pdp.Check, max int) []Flip {
	if e == nil || max <= 0 || e.Allowed(&c) {
		return nil
	}
	d := e.Decide(c)
	_, warns := provenance(d, c, e)
	return findFlips(e, c, d.Trace, warns, max)
}

// finder collects verified flips.
type finder struct {
	e     *engine.Engine
	c     pdp.Check
	max   int
	flips []Flip
	seen  map[string]bool
}

func findFlips(e *engine.Engine, c pdp.Check, tr *pdp.Trace, warns []Warning, max int) []Flip {
	f := &finder{e: e, c: c, max: max, seen: map[string]bool{}}
	// Each step finds flips of higher costs than the steps before it (the
	// attribute step sorts its three costs itself), so once max flips are
	// found the rest cannot make the list.
	for _, step := range []func(){
		func() { f.typos(warns) },
		func() { f.attributes(tr) },
		f.tenants,
		f.actions,
		func() { f.roles(tr) },
	} {
		if len(f.flips) >= max {
			break
		}
		step()
	}
	sort.SliceStable(f.flips, func(i, j int) bool { return f.flips[i].Cost < f.flips[j].Cost })
	if len(f.flips) > max {
		f.flips = f.flips[:max]
	}
	return f.flips
}

// try verifies a check-editing action and keeps it as a flip when the
// changed check allows.
func (f *finder) try(a Action, cost Cost, from any, summary string) {
	key := a.Field + "=" + pdp.FormatValue(a.Value)
	if f.seen[key] {
		return
	}
	f.seen[key] = true
	c, ok := a.Apply(f.c)
	if !ok || !f.e.Allowed(&c) {
		return
	}
	f.flips = append(f.flips, Flip{Change: a.Field, From: from, To: a.Value, Outcome: pdp.Allow, Cost: cost, Summary: summary, Action: a})
}

// typos: names the environment does not know, replaced by the nearest it does.
func (f *finder) typos(warns []Warning) {
	p := f.e.Policy()
	c := f.c
	use := func(field, bad, good string) {
		if good == "" {
			return
		}
		f.try(Action{Kind: UseName, Field: field, Value: good, Label: "use " + good}, CostTypo, bad,
			fmt.Sprintf("use %s (not %s)", tick(pdp.Clean(good)), tick(pdp.Clean(bad))))
	}
	if _, ok := p.Users[c.User.Key]; !ok {
		use("user.key", c.User.Key, suggestUser(c.User.Key, f.e.Users()))
	}
	if actions := f.e.ActionsOf(c.Resource.Type); actions == nil {
		use("resource.type", c.Resource.Type, policy.Suggest(c.Resource.Type, f.e.ResourceTypes()))
	} else if !slices.Contains(actions, c.Action) {
		use("action", c.Action, policy.Suggest(c.Action, actions))
	}
	if t := c.Resource.Tenant; t != "" && !slices.Contains(f.e.Tenants(), t) {
		use("tenant", t, policy.Suggest(t, f.e.Tenants()))
	}
	for _, w := range warns {
		if w.Action != nil && w.Action.Kind == RenameAttribute {
			from, _ := getAttr(c, w.Action.Field)
			f.try(*w.Action, CostTypo, from, fmt.Sprintf("rename %s to %s", w.Field, tick(w.Suggestion)))
		}
	}
}

// tenants: the same check in each other tenant the policy knows.
func (f *finder) tenants() {
	for _, t := range f.e.Tenants() {
		if t == f.c.Resource.Tenant || len(f.flips) >= f.max {
			continue
		}
		summary := "retry in " + pdp.Clean(t)
		if roles := f.e.TenantRolesOf(f.c.User.Key, t); len(roles) > 0 {
			summary += fmt.Sprintf(" (%s has %s there)", pdp.Clean(f.c.User.Key), names(cleanAll(roles)))
		}
		f.try(Action{Kind: RetryInTenant, Field: "tenant", Value: t, Label: "retry in " + t}, CostTenant, orNil(f.c.Resource.Tenant), summary)
	}
}

// actions: the other actions of the type that the user may do here. A
// check whose action the type does not have gets none: the typo step has
// offered the nearest action, and every other action is no flip of it.
func (f *finder) actions() {
	actions := f.e.ActionsOf(f.c.Resource.Type)
	if !slices.Contains(actions, f.c.Action) {
		return
	}
	for _, a := range actions {
		if a == f.c.Action || len(f.flips) >= f.max {
			continue
		}
		f.try(Action{Kind: UseAction, Field: "action", Value: a, Label: "ask for " + a}, CostAction, f.c.Action,
			fmt.Sprintf("ask for %s instead of %s: %s may do that", tick(pdp.Clean(a)), tick(pdp.Clean(f.c.Action)), pdp.Clean(f.c.User.Key)))
	}
}

// orNil is s, or nil when it is empty (no value before).
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
