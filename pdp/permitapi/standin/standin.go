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
