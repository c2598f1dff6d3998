package authzen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/pdpx/pdpx/pdp"
)

// BadRequest is a request the Authorization API answers with 400 Bad
// Request: a body that is not a JSON object, or a required field missing or
// of the wrong type. Msg names the field and says what to send.
type BadRequest struct{ Msg string }

func (e *BadRequest) Error() string { return e.Msg }

func bad(format string, args ...any) error {
	return &BadRequest{Msg: fmt.Sprintf(format, args...)}
}

// Mapping turns AuthZEN requests into checks. The zero Mapping adds no
// tenant, as Permit's PDP does.
type Mapping struct {
	// DefaultTenant is the tenant of a request whose resource names none
	// (no resource.properties.tenant, or an empty one).
	DefaultTenant string
}

// Parts is one evaluation as it arrived: each part's raw JSON, nil when
// absent. A JSON null counts as absent, as the spec asks senders to omit
// a property rather than send null.
type Parts struct {
	Subject, Action, Resource, Context json.RawMessage
}

// wireParts reads the four parts of a body or of a batch item.
type wireParts struct {
	Subject  json.RawMessage `json:"subject"`
	Action   json.RawMessage `json:"action"`
	Resource json.RawMessage `json:"resource"`
	Context  json.RawMessage `json:"context"`
}

func (w wireParts) parts() Parts {
	return Parts{Subject: orNil(w.Subject), Action: orNil(w.Action), Resource: orNil(w.Resource), Context: orNil(w.Context)}
}

func orNil(raw json.RawMessage) json.RawMessage {
	if isNull(raw) {
		return nil
	}
	return raw
}

// DecodeEvaluation reads an access evaluation body into a check. A body
// the spec answers with 400 is a *BadRequest.
func (m Mapping) DecodeEvaluation(body []byte) (pdp.Check, error) {
	var w wireParts
	if err := decodeObject(body, &w); err != nil {
		return pdp.Check{}, err
	}
	return m.Check(w.parts())
}

// decodeObject reads a body that must be one JSON object into dst.
func decodeObject(body []byte, dst any) error {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return bad("the body is empty: send a JSON object with subject, action and resource")
	}
	// json.Valid builds nothing; the error's position is looked for only
	// when there is one.
	if !json.Valid(b) {
		return bad("the body is not valid JSON: %s", syntaxAt(b, json.Unmarshal(b, new(any))))
	}
	if b[0] != '{' {
		return bad("the body must be a JSON object, not %s", kindOf(b))
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return bad("the body could not be read: %s", err)
	}
	return nil
}

// syntaxAt says where JSON went wrong: the byte offset, and the line and
// column when the body has several lines.
func syntaxAt(b []byte, err error) string {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	off := int(se.Offset)
	if off > len(b) {
		off = len(b)
	}
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(b[:off], '\n')
	if line == 1 {
		return fmt.Sprintf("%s (at byte %d)", se, off)
	}
	return fmt.Sprintf("%s (line %d, column %d)", se, line, col)
}

// Check maps one complete evaluation to a check: subject, action and
// resource are required with their required fields, context optional.
func (m Mapping) Check(p Parts) (pdp.Check, error) {
	var c pdp.Check
	var err error
	if _, c.User, err = subjectOf(p.Subject, true); err != nil {
		return c, err
	}
	var aprops map[string]any
	if c.Action, aprops, err = actionOf(p.Action); err != nil {
		return c, err
	}
	if c.Resource, err = m.resourceOf(p.Resource, true); err != nil {
		return c, err
	}
	if c.Context, err = objectOf(p.Context, "context"); err != nil {
		return c, err
	}
	if c.Context, err = withActionProperties(c.Context, aprops); err != nil {
		return c, err
	}
	return c, nil
}

// examples say what to send for a missing part.
var examples = map[string]string{
	"subject":  `{"type": "user", "id": "..."}`,
	"action":   `{"name": "..."}`,
	"resource": `{"type": "...", "id": "..."}`,
}

// entity reads a required part as an object of raw fields.
func entity(raw json.RawMessage, name string) (map[string]json.RawMessage, error) {
	if isNull(raw) {
		return nil, bad("%s is missing: send \"%s\": %s", name, name, examples[name])
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil, bad("%s must be an object such as %s, not %s", name, examples[name], kindOf(raw))
	}
	return m, nil
}

// str reads a string field. A required one must be there; nonEmpty also
// refuses "".
func str(m map[string]json.RawMessage, field, where string, required, nonEmpty bool) (string, error) {
	v, ok := m[field]
	if !ok || isNull(v) {
		if required {
			return "", bad("%s.%s is missing: it is a required string", where, field)
		}
		return "", nil
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", bad("%s.%s must be a string, not %s", where, field, kindOf(v))
	}
	if nonEmpty && s == "" {
		return "", bad("%s.%s is empty: give a non-empty string", where, field)
	}
	return s, nil
}

// subjectOf reads a subject. needID is false for a subject search, whose
// subject.id, if present, is ignored (as are its properties: the subjects
// found are decided with what the policy knows of them).
func subjectOf(raw json.RawMessage, needID bool) (typ string, u pdp.User, err error) {
	m, err := entity(raw, "subject")
	if err != nil {
		return "", u, err
	}
	if typ, err = str(m, "type", "subject", true, true); err != nil {
		return "", u, err
	}
	if !needID {
		return typ, u, nil
	}
	if u.Key, err = str(m, "id", "subject", true, true); err != nil {
		return "", u, err
	}
	props, err := objectOf(m["properties"], "subject.properties")
	if err != nil {
		return "", u, err
	}
	// Permit's PDP lifts these out of the properties into the user's own
	// fields; a value that is not a string stays an attribute.
	for _, f := range []struct {
		name string
		dst  *string
	}{{"first_name", &u.FirstName}, {"last_name", &u.LastName}, {"email", &u.Email}} {
		if v, ok := props[f.name].(string); ok {
			*f.dst = v
			delete(props, f.name)
		}
	}
	u.Attributes = nilIfEmpty(props)
	return typ, u, nil
}

// actionOf reads an action: its name and properties.
func actionOf(raw json.RawMessage) (string, map[string]any, error) {
	m, err := entity(raw, "action")
	if err != nil {
		return "", nil, err
	}
	name, err := str(m, "name", "action", true, true)
	if err != nil {
		return "", nil, err
	}
	props, err := objectOf(m["properties"], "action.properties")
	if err != nil {
		return "", nil, err
	}
	return name, props, nil
}

// resourceOf reads a resource. needID is false for a resource search,
// whose resource.id, if present, is ignored; its properties.tenant still
// says which tenant to search in.
func (m Mapping) resourceOf(raw json.RawMessage, needID bool) (pdp.Resource, error) {
	var r pdp.Resource
	f, err := entity(raw, "resource")
	if err != nil {
		return r, err
	}
	if r.Type, err = str(f, "type", "resource", true, true); err != nil {
		return r, err
	}
	if needID {
		// "" is a string: a check on the type, with no instance, as
		// Permit's key "" is.
		if r.Key, err = str(f, "id", "resource", true, false); err != nil {
			return r, err
		}
	}
	props, err := objectOf(f["properties"], "resource.properties")
	if err != nil {
		return r, err
	}
	if t, ok := props["tenant"]; ok {
		s, isString := t.(string)
		if !isString && t != nil {
			return r, bad("resource.properties.tenant must be a string, not %s", pdp.TypeName(t))
		}
		r.Tenant = s
		delete(props, "tenant")
	}
	if r.Tenant == "" {
		r.Tenant = m.DefaultTenant
	}
	if needID {
		r.Attributes = nilIfEmpty(props)
	}
	return r, nil
}

// objectOf reads an optional object (absent or null is nil).
func objectOf(raw json.RawMessage, name string) (map[string]any, error) {
	if isNull(raw) {
		return nil, nil
	}
	var v map[string]any
	if json.Unmarshal(raw, &v) != nil || v == nil {
		return nil, bad("%s must be an object, not %s", name, kindOf(raw))
	}
	return v, nil
}

// withActionProperties puts action.properties in the context under
// ActionKey, over an object the context already holds there.
func withActionProperties(ctx, props map[string]any) (map[string]any, error) {
	if len(props) == 0 {
		return nilIfEmpty(ctx), nil
	}
	out := maps.Clone(ctx)
	if out == nil {
		out = map[string]any{}
	}
	switch own := out[ActionKey].(type) {
	case nil:
		out[ActionKey] = props
	case map[string]any:
		merged := maps.Clone(own)
		maps.Copy(merged, props)
		out[ActionKey] = merged
	default:
		return nil, bad("context.%s is %s, but action.properties reach the policy there: send those values in action.properties, or rename the context key", ActionKey, pdp.TypeName(own))
	}
	return out, nil
}

func nilIfEmpty(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// kindOf names a JSON value's type for messages: "a string", "an array".
func kindOf(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return "invalid JSON"
	}
	switch n := pdp.TypeName(v); n {
	case "array", "object":
		return "an " + n
	case "null":
		return n
	default:
		return "a " + n
	}
}
