// Package gen generates large synthetic policies for the engine's
// benchmarks and load tests: many users, tenants, sets, instances and
// relationships, with ReBAC derivations three hops deep.
//
// The schema (resource types, actions, roles, derivations) and the number
// of rules per permission are the same at every size, so a check's cost can
// be compared across sizes: only the facts and the sets grow.
package gen

import (
	"fmt"
	"math/rand/v2"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// Config sizes an environment.
type Config struct {
	Users, Tenants, UserSets, ResourceSets, Instances, Relationships int
	// Seed makes the environment reproducible.
	Seed uint64
	// QuerySets adds the sets and rules whose results depend on more than
	// one side of a check (see querySets), for the permission queries'
	// tests. Small and Large leave them out, so their figures stay comparable.
	QuerySets bool
}

// Tiny is an environment small enough to cross-check every user against
// every instance and action, with the QuerySets rules.
func Tiny() Config {
	return Config{Users: 30, Tenants: 4, UserSets: 12, ResourceSets: 12, Instances: 200, Relationships: 400, Seed: 3, QuerySets: true}
}

// Large is the environment the performance targets are set for.
func Large() Config {
	return Config{Users: 10000, Tenants: 1000, UserSets: 200, ResourceSets: 200, Instances: 50000, Relationships: 200000, Seed: 1}
}

// Small is Large at a tenth of the size.
func Small() Config {
	return Config{Users: 1000, Tenants: 100, UserSets: 20, ResourceSets: 20, Instances: 5000, Relationships: 20000, Seed: 1}
}

// Env is a generated policy and checks known to be allowed by one model each.
type Env struct {
	Policy *policy.Policy
	// RBAC is allowed by a tenant role.
	RBAC pdp.Check
	// ABAC is allowed by a condition-set rule, not by the user's tenant
	// role; its rule comes last among the rules for its permission.
	ABAC pdp.Check
	// ReBAC3Hop is allowed only by a role derived three hops away:
	// org#admin --org--> project#editor --project--> folder#editor --parent--> document#editor.
	ReBAC3Hop pdp.Check
}

// The fixed schema.
var (
	actions     = []string{"read", "create", "update", "delete", "share", "publish"}
	coreTypes   = []string{"org", "project", "folder", "document"}
	fillerTypes = []string{"ticket", "report", "dataset", "pipeline", "dashboard", "invoice"}
	departments = []string{"Engineering", "Sales", "Marketing", "Support", "Finance", "Legal", "HR", "Research"}
	locations   = []string{"England", "Scotland", "France", "Germany", "Spain", "Italy"}
	tags        = []string{"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"}
	statuses    = []string{"draft", "review", "published", "archived"}
)

const rulesPerPermission = 3

// Generate builds the environment for cfg. It needs at least a handful of
// each thing (Small is the smallest size it is meant for).
func Generate(cfg Config) *Env {
	r := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	p := &policy.Policy{
		Version:           1,
		Resources:         map[string]*policy.Resource{},
		Roles:             map[string]*policy.Role{},
		Tenants:           map[string]*policy.Tenant{},
		Users:             map[string]*policy.User{},
		ResourceInstances: map[string]*policy.Instance{},
		UserSets:          map[string]*policy.UserSet{},
		ResourceSets:      map[string]*policy.ResourceSet{},
	}
	schema(p)
	allTypes := append(append([]string{}, coreTypes...), fillerTypes...)

	// Tenant roles: admin grants everything, the others a random share.
	var roleKeys []string
	for i := 0; i < 20; i++ {
		key := fmt.Sprintf("role%02d", i)
		if i < 3 {
			key = []string{"admin", "editor", "viewer"}[i]
		}
		role := &policy.Role{Attributes: map[string]any{"level": float64(i % 5)}}
		for _, t := range allTypes {
			for _, a := range actions {
				if key == "admin" || (key != "viewer" && r.IntN(4) == 0) || (key == "viewer" && a == "read") {
					if a == "publish" && key != "admin" {
						continue // only admin publishes, so the ABAC sample needs its rule
					}
					role.Permissions = append(role.Permissions, t+":"+a)
				}
			}
		}
		p.Roles[key] = role
		roleKeys = append(roleKeys, key)
	}

	tenants := make([]string, cfg.Tenants)
	for i := range tenants {
		tenants[i] = fmt.Sprintf("t%04d", i)
		p.Tenants[tenants[i]] = &policy.Tenant{Attributes: map[string]any{
			"plan": []string{"free", "pro"}[i%2], "region": []string{"eu", "us"}[i%2],
		}}
	}

	// Instances: orgs own projects own folders own documents, each subtree in
	// its org's tenant so derivations stay within one tenant.
	nOrg := max(cfg.Instances/100, 1)
	nProject := max(cfg.Instances*9/100, 1)
	nFolder := max(cfg.Instances*30/100, 1)
	nDoc := max(cfg.Instances-nOrg-nProject-nFolder, 1)
	orgTenant := make([]string, nOrg)
	for i := range nOrg {
		orgTenant[i] = tenants[i%len(tenants)]
		p.ResourceInstances[inst("org", i)] = &policy.Instance{Tenant: orgTenant[i]}
	}
	projectOrg := make([]int, nProject)
	for i := range nProject {
		projectOrg[i] = i % nOrg
		p.ResourceInstances[inst("project", i)] = &policy.Instance{Tenant: orgTenant[projectOrg[i]]}
		p.Relationships = append(p.Relationships, policy.Relationship{Subject: inst("org", projectOrg[i]), Relation: "org", Object: inst("project", i)})
	}
	folderProject := make([]int, nFolder)
	for i := range nFolder {
		folderProject[i] = i % nProject
		p.ResourceInstances[inst("folder", i)] = &policy.Instance{Tenant: orgTenant[projectOrg[folderProject[i]]]}
		p.Relationships = append(p.Relationships, policy.Relationship{Subject: inst("project", folderProject[i]), Relation: "project", Object: inst("folder", i)})
	}
	docFolder := make([]int, nDoc)
	for i := range nDoc {
		docFolder[i] = i % nFolder
		p.ResourceInstances[inst("document", i)] = &policy.Instance{
			Tenant: orgTenant[projectOrg[folderProject[docFolder[i]]]],
			Attributes: map[string]any{
				"hasApproval": []string{"true", "false"}[r.IntN(2)],
				"size":        float64(r.IntN(1000)),
				"status":      statuses[r.IntN(len(statuses))],
				"labels":      []any{tags[r.IntN(len(tags))], tags[r.IntN(len(tags))]},
			},
		}
		p.Relationships = append(p.Relationships, policy.Relationship{Subject: inst("folder", docFolder[i]), Relation: "parent", Object: inst("document", i)})
	}
	// The rest of the relationships link documents to documents by a
	// relation no derivation uses: volume the index must carry.
	for len(p.Relationships) < cfg.Relationships {
		a, b := r.IntN(nDoc), r.IntN(nDoc)
		p.Relationships = append(p.Relationships, policy.Relationship{Subject: inst("document", a), Relation: "related", Object: inst("document", b)})
	}

	// Users: stored attributes, one to three tenant roles, and for a third of
	// them an instance role somewhere in the tree.
	for i := range cfg.Users {
		u := &policy.User{
			Email: fmt.Sprintf("u%05d@example.com", i),
			Attributes: map[string]any{
				"department": departments[r.IntN(len(departments))],
				"location":   locations[r.IntN(len(locations))],
				"clearance":  float64(r.IntN(6)),
				"tags":       []any{tags[r.IntN(len(tags))], tags[r.IntN(len(tags))]},
			},
		}
		for range 1 + r.IntN(3) {
			u.Roles = append(u.Roles, policy.RoleAssignment{Role: roleKeys[r.IntN(len(roleKeys))], Tenant: tenants[r.IntN(len(tenants))]})
		}
		switch i % 6 {
		case 0:
			u.Roles = append(u.Roles, policy.RoleAssignment{Role: "admin", Resource: inst("org", r.IntN(nOrg))})
		case 1:
			u.Roles = append(u.Roles, policy.RoleAssignment{Role: "editor", Resource: inst("folder", r.IntN(nFolder))})
		case 2:
			u.Roles = append(u.Roles, policy.RoleAssignment{Role: "viewer", Resource: inst("document", r.IntN(nDoc))})
		}
		p.Users[fmt.Sprintf("u%05d", i)] = u
	}

	// Sets: user sets over user, tenant and role attributes; resource sets
	// over their type's attributes.
	var userSets []string
	for i := range cfg.UserSets {
		key := fmt.Sprintf("us%03d", i)
		p.UserSets[key] = &policy.UserSet{Conditions: randomUserCondition(r)}
		userSets = append(userSets, key)
	}
	resSetsByType := map[string][]string{}
	for i := range cfg.ResourceSets {
		key := fmt.Sprintf("rs%03d", i)
		typ := allTypes[i%len(allTypes)]
		p.ResourceSets[key] = &policy.ResourceSet{Resource: typ, Conditions: randomResourceCondition(r)}
		resSetsByType[typ] = append(resSetsByType[typ], key)
	}
	// A fixed number of rules per permission, so ABAC's cost per check does
	// not depend on the environment's size. A resource set side may be the
	// type itself (Permit's generated set), a user set side a role.
	for _, t := range allTypes {
		for _, a := range actions {
			for k := range rulesPerPermission {
				us := userSets[r.IntN(len(userSets))]
				if k == 2 {
					us = roleKeys[3+r.IntN(len(roleKeys)-3)]
				}
				rs := t
				if l := resSetsByType[t]; len(l) > 0 && k != 1 {
					rs = l[r.IntN(len(l))]
				}
				p.ConditionSetRules = append(p.ConditionSetRules, policy.ConditionSetRule{UserSet: us, Permission: t + ":" + a, ResourceSet: rs})
			}
		}
	}

	env := samples(p, tenants)
	if cfg.QuerySets {
		querySets(p, cfg.Users)
	}
	return env
}

// querySets adds ABAC whose sets read more than the side they are about,
// the cases where a query cannot evaluate a side once for all:
//
//   - ownership (Permit's documented pattern): every third document has an
//     owner attribute naming a user, and a resource set compares it with
//     {ref: user.key}; any user with a clearance may delete what they
//     own, and a viewer (a role as user set) may share it;
//   - a user set on the check's context: support staff on the night shift
//     may delete any folder (the type as resource set);
//   - a resource set on the tenant's attributes, which only the tenant's
//     members see: engineers may update projects of pro tenants.
//
// It draws no random numbers, so the rest of the environment is the same
// with or without it.
func querySets(p *policy.Policy, users int) {
	for ref, in := range p.ResourceInstances {
		var i int
		if _, err := fmt.Sscanf(ref, "document:d%d", &i); err != nil || i%3 != 0 {
			continue
		}
		in.Attributes["owner"] = fmt.Sprintf("u%05d", (i*7)%users)
	}
	p.Resources["document"].Attributes["owner"] = "string"
	p.UserSets["q_staff"] = &policy.UserSet{Conditions: &policy.Condition{Path: "user.clearance", Operator: "greater-than-equals", Value: 0.0}}
	p.ResourceSets["q_owned"] = &policy.ResourceSet{Resource: "document", Conditions: &policy.Condition{Path: "resource.owner", Operator: "equals", Ref: "user.key"}}
	p.UserSets["q_night_support"] = &policy.UserSet{Conditions: &policy.Condition{AllOf: []*policy.Condition{
		{Path: "context.shift", Operator: "equals", Value: "night"},
		{Path: "user.department", Operator: "equals", Value: "Support"},
	}}}
	p.UserSets["q_engineers"] = &policy.UserSet{Conditions: &policy.Condition{Path: "user.department", Operator: "equals", Value: "Engineering"}}
	p.ResourceSets["q_pro_projects"] = &policy.ResourceSet{Resource: "project", Conditions: &policy.Condition{Path: "tenant.plan", Operator: "equals", Value: "pro"}}
	p.ConditionSetRules = append(p.ConditionSetRules,
		policy.ConditionSetRule{UserSet: "q_staff", Permission: "document:delete", ResourceSet: "q_owned"},
		policy.ConditionSetRule{UserSet: "viewer", Permission: "document:share", ResourceSet: "q_owned"},
		policy.ConditionSetRule{UserSet: "q_night_support", Permission: "folder:delete", ResourceSet: "folder"},
		policy.ConditionSetRule{UserSet: "q_engineers", Permission: "project:update", ResourceSet: "q_pro_projects"},
	)
}

// samples adds the users and sets the sample checks need.
func samples(p *policy.Policy, tenants []string) *Env {
	env := &Env{Policy: p}
	t := tenants[1%len(tenants)]

	p.Users["bench-rbac"] = &policy.User{Roles: []policy.RoleAssignment{{Role: "admin", Tenant: t}}}
	env.RBAC = pdp.Check{User: pdp.User{Key: "bench-rbac"}, Action: "update", Resource: pdp.Resource{Type: "document", Key: "d1", Tenant: t}}

	p.Users["bench-abac"] = &policy.User{
		Attributes: map[string]any{"department": "Engineering", "location": "England", "clearance": 4.0},
		Roles:      []policy.RoleAssignment{{Role: "viewer", Tenant: t}},
	}
	p.UserSets["bench_engineers"] = &policy.UserSet{Conditions: &policy.Condition{AllOf: []*policy.Condition{
		{Path: "user.department", Operator: "equals", Value: "Engineering"},
		{Path: "user.location", Operator: "in", Value: []any{"England", "Scotland"}},
		{Path: "user.clearance", Operator: "greater-than-equals", Value: 3.0},
	}}}
	p.ResourceSets["bench_approved"] = &policy.ResourceSet{Resource: "document", Conditions: &policy.Condition{AllOf: []*policy.Condition{
		{Path: "resource.hasApproval", Operator: "equals", Value: "true"},
		{Path: "resource.size", Operator: "less-than", Value: 100.0},
	}}}
	p.ConditionSetRules = append(p.ConditionSetRules, policy.ConditionSetRule{UserSet: "bench_engineers", Permission: "document:publish", ResourceSet: "bench_approved"})
	env.ABAC = pdp.Check{
		User: pdp.User{Key: "bench-abac"}, Action: "publish",
		Resource: pdp.Resource{Type: "document", Key: "bench", Tenant: t, Attributes: map[string]any{"hasApproval": "true", "size": 10.0}},
	}

	// org:o0 is in tenant t0000, and document d0 lies three hops below it.
	p.Users["bench-rebac"] = &policy.User{Roles: []policy.RoleAssignment{{Role: "admin", Resource: "org:o0"}}}
	env.ReBAC3Hop = pdp.Check{User: pdp.User{Key: "bench-rebac"}, Action: "update", Resource: pdp.Resource{Type: "document", Key: "d0", Tenant: p.ResourceInstances["document:d0"].Tenant}}
	return env
}

func inst(typ string, i int) string { return fmt.Sprintf("%s:%c%d", typ, typ[0], i) }

func schema(p *policy.Policy) {
	p.Resources["org"] = &policy.Resource{Actions: actions, Roles: map[string]*policy.ResourceRole{
		"admin":  {Permissions: actions},
		"member": {Permissions: []string{"read"}},
	}}
	p.Resources["project"] = &policy.Resource{Actions: actions, Relations: map[string]string{"org": "org"}, Roles: map[string]*policy.ResourceRole{
		"editor": {Permissions: []string{"read", "create", "update"}, GrantedTo: &policy.GrantedTo{UsersWithRole: []policy.Derivation{{Role: "admin", OnResource: "org", LinkedByRelation: "org"}}}},
		"viewer": {Permissions: []string{"read"}, GrantedTo: &policy.GrantedTo{UsersWithRole: []policy.Derivation{{Role: "member", OnResource: "org", LinkedByRelation: "org"}}}},
	}}
	p.Resources["folder"] = &policy.Resource{Actions: actions, Relations: map[string]string{"project": "project"}, Roles: map[string]*policy.ResourceRole{
		"editor": {Permissions: []string{"read", "create", "update"}, GrantedTo: &policy.GrantedTo{UsersWithRole: []policy.Derivation{{Role: "editor", OnResource: "project", LinkedByRelation: "project"}}}},
		"viewer": {Permissions: []string{"read"}, GrantedTo: &policy.GrantedTo{UsersWithRole: []policy.Derivation{{Role: "viewer", OnResource: "project", LinkedByRelation: "project"}}}},
	}}
	p.Resources["document"] = &policy.Resource{
		Actions:    actions,
		Attributes: map[string]string{"hasApproval": "string", "size": "number", "status": "string", "labels": "array"},
		Relations:  map[string]string{"parent": "folder", "related": "document"},
		Roles: map[string]*policy.ResourceRole{
			"editor": {Permissions: []string{"read", "update"}, GrantedTo: &policy.GrantedTo{UsersWithRole: []policy.Derivation{{Role: "editor", OnResource: "folder", LinkedByRelation: "parent"}}}},
			"viewer": {Permissions: []string{"read"}, GrantedTo: &policy.GrantedTo{UsersWithRole: []policy.Derivation{{Role: "viewer", OnResource: "folder", LinkedByRelation: "parent"}}}},
			"owner":  {Permissions: []string{"read", "update", "delete", "share"}},
		},
	}
	for _, t := range fillerTypes {
		p.Resources[t] = &policy.Resource{Actions: actions, Roles: map[string]*policy.ResourceRole{"owner": {Permissions: actions}}}
	}
}

func randomUserCondition(r *rand.Rand) *policy.Condition {
	leaves := []func() *policy.Condition{
		func() *policy.Condition {
			return &policy.Condition{Path: "user.department", Operator: "equals", Value: departments[r.IntN(len(departments))]}
		},
		func() *policy.Condition {
			return &policy.Condition{Path: "user.location", Operator: "in", Value: []any{locations[r.IntN(len(locations))], locations[r.IntN(len(locations))]}}
		},
		func() *policy.Condition {
			return &policy.Condition{Path: "user.clearance", Operator: "greater-than-equals", Value: float64(r.IntN(6))}
		},
		func() *policy.Condition {
			return &policy.Condition{Path: "user.tags", Operator: "array_contains", Value: tags[r.IntN(len(tags))]}
		},
		func() *policy.Condition {
			return &policy.Condition{Path: "tenant.plan", Operator: "equals", Value: "pro"}
		},
		func() *policy.Condition {
			return &policy.Condition{Path: "role.level", Operator: "greater-than", Value: float64(r.IntN(4))}
		},
	}
	c := &policy.Condition{}
	for range 2 + r.IntN(2) {
		c.AllOf = append(c.AllOf, leaves[r.IntN(len(leaves))]())
	}
	if r.IntN(3) == 0 {
		// A not must not hold for a user without attributes (not over a
		// missing attribute is true), or the ReBAC sample would match it.
		alt := &policy.Condition{AllOf: []*policy.Condition{leaves[r.IntN(len(leaves))](), {Not: []*policy.Condition{leaves[r.IntN(len(leaves))]()}}}}
		c = &policy.Condition{AnyOf: []*policy.Condition{c, alt}}
	}
	return c
}

func randomResourceCondition(r *rand.Rand) *policy.Condition {
	leaves := []func() *policy.Condition{
		func() *policy.Condition {
			return &policy.Condition{Path: "resource.hasApproval", Operator: "equals", Value: "true"}
		},
		func() *policy.Condition {
			return &policy.Condition{Path: "resource.size", Operator: "less-than", Value: float64(r.IntN(1000))}
		},
		func() *policy.Condition {
			return &policy.Condition{Path: "resource.status", Operator: "not-equals", Value: statuses[r.IntN(len(statuses))]}
		},
		func() *policy.Condition {
			return &policy.Condition{Path: "resource.labels", Operator: "array_intersect", Value: []any{tags[r.IntN(len(tags))], tags[r.IntN(len(tags))]}}
		},
	}
	c := &policy.Condition{}
	for range 1 + r.IntN(2) {
		c.AllOf = append(c.AllOf, leaves[r.IntN(len(leaves))]())
	}
	return c
}
