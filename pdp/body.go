package pdp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// BodyError is a request body a PDP would refuse: Status is 400 for text
// that is not JSON and 422 for JSON of the wrong shape, as Permit's PDP answers.
type BodyError struct {
	Status int
	Msg    string
}

func (e *BodyError) Error() string { return e.Msg }

func badShape(format string, args ...any) error {
	return &BodyError{Status: 422, Msg: fmt.Sprintf(format, args...)}
}

// wire types: what Permit's SDKs send. Every field is optional on the wire so
// that the shape checks below can say exactly what is missing.
type wireUser struct {
	Key        *string         `json:"key"`
	FirstName  string          `json:"first_name,omitempty"`
	FirstCamel string          `json:"firstName,omitempty"`
	LastName   string          `json:"last_name,omitempty"`
	LastCamel  string          `json:"lastName,omitempty"`
	Email      string          `json:"email,omitempty"`
	Attributes json.RawMessage `json:"attributes,omitempty"`
}

type wireResource struct {
	Type       *string         `json:"type"`
	Key        json.RawMessage `json:"key,omitempty"`
	Tenant     *string         `json:"tenant,omitempty"`
	Attributes json.RawMessage `json:"attributes,omitempty"`
	Context    json.RawMessage `json:"context,omitempty"`
}

type wireTenant struct {
	Key        string          `json:"key,omitempty"`
	Attributes json.RawMessage `json:"attributes,omitempty"`
}

type wireCheck struct {
	User     json.RawMessage `json:"user"`
	Action   json.RawMessage `json:"action"`
	Resource json.RawMessage `json:"resource"`
	Context  json.RawMessage `json:"context,omitempty"`
	Tenant   json.RawMessage `json:"tenant,omitempty"`
}

// DecodeCheck reads one /allowed body exactly as Permit's PDP receives it:
// no default tenant is added. It accepts every SDK's variant (Python's
// "key": null, Node's camelCase names, a missing context, null objects) and
// ignores unknown keys. A body the PDP would refuse is a *BodyError.
func DecodeCheck(body []byte) (Check, error) {
	var raw json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return Check{}, &BodyError{Status: 400, Msg: "the body is not valid JSON: " + jsonErr(body, err)}
	}
	return decodeCheckValue(raw)
}

// DecodeChecks reads an /allowed/bulk body: a bare JSON array of /allowed bodies.
func DecodeChecks(body []byte) ([]Check, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) || !json.Valid(body) {
			return nil, &BodyError{Status: 400, Msg: "the body is not valid JSON: " + jsonErr(body, err)}
		}
		return nil, badShape("the bulk body must be a JSON array of checks")
	}
	out := make([]Check, 0, len(items))
	for i, it := range items {
		c, err := decodeCheckValue(it)
		if err != nil {
			return nil, badShape("check %d: %v", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func decodeCheckValue(raw json.RawMessage) (Check, error) {
	var c Check
	var w wireCheck
	if err := json.Unmarshal(raw, &w); err != nil {
		return c, badShape("the body must be a JSON object with user, action and resource")
	}
	var err error
	if c.User, err = decodeUser(w.User); err != nil {
		return c, err
	}
	if isNull(w.Action) {
		return c, badShape("action is missing")
	}
	// An empty action is a check like any other (Permit's PDP answers it
	// with a denial); only a missing or non-string action is refused.
	if err := json.Unmarshal(w.Action, &c.Action); err != nil {
		return c, badShape("action must be a string, not %s", JSONKind(w.Action))
	}
	if c.Resource, err = decodeResource(w.Resource); err != nil {
		return c, err
	}
	if c.Context, err = object(w.Context, "context"); err != nil {
		return c, err
	}
	if !isNull(w.Tenant) {
		var t wireTenant
		if err := json.Unmarshal(w.Tenant, &t); err == nil {
			if c.TenantAttributes, err = object(t.Attributes, "tenant.attributes"); err != nil {
				return c, err
			}
		}
		// A bare string tenant at the top level is ignored, as the PDP reads
		// the tenant only from resource.tenant.
	}
	return c, nil
}

// decodeUser reads a user object as the PDP does: an object with a key
// (which may be empty: the check is then denied, not refused); a bare
// string or a missing key is the wrong shape.
func decodeUser(raw json.RawMessage) (User, error) {
	if isNull(raw) {
		return User{}, badShape("user is missing: send \"user\": {\"key\": \"...\"}")
	}
	var u wireUser
	if err := json.Unmarshal(raw, &u); err != nil {
		return User{}, shapeError(raw, err, "user", "an object with a key", `: send "user": {"key": "..."}`)
	}
	if u.Key == nil {
		return User{}, badShape("user.key is missing")
	}
	out := User{Key: *u.Key, FirstName: first(u.FirstName, u.FirstCamel), LastName: first(u.LastName, u.LastCamel), Email: u.Email}
	var err error
	if out.Attributes, err = object(u.Attributes, "user.attributes"); err != nil {
		return User{}, err
	}
	return out, nil
}

// decodeResource reads a resource object: a type (empty is a check that
// is denied, not refused), a key that is a string or null, and optional
// tenant, attributes and context.
func decodeResource(raw json.RawMessage) (Resource, error) {
	var out Resource
	if isNull(raw) {
		return out, badShape("resource is missing: send \"resource\": {\"type\": \"...\"}")
	}
	var r wireResource
	if err := json.Unmarshal(raw, &r); err != nil {
		return out, shapeError(raw, err, "resource", "an object with a type", "")
	}
	if r.Type == nil {
		return out, badShape("resource.type is missing")
	}
	out.Type = *r.Type
	if !isNull(r.Key) {
		if err := json.Unmarshal(r.Key, &out.Key); err != nil {
			return out, badShape("resource.key must be a string or null")
		}
	}
	if r.Tenant != nil {
		out.Tenant = *r.Tenant
	}
	var err error
	if out.Attributes, err = object(r.Attributes, "resource.attributes"); err != nil {
		return out, err
	}
	if out.Context, err = object(r.Context, "resource.context"); err != nil {
		return out, err
	}
	return out, nil
}

// Body is the check as the JSON body of an /allowed request, in the shape
// Permit's Go and Node SDKs send (snake_case, empty parts omitted).
func (c Check) Body() []byte {
	b, _ := json.Marshal(c.wire())
	return b
}

type bodyUser struct {
	Key        string         `json:"key"`
	FirstName  string         `json:"first_name,omitempty"`
	LastName   string         `json:"last_name,omitempty"`
	Email      string         `json:"email,omitempty"`
	Attributes map[string]any `json:"attributes"`
}

type bodyResource struct {
	Type       string         `json:"type"`
	Key        string         `json:"key,omitempty"`
	Tenant     string         `json:"tenant,omitempty"`
	Attributes map[string]any `json:"attributes"`
	Context    map[string]any `json:"context"`
}

type bodyTenant struct {
	Key        string         `json:"key,omitempty"`
	Attributes map[string]any `json:"attributes"`
}

type body struct {
	User     bodyUser       `json:"user"`
	Action   string         `json:"action"`
	Resource bodyResource   `json:"resource"`
	Context  map[string]any `json:"context"`
	Tenant   *bodyTenant    `json:"tenant,omitempty"`
}

func (c Check) wire() body {
	b := body{
		User: bodyUser{Key: c.User.Key, FirstName: c.User.FirstName, LastName: c.User.LastName,
			Email: c.User.Email, Attributes: orEmpty(c.User.Attributes)},
		Action: c.Action,
		Resource: bodyResource{Type: c.Resource.Type, Key: c.Resource.Key, Tenant: c.Resource.Tenant,
			Attributes: orEmpty(c.Resource.Attributes), Context: orEmpty(c.Resource.Context)},
		Context: orEmpty(c.Context),
	}
	if len(c.TenantAttributes) > 0 {
		b.Tenant = &bodyTenant{Key: c.Resource.Tenant, Attributes: c.TenantAttributes}
	}
	return b
}

// BulkBody is the JSON body of an /allowed/bulk request for cs.
func BulkBody(cs []Check) []byte {
	ws := make([]body, len(cs))
	for i, c := range cs {
		ws[i] = c.wire()
	}
	b, _ := json.Marshal(ws)
	return b
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

func object(raw json.RawMessage, name string) (map[string]any, error) {
	if isNull(raw) {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, shapeError(raw, err, name, "an object", "")
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// shapeError says why raw, which should be what (an object of some shape)
// named name, did not decode: it is not an object at all, a field has the
// wrong type, or a number is too large for a float64. hint ends the first
// kind of message.
func shapeError(raw json.RawMessage, err error, name, what, hint string) error {
	if kind := JSONKind(raw); kind != "an object" {
		return badShape("%s must be %s, not %s%s", name, what, kind, hint)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if num, ok := strings.CutPrefix(te.Value, "number "); ok {
			return badShape("%s holds the number %s, which is too large for a float64 (the largest is about 1.8e308)", name, num)
		}
		if te.Field != "" {
			return badShape("%s.%s must be %s, not %s", name, te.Field, WithArticle(jsonType(te.Type)), WithArticle(te.Value))
		}
	}
	return badShape("%s must be %s: %v", name, what, err)
}

// jsonType names the JSON type that decodes into t.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Interface:
		return "value"
	}
	return "number"
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// jsonErr describes a JSON syntax error with its line and column.
func jsonErr(body []byte, err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := LineCol(body, int(syn.Offset))
		return fmt.Sprintf("line %d, column %d: %v", line, col, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || err.Error() == "unexpected end of JSON input" {
		return "it ends too early (an unclosed brace or quote?)"
	}
	return err.Error()
}

// LineCol turns a byte offset into 1-based line and column numbers.
func LineCol(b []byte, off int) (line, col int) {
	if off > len(b) {
		off = len(b)
	}
	line = 1 + bytes.Count(b[:off], []byte("\n"))
	col = off - bytes.LastIndexByte(b[:off], '\n')
	return line, col
}
