package permitapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"github.com/pdpx/pdpx/pdp"
)

// Target is the environment a pull reads: ids always, keys and names when
// the key may read them.
type Target struct {
	Scope       Scope
	Project     Project
	Environment Environment
}

// Label names the environment for people: "web/production", or the ids
// when the keys could not be read.
func (t Target) Label() string {
	p, e := t.Project.Key, t.Environment.Key
	if p == "" {
		p = t.Project.ID
	}
	if e == "" {
		e = t.Environment.ID
	}
	// Keys come from the API: nothing in them may reach a terminal raw.
	return pdp.Clean(p + "/" + e)
}

// Resolve finds the environment to read: the key's own environment, or the
// one project and env name (key or id) for an organization or project key.
// A key scoped to one environment with flags naming another is an error.
func (c *Client) Resolve(ctx context.Context, project, env string) (Target, error) {
	var s Scope
	if err := c.get(ctx, "/v2/api-key/scope", nil, "the key's scope", &s); err != nil {
		return Target{}, err
	}
	t := Target{Scope: s}
	switch {
	case s.EnvironmentID != "":
		t.Project.ID, t.Environment.ID = s.ProjectID, s.EnvironmentID
		c.names(ctx, &t)
		if project == "" && env == "" {
			return t, nil
		}
		if (project != "" && project != t.Project.ID && project != t.Project.Key) ||
			(env != "" && env != t.Environment.ID && env != t.Environment.Key) {
			want := (&Target{Project: Project{Key: or(project, t.Project.Key, t.Project.ID)}, Environment: Environment{Key: or(env, t.Environment.Key, t.Environment.ID)}}).Label()
			return Target{}, fmt.Errorf("%s belongs to environment %s, not %s: pull without --project and --env to read the key's own environment, or use a key of %s (or an organization or project key)",
				c.cfg.KeySource, t.Label(), want, want)
		}
		return t, nil
	case s.ProjectID != "":
		if env == "" {
			return Target{}, fmt.Errorf("%s is a project key: name the environment to pull with --env (its key or id)", c.cfg.KeySource)
		}
		if project == "" {
			project = s.ProjectID
		}
	default:
		if project == "" || env == "" {
			return Target{}, fmt.Errorf("%s is an organization key: name the project and environment to pull with --project and --env (keys or ids)", c.cfg.KeySource)
		}
	}
	scope := fmt.Sprintf("project %q", project)
	if err := c.get(ctx, "/v2/projects/"+url.PathEscape(project), nil, scope, &t.Project); err != nil {
		return Target{}, err
	}
	if s.ProjectID != "" && t.Project.ID != s.ProjectID {
		return Target{}, fmt.Errorf("%s belongs to another project than %s: use a key of that project or an organization key", c.cfg.KeySource, project)
	}
	scope = fmt.Sprintf("environment %q of project %q", env, project)
	if err := c.get(ctx, "/v2/projects/"+url.PathEscape(project)+"/envs/"+url.PathEscape(env), nil, scope, &t.Environment); err != nil {
		return Target{}, err
	}
	return t, nil
}

// or is the first of ss that is not empty.
func or(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// names fills in the project's and environment's keys and names. An
// environment key may not be allowed to read them; the ids then stand in.
func (c *Client) names(ctx context.Context, t *Target) {
	var p Project
	if c.get(ctx, "/v2/projects/"+t.Project.ID, nil, "the project", &p) == nil && p.ID == t.Project.ID {
		t.Project = p
	}
	var e Environment
	if c.get(ctx, "/v2/projects/"+t.Project.ID+"/envs/"+t.Environment.ID, nil, "the environment", &e) == nil && e.ID == t.Environment.ID {
		t.Environment = e
	}
}

// Snapshot is everything one environment holds, as the API answered it.
type Snapshot struct {
	Target          Target
	Resources       []Resource
	UserAttributes  []Attribute
	Roles           []Role
	ConditionSets   []ConditionSet
	Rules           []ConditionSetRule
	Tenants         []Tenant
	Users           []User
	RoleAssignments []RoleAssignment
	Instances       []ResourceInstance
	Tuples          []RelationshipTuple
}

// The lists Fetch reads, by the names progress shows.
const (
	KindResources       = "resources"
	KindUserAttributes  = "user attributes"
	KindRoles           = "roles"
	KindConditionSets   = "condition sets"
	KindRules           = "condition set rules"
	KindTenants         = "tenants"
	KindUsers           = "users"
	KindRoleAssignments = "role assignments"
	KindInstances       = "resource instances"
	KindTuples          = "relationship tuples"
)

// Kinds are the lists Fetch reads, in the order progress shows them.
var Kinds = []string{KindResources, KindUserAttributes, KindRoles, KindConditionSets, KindRules,
	KindTenants, KindUsers, KindRoleAssignments, KindInstances, KindTuples}

// Fetch reads every list of t's environment. The lists are read at once,
// their pages sharing the client's bound on requests in flight; the first
// error cancels the rest. report, when not nil, is called for each page (from
// several goroutines, one at a time per list).
func (c *Client) Fetch(ctx context.Context, t Target, report func(Progress)) (*Snapshot, error) {
	return c.FetchWith(ctx, t, report, FetchOptions{})
}

// FetchOptions changes what Fetch keeps.
type FetchOptions struct {
	// Tuples, when not nil, is handed the relationship tuples a page at a
	// time, in the list's order and deduplicated, instead of their being
	// kept in Snapshot.Tuples: a pull that maps each page as it comes need
	// not hold the read models of hundreds of thousands of tuples. It is
	// called from one goroutine at a time.
	Tuples Sink[RelationshipTuple]
	// Listed, when not nil, is told of each list read to its end, by its
	// kind (one of Kinds), once its field of the snapshot is set (for the
	// tuples given to Tuples, once the last page has been): a pull maps
	// each list as soon as it and the lists it needs are in, alongside the
	// reading of the rest. It is called from the list's goroutine, and is
	// not called for a list that failed.
	Listed func(kind string, snap *Snapshot)
}

// FetchWith is Fetch with options.
func (c *Client) FetchWith(ctx context.Context, t Target, report func(Progress), opts FetchOptions) (*Snapshot, error) {
	if report == nil {
		report = func(Progress) {}
	}
	var mu sync.Mutex
	safe := func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		report(p)
	}
	proj, env := url.PathEscape(t.Project.ID), url.PathEscape(t.Environment.ID)
	schema := "/v2/schema/" + proj + "/" + env
	facts := "/v2/facts/" + proj + "/" + env
	scope := "environment " + t.Label()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	snap := &Snapshot{Target: t}
	// others counts the lists other than the tuples whose pages are not all
	// asked for yet.
	var others sync.WaitGroup
	others.Add(len(Kinds) - 1)
	var wg sync.WaitGroup
	var errMu sync.Mutex
	var firstErr error
	// run reads the list of kind with f.
	run := func(kind string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := f()
			if err == nil && opts.Listed != nil {
				opts.Listed(kind, snap)
			}
			if err != nil {
				errMu.Lock()
				if firstErr == nil || isCancel(firstErr) {
					firstErr = err
				}
				errMu.Unlock()
				cancel()
			}
		}()
	}
	run(KindResources, func() (err error) {
		snap.Resources, err = list(ctx, c, listSpec{kind: KindResources, path: schema + "/resources", counted: true, keepIDs: true, launched: sync.OnceFunc(others.Done)}, scope,
			func(r *Resource) *string { return &r.ID }, nil, nil, safe)
		return err
	})
	run(KindUserAttributes, func() (err error) {
		snap.UserAttributes, err = list(ctx, c, listSpec{kind: KindUserAttributes, path: schema + "/users/attributes", launched: sync.OnceFunc(others.Done)}, scope,
			func(a *Attribute) *string { return &a.ID }, nil, nil, safe)
		return err
	})
	run(KindRoles, func() (err error) {
		snap.Roles, err = list(ctx, c, listSpec{kind: KindRoles, path: schema + "/roles", counted: true, launched: sync.OnceFunc(others.Done)}, scope,
			func(r *Role) *string { return &r.ID }, nil, nil, safe)
		return err
	})
	run(KindConditionSets, func() (err error) {
		snap.ConditionSets, err = list(ctx, c, listSpec{kind: KindConditionSets, path: schema + "/condition_sets", counted: true, keepIDs: true, launched: sync.OnceFunc(others.Done)}, scope,
			func(s *ConditionSet) *string { return &s.ID }, nil, nil, safe)
		return err
	})
	run(KindRules, func() (err error) {
		snap.Rules, err = list(ctx, c, listSpec{kind: KindRules, path: facts + "/set_rules", launched: sync.OnceFunc(others.Done)}, scope,
			func(r *ConditionSetRule) *string { return &r.ID }, nil, nil, safe)
		return err
	})
	run(KindTenants, func() (err error) {
		snap.Tenants, err = list(ctx, c, listSpec{kind: KindTenants, path: facts + "/tenants", counted: true, launched: sync.OnceFunc(others.Done)}, scope,
			func(t *Tenant) *string { return &t.ID }, nil, nil, safe)
		return err
	})
	run(KindUsers, func() (err error) {
		q := url.Values{"include_resource_instance_roles": {"true"}}
		snap.Users, err = list(ctx, c, listSpec{kind: KindUsers, path: facts + "/users", query: q, launched: sync.OnceFunc(others.Done)}, scope,
			func(u *User) *string { return &u.ID }, fastUser, nil, safe)
		return err
	})
	run(KindRoleAssignments, func() (err error) {
		snap.RoleAssignments, err = list(ctx, c, listSpec{kind: KindRoleAssignments, path: facts + "/role_assignments", counted: true, launched: sync.OnceFunc(others.Done)}, scope,
			func(a *RoleAssignment) *string { return &a.ID }, fastAssignment, nil, safe)
		return err
	})
	run(KindInstances, func() (err error) {
		snap.Instances, err = list(ctx, c, listSpec{kind: KindInstances, path: facts + "/resource_instances", counted: true, launched: sync.OnceFunc(others.Done)}, scope,
			func(i *ResourceInstance) *string { return &i.ID }, fastInstance, nil, safe)
		return err
	})
	run(KindTuples, func() (err error) {
		// The tuples are the longest list by far, and what is done with
		// them needs only the resource types: their pages queue behind the
		// others' (the requests in flight are granted in turn), so that the
		// other lists are in, and mapped, while the tuples are still read.
		others.Wait()
		snap.Tuples, err = list(ctx, c, listSpec{kind: KindTuples, path: facts + "/relationship_tuples", counted: true}, scope,
			func(t *RelationshipTuple) *string { return &t.ID }, fastTuple, opts.Tuples, safe)
		return err
	})
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return snap, nil
}

func isCancel(err error) bool {
	var e *Error
	return errors.As(err, &e) && errors.Is(e.err, context.Canceled)
}

// StatusOf is the HTTP status of a failed request, 0 when there was none.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}
