// Package standin is a stand-in for Permit's REST API, for tests and
// benchmarks: it serves one environment, made from a pdpx policy, in the
// shapes of the API's read models (ResourceRead, RoleRead, UserRead, …), with
// its paging (page, per_page up to 100, include_total_count), its bearer
// key and key scopes, and hooks to answer any request with a fault (429,
// 5xx, a hang).
package standin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pdpx/pdpx/pdp/policy"
)

// Level is what an API key may read.
type Level int

// The key levels: one environment, a project's environments, or everything
// in the organization.
const (
	EnvKey Level = iota
	ProjectKey
	OrgKey
)

// Fixed names of the one project and environment served.
const (
	OrgID     = "0a000000-0000-4000-8000-000000000001"
	ProjectID = "0b000000-0000-4000-8000-000000000001"
	EnvID     = "0c000000-0000-4000-8000-000000000001"
	// OtherEnvID is an environment of the same project that the server
	// knows but does not serve: an environment key of it reads nothing here.
	OtherEnvID = "0c000000-0000-4000-8000-000000000002"
)

// Server is a running stand-in. Close it when done.
type Server struct {
	*httptest.Server
	// Key is the bearer key the server accepts.
	Key string
	// Level is the key's scope; KeyEnv is the environment an EnvKey
	// belongs to (EnvID unless a test scopes it elsewhere).
	Level  Level
	KeyEnv string
	// ProjectKey and EnvKey are the keys of the project and environment.
	ProjectKeyName, EnvKeyName string
	// NamesForbidden makes /v2/projects/... answer 403 to an environment
	// key, as Permit may.
	NamesForbidden bool
	// Fault, when set, sees every request first (n counts them from 1) and
	// may answer it itself by returning true.
	Fault func(w http.ResponseWriter, r *http.Request, n int64) bool

	requests atomic.Int64
	mu       sync.Mutex
	paths    map[string]int

	lists map[string]*list
}

// list is one list endpoint's items, encoded once.
type list struct {
	items [][]byte
	// counted lists answer a page object to include_total_count=true;
	// object lists always do.
	counted, object bool
}

// New serves p. key is the bearer key to accept.
func New(p *policy.Policy, key string) *Server {
	s := &Server{Key: key, KeyEnv: EnvID, ProjectKeyName: "web", EnvKeyName: "production", paths: map[string]int{}}
	s.lists = build(p)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Requests is the number of requests served so far.
func (s *Server) Requests() int64 { return s.requests.Load() }

// PathRequests is the number of requests for each path.
func (s *Server) PathRequests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.paths))
	for k, v := range s.paths {
		out[k] = v
	}
	return out
}

// Pages is the number of pages of perPage items the served lists need:
// what a client that never fetches a page twice asks for (an empty list is
// one page, and a list without a page count one more when its last page is
// full).
func (s *Server) Pages(perPage int) int {
	n := 0
	for path := range s.lists {
		n += s.ListPages(path, perPage)
	}
	return n
}

// ListPages is the number of pages of perPage items the list at path (one
// of ListPaths) needs, counted as Pages counts them.
func (s *Server) ListPages(path string, perPage int) int {
	l := s.lists[path]
	if l == nil {
		return 0
	}
	pages := (len(l.items) + perPage - 1) / perPage
	switch {
	case pages == 0:
		pages = 1
	case !l.counted && !l.object && len(l.items)%perPage == 0:
		pages++
	}
	return pages
}

// ListPaths are the paths of every list the server serves, relative to
// /v2/schema/{proj}/{env} or /v2/facts/{proj}/{env}.
func (s *Server) ListPaths() []string {
	out := make([]string, 0, len(s.lists))
	for k := range s.lists {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// apiError writes Permit's ErrorDetails.
func apiError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(map[string]string{"id": "e1", "title": http.StatusText(status), "error_code": code, "message": msg})
	writeJSON(w, status, b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	s.mu.Lock()
	s.paths[r.URL.Path]++
	s.mu.Unlock()
	if s.Fault != nil && s.Fault(w, r, n) {
		return
	}
	if r.Method != http.MethodGet {
		apiError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "the stand-in only reads")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.Key {
		apiError(w, http.StatusUnauthorized, "UNAUTHORIZED", "Invalid API key")
		return
	}
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/v2/api-key/scope":
		scope := map[string]any{"organization_id": OrgID, "project_id": nil, "environment_id": nil}
		if s.Level <= ProjectKey {
			scope["project_id"] = ProjectID
		}
		if s.Level == EnvKey {
			scope["environment_id"] = s.KeyEnv
		}
		b, _ := json.Marshal(scope)
		writeJSON(w, http.StatusOK, b)
	case len(seg) >= 3 && seg[0] == "v2" && seg[1] == "projects":
		s.names(w, seg[2:])
	case len(seg) == 5 && seg[0] == "v2" && (seg[1] == "schema" || seg[1] == "facts"),
		len(seg) == 6 && seg[0] == "v2" && seg[1] == "schema" && seg[4] == "users" && seg[5] == "attributes":
		if !s.allowed(w, seg[2], seg[3]) {
			return
		}
		name := strings.Join(seg[4:], "/")
		l, ok := s.lists[seg[1]+"/"+name]
		if !ok {
			apiError(w, http.StatusNotFound, "NOT_FOUND", "no such route")
			return
		}
		s.page(w, r, l)
	default:
		apiError(w, http.StatusNotFound, "NOT_FOUND", "no such route")
	}
}

// allowed checks the project and environment segments against the key.
func (s *Server) allowed(w http.ResponseWriter, proj, env string) bool {
	if proj != ProjectID && proj != s.ProjectKeyName {
		apiError(w, http.StatusNotFound, "NOT_FOUND", "Project not found")
		return false
	}
	known := env == EnvID || env == s.EnvKeyName
	if !known && env != OtherEnvID {
		apiError(w, http.StatusNotFound, "NOT_FOUND", "Environment not found")
		return false
	}
	if s.Level == EnvKey && (!known || s.KeyEnv != EnvID) {
		apiError(w, http.StatusForbidden, "FORBIDDEN", "The API key is scoped to another environment")
		return false
	}
	if !known {
		apiError(w, http.StatusNotFound, "NOT_FOUND", "Environment not found")
		return false
	}
	return true
}

// names answers ProjectRead and EnvironmentRead.
func (s *Server) names(w http.ResponseWriter, seg []string) {
	if s.Level == EnvKey && s.NamesForbidden {
		apiError(w, http.StatusForbidden, "FORBIDDEN", "an environment key may not read projects")
		return
	}
	if seg[0] != ProjectID && seg[0] != s.ProjectKeyName {
		apiError(w, http.StatusNotFound, "NOT_FOUND", "Project not found")
		return
	}
	switch {
	case len(seg) == 1:
		b, _ := json.Marshal(map[string]any{"id": ProjectID, "key": s.ProjectKeyName, "name": "Web", "organization_id": OrgID})
		writeJSON(w, http.StatusOK, b)
	case len(seg) == 3 && seg[1] == "envs":
		id, key := "", ""
		switch seg[2] {
		case EnvID, s.EnvKeyName:
			id, key = EnvID, s.EnvKeyName
		case OtherEnvID, "staging":
			id, key = OtherEnvID, "staging"
		default:
			apiError(w, http.StatusNotFound, "NOT_FOUND", "Environment not found")
			return
		}
		b, _ := json.Marshal(map[string]any{"id": id, "key": key, "name": strings.ToUpper(key[:1]) + key[1:], "project_id": ProjectID, "organization_id": OrgID})
		writeJSON(w, http.StatusOK, b)
	default:
		apiError(w, http.StatusNotFound, "NOT_FOUND", "no such route")
	}
}

// page answers one page of a list as Permit does: a bare array, or a page
// object for include_total_count=true and for the object lists.
func (s *Server) page(w http.ResponseWriter, r *http.Request, l *list) {
	q := r.URL.Query()
	page, per := 1, 30
	if v := q.Get("page"); v != "" {
		page, _ = strconv.Atoi(v)
	}
	if v := q.Get("per_page"); v != "" {
		per, _ = strconv.Atoi(v)
	}
	if page < 1 || per < 1 {
		apiError(w, http.StatusUnprocessableEntity, "VALIDATION_ERROR", "page and per_page must be at least 1")
		return
	}
	if per > 100 {
		apiError(w, http.StatusUnprocessableEntity, "PAGINATION_SIZE_OVERREACHED", "per_page may be at most 100")
		return
	}
	from := min((page-1)*per, len(l.items))
	to := min(from+per, len(l.items))
	var b bytes.Buffer
	size := 64
	for _, it := range l.items[from:to] {
		size += len(it) + 1
	}
	b.Grow(size)
	object := l.object || (l.counted && q.Get("include_total_count") == "true")
	if object {
		b.WriteString(`{"data":`)
	}
	b.WriteByte('[')
	for i, it := range l.items[from:to] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteByte(']')
	if object {
		fmt.Fprintf(&b, `,"total_count":%d,"page_count":%d}`, len(l.items), (len(l.items)+per-1)/per)
	}
	writeJSON(w, http.StatusOK, b.Bytes())
}

// ids makes stable UUID-shaped ids: kind and number.
func id(kind, n int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, n) }

const (
	kResource = iota + 1
	kAction
	kAttr
	kRole
	kResRole
	kRelation
	kTenant
	kUser
	kAssign
	kInstance
	kTuple
	kSet
	kRule
	kUserAttr
)

// build makes the read models of p, each list's items encoded once.
func build(p *policy.Policy) map[string]*list {
	enc := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			panic("standin: " + err.Error())
		}
		return b
	}
	common := func(m map[string]any, kind, n int) map[string]any {
		m["id"] = id(kind, n)
		m["organization_id"], m["project_id"], m["environment_id"] = OrgID, ProjectID, EnvID
		m["created_at"], m["updated_at"] = "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z"
		return m
	}
	nameOr := func(name, key string) string {
		if name != "" {
			return name
		}
		return key
	}
	out := map[string]*list{}
	add := func(path string, counted, object bool, items [][]byte) {
		out[path] = &list{items: items, counted: counted, object: object}
	}

	types := p.ResourceTypes()
	typeID := map[string]string{}
	for i, t := range types {
		typeID[t] = id(kResource, i)
	}
	var resources [][]byte
	for i, t := range types {
		r := p.Resources[t]
		actions := map[string]any{}
		for j, a := range r.Actions {
			actions[a] = map[string]any{"id": id(kAction, i*1000+j), "key": a, "name": a}
		}
		attrs := map[string]any{}
		j := 0
		for _, k := range sortedKeys(r.Attributes) {
			attrs[k] = map[string]any{"id": id(kAttr, i*1000+j), "type": r.Attributes[k], "key": k}
			j++
		}
		rels := map[string]any{}
		for _, k := range sortedKeys(r.Relations) {
			rels[k] = map[string]any{"resource_id": typeID[r.Relations[k]], "resource": r.Relations[k], "relation_name": k}
		}
		roles := map[string]any{}
		for j, rk := range sortedKeys(r.Roles) {
			rr := r.Roles[rk]
			perms := make([]string, len(rr.Permissions))
			for k, a := range rr.Permissions {
				// Permit's own export writes "type:action"; the spec says the
				// bare action. Serve both, as the API has been seen to.
				if (j+k)%2 == 0 {
					perms[k] = t + ":" + a
				} else {
					perms[k] = a
				}
			}
			role := common(map[string]any{"key": rk, "name": nameOr(rr.Name, rk), "resource": t, "resource_id": typeID[t],
				"permissions": perms, "extends": nonNil(rr.Extends), "attributes": map[string]any{}}, kResRole, i*1000+j)
			if rr.GrantedTo != nil || rr.When != nil {
				var uwr []any
				if rr.GrantedTo != nil {
					for _, d := range rr.GrantedTo.UsersWithRole {
						uwr = append(uwr, map[string]any{"role": d.Role, "on_resource": d.OnResource, "linked_by_relation": d.LinkedByRelation,
							"role_id": "r", "resource_id": typeID[d.OnResource], "relation_id": "rel",
							"when": map[string]any{"no_direct_roles_on_object": d.When != nil && d.When.NoDirectRolesOnObject}})
					}
				}
				role["granted_to"] = map[string]any{"id": "g", "users_with_role": nonNilAny(uwr),
					"when": map[string]any{"no_direct_roles_on_object": rr.When != nil && rr.When.NoDirectRolesOnObject}}
			}
			roles[rk] = role
		}
		resources = append(resources, enc(common(map[string]any{"key": t, "name": nameOr(r.Name, t), "urn": "prn:" + t,
			"actions": actions, "attributes": attrs, "relations": rels, "roles": roles, "action_groups": map[string]any{}}, kResource, i)))
	}
	add("schema/resources", true, false, resources)

	var userAttrs [][]byte
	for i, k := range []string{"key", "roles", "email", "first_name", "last_name"} {
		userAttrs = append(userAttrs, enc(common(map[string]any{"key": k, "type": "string", "resource_key": "__user", "resource_id": "u", "built_in": true}, kUserAttr, i)))
	}
	for i, k := range sortedKeys(p.UserAttributes) {
		userAttrs = append(userAttrs, enc(common(map[string]any{"key": k, "type": p.UserAttributes[k], "resource_key": "__user", "resource_id": "u", "built_in": false}, kUserAttr, 100+i)))
	}
	add("schema/users/attributes", false, false, userAttrs)

	var roles [][]byte
	for i, k := range p.RoleKeys() {
		r := p.Roles[k]
		attrs := r.Attributes
		if attrs == nil {
			attrs = map[string]any{}
		}
		roles = append(roles, enc(common(map[string]any{"key": k, "name": nameOr(r.Name, k), "permissions": nonNil(r.Permissions),
			"attributes": attrs, "extends": nonNil(r.Extends)}, kRole, i)))
	}
	add("schema/roles", true, false, roles)

	// Condition sets: the explicit ones, then the generated ones the rules
	// need ("has role R", "every T").
	setID := map[string]string{}
	n := 0
	for _, k := range sortedKeys(p.UserSets) {
		setID["u:"+k] = id(kSet, n)
		n++
	}
	for _, k := range sortedKeys(p.ResourceSets) {
		setID["r:"+k] = id(kSet, n)
		n++
	}
	var sets [][]byte
	cond := func(c *policy.Condition) any {
		if c == nil {
			return map[string]any{}
		}
		return c
	}
	parent := func(kind, key string) any {
		if key == "" {
			return nil
		}
		return setID[kind+key]
	}
	for _, k := range sortedKeys(p.UserSets) {
		us := p.UserSets[k]
		m := common(map[string]any{"key": k, "name": nameOr(us.Name, k), "type": "userset", "autogenerated": false,
			"resource_id": nil, "resource": nil, "conditions": cond(us.Conditions), "parent_id": parent("u:", us.Parent)}, kSet, 0)
		m["id"] = setID["u:"+k]
		sets = append(sets, enc(m))
	}
	for _, k := range sortedKeys(p.ResourceSets) {
		rs := p.ResourceSets[k]
		m := common(map[string]any{"key": k, "name": nameOr(rs.Name, k), "type": "resourceset", "autogenerated": false,
			"resource_id": typeID[rs.Resource], "resource": nil, "conditions": cond(rs.Conditions), "parent_id": parent("r:", rs.Parent)}, kSet, 0)
		m["id"] = setID["r:"+k]
		sets = append(sets, enc(m))
	}
	autoUser, autoRes := map[string]bool{}, map[string]bool{}
	var rules [][]byte
	for i, r := range p.ConditionSetRules {
		us, rs := r.UserSet, r.ResourceSet
		if _, ok := p.UserSets[us]; !ok {
			autoUser[us] = true
			us = "__autogen_" + us
		}
		if _, ok := p.ResourceSets[rs]; !ok {
			autoRes[rs] = true
			rs = "__autogen_" + rs
		}
		rules = append(rules, enc(common(map[string]any{"key": fmt.Sprintf("rule_%d", i), "user_set": us, "permission": r.Permission,
			"resource_set": rs, "user_set_id": "u", "permission_id": "p", "resource_set_id": "r"}, kRule, i)))
	}
	for _, k := range sortedKeys(autoUser) {
		sets = append(sets, enc(common(map[string]any{"key": "__autogen_" + k, "name": k, "type": "userset", "autogenerated": true,
			"conditions": map[string]any{}, "parent_id": nil}, kSet, n)))
		n++
	}
	for _, k := range sortedKeys(autoRes) {
		sets = append(sets, enc(common(map[string]any{"key": "__autogen_" + k, "name": k, "type": "resourceset", "autogenerated": true,
			"resource_id": typeID[k], "conditions": map[string]any{}, "parent_id": nil}, kSet, n)))
		n++
	}
	add("schema/condition_sets", true, false, sets)
	add("facts/set_rules", false, false, rules)

	var tenants [][]byte
	for i, k := range p.TenantKeys() {
		t := p.Tenants[k]
		name, attrs := k, map[string]any{}
		if t != nil {
			name = nameOr(t.Name, k)
			if t.Attributes != nil {
				attrs = t.Attributes
			}
		}
		tenants = append(tenants, enc(common(map[string]any{"key": k, "name": name, "attributes": attrs, "last_action_at": "2025-01-02T00:00:00Z"}, kTenant, i)))
	}
	add("facts/tenants", true, false, tenants)

	instTenant := func(ref string) string {
		if in := p.ResourceInstances[ref]; in != nil {
			return in.Tenant
		}
		return ""
	}
	var users, assigns [][]byte
	a := 0
	for i, k := range p.UserKeys() {
		u := p.Users[k]
		if u == nil {
			u = &policy.User{}
		}
		var roleList []any
		byTenant := map[string][]string{}
		instRoles := map[string][]any{}
		for _, ra := range u.Roles {
			if ra.Resource == "" {
				roleList = append(roleList, map[string]any{"role": ra.Role, "tenant": ra.Tenant})
				byTenant[ra.Tenant] = append(byTenant[ra.Tenant], ra.Role)
				assigns = append(assigns, enc(map[string]any{"id": id(kAssign, a), "user": k, "role": ra.Role, "tenant": ra.Tenant,
					"resource_instance": nil, "user_id": id(kUser, i), "role_id": "r", "tenant_id": "t",
					"organization_id": OrgID, "project_id": ProjectID, "environment_id": EnvID}))
				a++
				continue
			}
			t := ra.Tenant
			if t == "" {
				t = instTenant(ra.Resource)
			}
			typ, key, _ := policy.SplitRef(ra.Resource)
			instRoles[t] = append(instRoles[t], map[string]any{"resource_instance": key, "resource": typ, "role": ra.Role})
			assigns = append(assigns, enc(map[string]any{"id": id(kAssign, a), "user": k, "role": ra.Role, "tenant": t,
				"resource_instance": ra.Resource, "resource_instance_id": "ri", "user_id": id(kUser, i), "role_id": "r", "tenant_id": "t",
				"organization_id": OrgID, "project_id": ProjectID, "environment_id": EnvID}))
			a++
		}
		var assoc []any
		tenantSet := map[string]bool{}
		for t := range byTenant {
			tenantSet[t] = true
		}
		for t := range instRoles {
			tenantSet[t] = true
		}
		for _, t := range u.Tenants {
			tenantSet[t] = true
		}
		for _, t := range sortedKeys(tenantSet) {
			assoc = append(assoc, map[string]any{"tenant": t, "roles": nonNil(byTenant[t]), "status": "active",
				"resource_instance_roles": nonNilAny(instRoles[t])})
		}
		m := common(map[string]any{"key": k, "email": nilIfEmpty(u.Email), "first_name": nilIfEmpty(u.FirstName), "last_name": nilIfEmpty(u.LastName),
			"attributes": orEmptyMap(u.Attributes), "roles": nonNilAny(roleList), "associated_tenants": nonNilAny(assoc)}, kUser, i)
		users = append(users, enc(m))
	}
	add("facts/users", false, true, users)
	add("facts/role_assignments", true, false, assigns)

	var insts [][]byte
	for i, ref := range p.InstanceKeys() {
		in := p.ResourceInstances[ref]
		typ, key, _ := policy.SplitRef(ref)
		t, attrs := "", map[string]any{}
		if in != nil {
			t = in.Tenant
			if in.Attributes != nil {
				attrs = in.Attributes
			}
		}
		insts = append(insts, enc(common(map[string]any{"key": key, "resource": typ, "tenant": t, "resource_id": typeID[typ], "tenant_id": "t",
			"attributes": attrs}, kInstance, i)))
	}
	add("facts/resource_instances", true, false, insts)

	tuples := make([][]byte, 0, len(p.Relationships))
	for i, r := range p.Relationships {
		tuples = append(tuples, enc(map[string]any{"id": id(kTuple, i), "subject": r.Subject, "relation": r.Relation, "object": r.Object,
			"tenant": instTenant(r.Object), "subject_id": "s", "relation_id": "r", "object_id": "o", "tenant_id": "t",
			"organization_id": OrgID, "project_id": ProjectID, "environment_id": EnvID}))
	}
	add("facts/relationship_tuples", true, false, tuples)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilAny(s []any) []any {
	if s == nil {
		return []any{}
	}
	return s
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func orEmptyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
