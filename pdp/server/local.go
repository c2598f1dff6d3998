package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pdpx/pdpx/pdp/engine"
)

// Two routes of Permit's PDP are served by its Python side (FastAPI with
// pydantic 1) rather than its Rust front: GET /local/role_assignments and
// POST /user-tenants. Their refusals are FastAPI's: 422 with
// {"detail": [{"loc", "msg", "type", "ctx"?}, ...]}, every problem listed,
// and they are written here in that shape so that a client that parses
// them reads pdpx serve's alike.

// fastapiError is one entry of FastAPI's validation error list.
type fastapiError struct {
	Loc  []any          `json:"loc"`
	Msg  string         `json:"msg"`
	Type string         `json:"type"`
	Ctx  map[string]any `json:"ctx,omitempty"`
}

// refuseValidation answers 422 with FastAPI's list of problems; the access
// log gets their messages.
func refuseValidation(info *reqInfo, errs []fastapiError) (int, []byte) {
	var msgs []string
	for _, e := range errs {
		var loc []string
		for _, l := range e.Loc {
			loc = append(loc, strings.Trim(strconv.Quote(toString(l)), `"`))
		}
		msgs = append(msgs, strings.Join(loc, ".")+": "+e.Msg)
	}
	info.outcome, info.detail = "error", strings.Join(msgs, "; ")
	b, _ := json.Marshal(struct {
		Detail []fastapiError `json:"detail"`
	}{errs})
	return http.StatusUnprocessableEntity, b
}

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	}
	return ""
}

func missing(loc ...any) fastapiError {
	return fastapiError{Loc: loc, Msg: "field required", Type: "value_error.missing"}
}

// The paging of /local/role_assignments, as the PDP declares it.
const (
	defaultPerPage = 30
	maxPerPage     = 100
)

// wireAssignment is one element of /local/role_assignments, its fields in
// the order the PDP writes them; resource_instance is null for a tenant
// role, as the PDP's response model writes an unset optional field.
type wireAssignment struct {
	User             string  `json:"user"`
	Role             string  `json:"role"`
	Tenant           string  `json:"tenant"`
	ResourceInstance *string `json:"resource_instance"`
}

// roleAssignments answers GET /local/role_assignments (Python SDK:
// permit.pdp_api.role_assignments.list): the direct role assignments of
// the policy's users, filtered by the query's user, role, tenant, resource
// (a type; "__tenant" for tenant roles) and resource_instance ("type:key"),
// a page of them as a bare JSON array.
//
// The filters are exact matches, as in the PDP's policy: tenant matches an
// instance role by its instance's tenant, and resource_instance only
// instance roles. An empty value (?user=) is a filter that matches no one,
// as there; a parameter given twice counts by its last value.
func (s *Server) roleAssignments(l *loaded, r *http.Request, _ []byte, info *reqInfo) (int, []byte) {
	q := lastValues(r.URL.RawQuery)
	page, perPage := 1, defaultPerPage
	var errs []fastapiError
	for _, p := range []struct {
		name     string
		dst      *int
		min, max int
	}{{"page", &page, 1, 0}, {"per_page", &perPage, 1, maxPerPage}} {
		v, ok := q[p.name]
		if !ok {
			continue
		}
		n, err := pythonInt(v)
		switch {
		case err != nil:
			errs = append(errs, fastapiError{Loc: []any{"query", p.name}, Msg: "value is not a valid integer", Type: "type_error.integer"})
		case n < int64(p.min):
			errs = append(errs, fastapiError{Loc: []any{"query", p.name}, Msg: "ensure this value is greater than or equal to " + strconv.Itoa(p.min),
				Type: "value_error.number.not_ge", Ctx: map[string]any{"limit_value": p.min}})
		case p.max > 0 && n > int64(p.max):
			errs = append(errs, fastapiError{Loc: []any{"query", p.name}, Msg: "ensure this value is less than or equal to " + strconv.Itoa(p.max),
				Type: "value_error.number.not_le", Ctx: map[string]any{"limit_value": p.max}})
		default:
			*p.dst = int(min(n, 1<<40)) // a page that far is past the end anyway
		}
	}
	if len(errs) > 0 {
		return refuseValidation(info, errs)
	}

	filter := func(name, v string) bool {
		want, ok := q[name]
		return !ok || v == want
	}
	info.user, info.tenant = q["user"], q["tenant"]
	start := (page - 1) * perPage
	out := make([]wireAssignment, 0, min(perPage, 32))
	matched := 0
	for _, a := range l.roleAssignments() {
		typ := "__tenant"
		if a.ResourceInstance != "" {
			typ, _, _ = strings.Cut(a.ResourceInstance, ":")
		}
		if !filter("user", a.User) || !filter("role", a.Role) || !filter("tenant", a.Tenant) ||
			!filter("resource", typ) || !filter("resource_instance", a.ResourceInstance) {
			continue
		}
		if ri, ok := q["resource_instance"]; ok && (ri == "" || a.ResourceInstance == "") {
			continue // an instance filter never matches a tenant role
		}
		if matched >= start && len(out) < perPage {
			w := wireAssignment{User: a.User, Role: a.Role, Tenant: a.Tenant}
			if a.ResourceInstance != "" {
				w.ResourceInstance = &a.ResourceInstance
			}
			out = append(out, w)
		}
		matched++
	}
	info.outcome = strconv.Itoa(len(out)) + " of " + strconv.Itoa(matched) + " assignments"
	return marshal(info, out)
}

// roleAssignments is the policy's assignment list, sorted once per policy.
func (l *loaded) roleAssignments() []engine.RoleAssignment {
	l.assignOnce.Do(func() { l.assignments = l.eng.RoleAssignments() })
	return l.assignments
}

// lastValues reads a query string as the PDP's framework does: '&'
// separates pairs, '+' and %XX are decoded (a malformed escape is kept as
// written), a key without '=' has the value "", and a key given twice
// keeps its last value.
func lastValues(raw string) map[string]string {
	out := map[string]string{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		out[unescape(k)] = unescape(v)
	}
	return out
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return strings.ReplaceAll(s, "+", " ")
}

// errNotInt is a query value Python's int() refuses.
var errNotInt = errors.New("not an integer")

// pythonInt parses a query integer as pydantic 1 does, with Python's
// int(): surrounding whitespace, a sign, and underscores between digits
// are accepted. Values past int64 are clamped, keeping their sign.
func pythonInt(s string) (int64, error) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return 0, errNotInt
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			continue
		}
		if c < '0' || c > '9' {
			return 0, errNotInt
		}
		if n < 1<<62 {
			n = n*10 + int64(c-'0')
		}
	}
	if neg {
		return -n, nil
	}
	return n, nil
}

// userTenants answers POST /user-tenants: the tenants the body's user
// belongs to (a tenant role there, or membership), as a JSON array of
// {"key", "attributes"} sorted by key; an unknown user belongs to none.
// The body is {"user": {"key", ...}, "context"?}, validated as the PDP's
// pydantic model validates it.
func (s *Server) userTenants(l *loaded, r *http.Request, body []byte, info *reqInfo) (int, []byte) {
	key, errs := decodeUserTenants(body, r.Header.Get("Content-Type"))
	if len(errs) > 0 {
		return refuseValidation(info, errs)
	}
	info.user = key
	ts := l.eng.UserTenants(key)
	info.outcome = strconv.Itoa(len(ts)) + " tenants"
	return marshal(info, ts)
}

// decodeUserTenants reads a /user-tenants body and returns the user's key,
// or FastAPI's problems with it. The PDP's models read any non-object as
// an object without fields (so a missing user, or user key, is what is
// reported), coerce a number or boolean key to text, and refuse null.
func decodeUserTenants(body []byte, ctype string) (string, []fastapiError) {
	if len(body) == 0 {
		return "", []fastapiError{missing("body")}
	}
	if ctype != "" && !isJSON(ctype) {
		// Not read as JSON: the model sees bytes, an object without fields.
		return "", []fastapiError{missing("body", "user")}
	}
	var top any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil || dec.More() {
		var off int64
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			off = syn.Offset
		} else if err == nil {
			off = dec.InputOffset()
			err = errors.New("extra data after the JSON value")
		} else {
			off = int64(len(body))
		}
		return "", []fastapiError{{Loc: []any{"body", int(off)}, Msg: err.Error(), Type: "value_error.jsondecode"}}
	}
	if top == nil {
		return "", []fastapiError{missing("body")}
	}
	obj, _ := top.(map[string]any)
	var errs []fastapiError
	var key string
	u, present := obj["user"]
	switch {
	case !present:
		errs = append(errs, missing("body", "user"))
	case u == nil:
		errs = append(errs, notNone("body", "user"))
	default:
		user, _ := u.(map[string]any)
		k, ok := user["key"]
		switch {
		case !ok:
			errs = append(errs, missing("body", "user", "key"))
		case k == nil:
			errs = append(errs, notNone("body", "user", "key"))
		default:
			if key, ok = pythonStr(k); !ok {
				errs = append(errs, notStr("body", "user", "key"))
			}
		}
		for _, f := range [][2]string{{"firstName", "first_name"}, {"lastName", "last_name"}, {"email", "email"}} {
			// The alias is read first, then the field's own name.
			v, ok := user[f[0]]
			name := f[0]
			if !ok {
				v, name = user[f[1]], f[1]
			}
			if _, isStr := pythonStr(v); v != nil && !isStr {
				errs = append(errs, notStr("body", "user", name))
			}
		}
		if v := user["attributes"]; v != nil {
			if _, ok := v.(map[string]any); !ok {
				errs = append(errs, notDict("body", "user", "attributes"))
			}
		}
	}
	if v := obj["context"]; v != nil {
		if _, ok := v.(map[string]any); !ok {
			errs = append(errs, notDict("body", "context"))
		}
	}
	return key, errs
}

// pythonStr is v as pydantic 1 reads it into a str: a string as is, a
// number or boolean as Python prints it (integers and booleans; a
// fractional number is refused, where Python would print it).
func pythonStr(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case bool:
		if v {
			return "True", true
		}
		return "False", true
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return strconv.FormatInt(i, 10), true
		}
	}
	return "", false
}

func notNone(loc ...any) fastapiError {
	return fastapiError{Loc: loc, Msg: "none is not an allowed value", Type: "type_error.none.not_allowed"}
}

func notStr(loc ...any) fastapiError {
	return fastapiError{Loc: loc, Msg: "str type expected", Type: "type_error.str"}
}

func notDict(loc ...any) fastapiError {
	return fastapiError{Loc: loc, Msg: "value is not a valid dict", Type: "type_error.dict"}
}
