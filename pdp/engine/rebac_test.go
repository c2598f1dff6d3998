package engine

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// rebacFixture extends the fixture with users whose derivations are
// suppressed or tenant-bound, and instances the policy does not declare.
func rebacFixture() *Engine {
	p := fixture()
	// sue has a direct role on the roadmap that grants only read, and editor
	// on its folder: commenter (share) would derive but is suppressed.
	p.Users["sue"] = &policy.User{Roles: []policy.RoleAssignment{instRoleOn("viewer", "document:roadmap"), instRoleOn("editor", "folder:plans")}}
	p.Users["una"] = &policy.User{Roles: []policy.RoleAssignment{instRoleOn("owner", "document:floating")}}
	return New(p)
}

func TestReBACDecisions(t *testing.T) {
	e := rebacFixture()
	tests := []struct {
		name   string
		check  pdp.Check
		allow  bool
		code   string
		chains map[string][]string // role -> sources of the allowing role
	}{
		{"derived one hop", chk("jane", "update", "document:roadmap", "default"), true, "allow",
			map[string][]string{"editor": {"folder:plans#editor --parent--> document:roadmap#editor"}}},
		{"derived role lacks the action", chk("jane", "delete", "document:roadmap", "default"), false, "no_permission", nil},
		{"direct", chk("jane", "create", "folder:plans", "default"), true, "allow", map[string][]string{"editor": {"folder:plans#editor"}}},
		{"three hops", chk("wanda", "update", "document:roadmap", "default"), true, "allow", map[string][]string{
			"editor": {"workspace:w1#admin --workspace--> folder:root#editor --parent--> folder:plans#editor --parent--> document:roadmap#editor"}}},
		{"two hops to a folder", chk("wanda", "update", "folder:plans", "default"), true, "allow", map[string][]string{
			"editor": {"workspace:w1#admin --workspace--> folder:root#editor --parent--> folder:plans#editor"}}},
		{"derivation only flows along relationships", chk("jane", "update", "folder:root", "default"), false, "no_permission", nil},
		{"through a cycle", chk("cyril", "update", "document:cycdoc", "default"), true, "allow", map[string][]string{
			"editor": {"folder:cyc1#editor --parent--> folder:cyc2#editor --parent--> document:cycdoc#editor"}}},
		{"around a cycle back to the start", chk("cyril", "update", "folder:cyc1", "default"), true, "allow", map[string][]string{
			"editor": {"folder:cyc1#editor"}}},
		{"a cycle without holders terminates", chk("jane", "update", "folder:cyc2", "default"), false, "no_permission", nil},
		{"no_direct_roles_on_object does not bite without a direct role", chk("vic", "read", "document:roadmap", "default"), true, "allow", map[string][]string{
			"viewer": {"folder:plans#viewer --parent--> document:roadmap#viewer"}}},
		{"derivation-level no_direct_roles_on_object: no direct role, derived", chk("jane", "share", "document:roadmap", "default"), true, "allow", map[string][]string{
			"commenter": {"folder:plans#editor --parent--> document:roadmap#commenter"}}},
		{"derivation-level no_direct_roles_on_object: suppressed by a direct role", chk("sue", "share", "document:roadmap", "default"), false, "no_permission", nil},
		{"a direct role still grants when derivations are suppressed", chk("dora", "share", "document:roadmap", "default"), true, "allow", map[string][]string{
			"owner": {"document:roadmap#owner"}}},
		{"instance in another tenant", chk("olga", "read", "document:acmedoc", "default"), false, "no_permission", nil},
		{"instance in its tenant", chk("olga", "read", "document:acmedoc", "acme"), true, "allow", map[string][]string{"owner": {"document:acmedoc#owner"}}},
		{"undeclared instance: the assignment's tenant", chk("tess", "read", "document:loose", "acme"), true, "allow", nil},
		{"undeclared instance: another tenant than the assignment's", chk("tess", "read", "document:loose", "default"), false, "no_permission", nil},
		{"undeclared instance, no tenant anywhere: any tenant", chk("una", "delete", "document:floating", "globex"), true, "allow", nil},
		{"no key", chk("jane", "update", "document", "default"), false, "no_permission", nil},
		{"no tenant", chk("jane", "update", "document:roadmap", ""), false, "no_permission", nil},
		{"no_such_resource", chk("jane", "read", "spreadsheet:s1", "default"), false, "no_such_resource", nil},
		{"no_such_action", chk("jane", "fly", "document:roadmap", "default"), false, "no_such_action", nil},
		{"no_such_tenant", chk("jane", "update", "document:roadmap", "initech"), false, "no_such_tenant", nil},
		{"user_not_synced", chk("nobody", "update", "document:roadmap", "default"), false, "user_not_synced", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(t, e, tt.check)
			if d.Allowed() != tt.allow {
				t.Fatalf("allow %v, want %v: %+v", d.Allowed(), tt.allow, d.Debug.ReBAC)
			}
			r := d.Debug.ReBAC
			if r == nil {
				t.Fatalf("no rebac block: %+v", d.Debug)
			}
			if r.Code != tt.code {
				t.Fatalf("rebac code %q (%s), want %q", r.Code, r.Reason, tt.code)
			}
			if !r.Allow && r.SupportLink != pdp.SupportLink(tt.code) {
				t.Errorf("support link %q", r.SupportLink)
			}
			if tt.chains != nil {
				got := map[string][]string{}
				for _, ar := range r.AllowingRoles {
					if ar.Resource != tt.check.Resource.Ref() || ar.Reason == "" {
						t.Errorf("allowing role %+v", ar)
					}
					got[ar.Role] = ar.Sources
				}
				if !reflect.DeepEqual(got, tt.chains) {
					t.Errorf("allowing roles %v, want %v", got, tt.chains)
				}
			}
		})
	}
}

func TestReBACTraceRoles(t *testing.T) {
	e := rebacFixture()
	d := decide(t, e, chk("dora", "read", "document:roadmap", "default"))
	want := []pdp.RoleTrace{
		{Role: "commenter", Resource: "document:roadmap", Grants: true, Suppressed: true},
		{Role: "editor", Resource: "document:roadmap", Chains: []string{"folder:plans#editor --parent--> document:roadmap#editor"}, Grants: true},
		{Role: "owner", Resource: "document:roadmap", Direct: true, Chains: []string{"document:roadmap#owner"}, Grants: true},
		{Role: "viewer", Resource: "document:roadmap", Grants: true, Suppressed: true},
	}
	if !reflect.DeepEqual(d.Trace.InstanceRoles, want) {
		t.Errorf("instance roles\n got %s\nwant %s", mustJSON(t, d.Trace.InstanceRoles), mustJSON(t, want))
	}
	// Grants follows the action, not whether the role is held.
	d = decide(t, e, chk("sue", "share", "document:roadmap", "default"))
	var held, suppressed []string
	for _, rt := range d.Trace.InstanceRoles {
		if rt.Suppressed {
			suppressed = append(suppressed, rt.Role)
		}
		if rt.Direct || len(rt.Chains) > 0 {
			held = append(held, rt.Role)
		}
	}
	if strings.Join(held, ",") != "editor,viewer" || strings.Join(suppressed, ",") != "commenter" {
		t.Errorf("held %v, suppressed %v", held, suppressed)
	}
	if r := d.Debug.ReBAC.Reason; !strings.Contains(r, "'commenter' not derived: no_direct_roles_on_object") || !strings.Contains(r, "roles that grant it: commenter, owner") {
		t.Errorf("reason %q", r)
	}
}

func TestReBACMultiplePaths(t *testing.T) {
	p := fixture()
	// Two parents, both giving editor: both chains appear, in relationship order.
	p.ResourceInstances["folder:other"] = &policy.Instance{Tenant: "default"}
	p.Relationships = append(p.Relationships, rel("folder:other", "parent", "document:roadmap"))
	p.Users["pat"] = &policy.User{Roles: []policy.RoleAssignment{instRoleOn("editor", "folder:plans"), instRoleOn("editor", "folder:other"), instRoleOn("editor", "document:roadmap")}}
	e := New(p)
	d := decide(t, e, chk("pat", "update", "document:roadmap", "default"))
	want := []string{"document:roadmap#editor", "folder:plans#editor --parent--> document:roadmap#editor", "folder:other#editor --parent--> document:roadmap#editor"}
	if got := d.Debug.ReBAC.AllowingRoles[0].Sources; !reflect.DeepEqual(got, want) {
		t.Errorf("sources %v", got)
	}
}

func TestReBACDeepChainAndBigCycle(t *testing.T) {
	// A chain of 40 folders closed into a ring: any depth works and the
	// search terminates.
	p := fixture()
	const n = 40
	name := func(i int) string { return "folder:ring" + string(rune('A'+i/26)) + string(rune('a'+i%26)) }
	for i := 0; i < n; i++ {
		p.ResourceInstances[name(i)] = &policy.Instance{Tenant: "default"}
		p.Relationships = append(p.Relationships, rel(name(i), "parent", name((i+1)%n)))
	}
	p.Users["ring"] = &policy.User{Roles: []policy.RoleAssignment{instRoleOn("editor", name(0))}}
	e := New(p)
	d := decide(t, e, chk("ring", "update", name(n-1), "default"))
	if !d.Allowed() {
		t.Fatal("deep derivation denied")
	}
	if hops := countHops(d.Debug.ReBAC.AllowingRoles[0].Sources[0]); hops != n-1 {
		t.Errorf("%d hops in %q", hops, d.Debug.ReBAC.AllowingRoles[0].Sources[0])
	}
	if decide(t, e, chk("jane", "update", name(5), "default")).Allowed() {
		t.Error("a ring without holders allowed")
	}
}

func TestReBACBlockAppearsOnlyWithReBACData(t *testing.T) {
	p := fixture()
	p.Relationships = nil
	for _, u := range p.Users {
		u.Roles = slicesDeleteInstanceRoles(u.Roles)
	}
	e := New(p)
	d := decide(t, e, chk("multi", "delete", "document:roadmap", "default"))
	if d.Debug.ReBAC != nil {
		t.Errorf("rebac block without relationships: %+v", d.Debug.ReBAC)
	}
	// Instance roles alone do not activate ReBAC's block on a denial, only
	// relationship tuples do; a ReBAC allow shows it all the same.
	p.Users["x"] = &policy.User{Roles: []policy.RoleAssignment{instRoleOn("owner", "document:roadmap")}}
	e = New(p)
	if d = decide(t, e, chk("multi", "delete", "document:roadmap", "default")); d.Debug.ReBAC != nil {
		t.Errorf("rebac block with instance roles but no tuples: %+v", d.Debug.ReBAC)
	}
	if d = decide(t, e, chk("x", "delete", "document:roadmap", "default")); !d.Allowed() || code(d.Debug.ReBAC) != "allow" {
		t.Errorf("direct owner: %v, rebac %+v", d.Outcome, d.Debug.ReBAC)
	}
	p.Relationships = []policy.Relationship{rel("folder:plans", "parent", "document:roadmap")}
	if d = decide(t, New(p), chk("multi", "delete", "document:roadmap", "default")); code(d.Debug.ReBAC) != "no_permission" {
		t.Errorf("with a tuple: rebac %+v", d.Debug.ReBAC)
	}
}

func slicesDeleteInstanceRoles(rs []policy.RoleAssignment) []policy.RoleAssignment {
	var out []policy.RoleAssignment
	for _, r := range rs {
		if r.Resource == "" {
			out = append(out, r)
		}
	}
	return out
}

// A lattice of folders has 2^depth paths to its bottom; the chain walk
// must not enumerate them (dead ends and shared ancestors are memoized).
func TestReBACLatticeIsNotExponential(t *testing.T) {
	p := fixture()
	const depth = 40
	name := func(layer int, side string) string { return fmt.Sprintf("folder:l%02d%s", layer, side) }
	for i := 0; i < depth; i++ {
		for _, s := range []string{"a", "b"} {
			p.ResourceInstances[name(i, s)] = &policy.Instance{Tenant: "default"}
			if i > 0 {
				p.Relationships = append(p.Relationships, rel(name(i, s), "parent", name(i-1, "a")), rel(name(i, s), "parent", name(i-1, "b")))
			}
		}
	}
	p.Relationships = append(p.Relationships, rel(name(0, "a"), "parent", "document:roadmap"), rel("folder:top", "parent", "document:roadmap"))
	p.ResourceInstances["folder:top"] = &policy.Instance{Tenant: "default"}
	p.Users["lat"] = &policy.User{Roles: []policy.RoleAssignment{instRoleOn("editor", "folder:top")}}
	e := New(p)
	start := time.Now()
	d := decide(t, e, chk("lat", "update", "document:roadmap", "default"))
	if !d.Allowed() || !reflect.DeepEqual(d.Debug.ReBAC.AllowingRoles[0].Sources, []string{"folder:top#editor --parent--> document:roadmap#editor"}) {
		t.Fatalf("got %v %+v", d.Outcome, d.Debug.ReBAC)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %v", el)
	}
	// Holding the lattice's top gives many paths; at most maxChains are shown.
	p.Users["lat2"] = &policy.User{Roles: []policy.RoleAssignment{instRoleOn("editor", name(depth-1, "a"))}}
	d = decide(t, New(p), chk("lat2", "update", "document:roadmap", "default"))
	if !d.Allowed() || len(d.Debug.ReBAC.AllowingRoles[0].Sources) != maxChains {
		t.Errorf("sources %d", len(d.Debug.ReBAC.AllowingRoles[0].Sources))
	}
}

// When the bounded chain walk gives up, the role is still reported held
// (the decision comes from the unbounded search).
func TestReBACChainBudget(t *testing.T) {
	p := fixture()
	for i := 0; i <= chainBudget; i++ {
		f := fmt.Sprintf("folder:dead%05d", i)
		p.ResourceInstances[f] = &policy.Instance{Tenant: "default"}
		p.Relationships = append(p.Relationships, rel(f, "parent", "document:roadmap"))
	}
	p.Relationships = append(p.Relationships, rel("folder:live", "parent", "document:roadmap"))
	p.Users["far"] = &policy.User{Roles: []policy.RoleAssignment{instRoleOn("editor", "folder:live")}}
	d := decide(t, New(p), chk("far", "update", "document:roadmap", "default"))
	if !d.Allowed() || !reflect.DeepEqual(d.Debug.ReBAC.AllowingRoles[0].Sources, []string{tooManyChains}) {
		t.Errorf("got %v %+v", d.Outcome, d.Debug.ReBAC)
	}
}
