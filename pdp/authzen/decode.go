package authzen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"

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

// Batch is an access evaluations request, read. Its items are not kept
// decoded: a request that leans on its defaults carries an evaluation in
// three bytes ("{},") and a PDP answers each in hundreds, so Each reads
// the list as it goes.
type Batch struct {
	// Single is true when the request has no evaluations, or an empty
	// list: it is then one evaluation (Parts), answered as the access
	// evaluation API answers it.
	Single bool
	Parts  Parts
	// Semantic is one of ExecuteAll, DenyOnFirstDeny, PermitOnFirstPermit.
	Semantic string
	// Defaults are the request's top-level subject, action, resource and
	// context: a part an item leaves out is the default, whole (a context
	// too is replaced, not merged key by key).
	Defaults Parts
	list     json.RawMessage
}

// DecodeEvaluations reads an access evaluations body. What pertains to the
// whole request (not JSON, not an object, evaluations not a list, a default
// or options of the wrong type, an unknown semantic) is a *BadRequest; an
// item's own problems are its own, found by Each and Checker item by item.
func DecodeEvaluations(body []byte) (Batch, error) {
	var w struct {
		wireParts
		Evaluations json.RawMessage `json:"evaluations"`
		Options     json.RawMessage `json:"options"`
	}
	var b Batch
	if err := decodeObject(body, &w); err != nil {
		return b, err
	}
	b.Defaults = w.parts()
	b.Semantic = ExecuteAll
	if !isNull(w.Options) {
		var o map[string]json.RawMessage
		if json.Unmarshal(w.Options, &o) != nil || o == nil {
			return b, bad("options must be an object, not %s", kindOf(w.Options))
		}
		s, err := str(o, "evaluations_semantic", "options", false, false)
		if err != nil {
			return b, err
		}
		switch s {
		case "":
		case ExecuteAll, DenyOnFirstDeny, PermitOnFirstPermit:
			b.Semantic = s
		default:
			return b, bad("options.evaluations_semantic is %q: want %s, %s or %s", pdp.Clean(s), ExecuteAll, DenyOnFirstDeny, PermitOnFirstPermit)
		}
	}
	list := bytes.TrimSpace(w.Evaluations)
	if !isNull(list) && list[0] != '[' {
		return b, bad("evaluations must be an array of evaluations, not %s", kindOf(list))
	}
	if isNull(list) || isEmptyArray(list) {
		b.Single, b.Parts = true, b.Defaults
		return b, nil
	}
	for _, d := range []struct {
		name string
		raw  json.RawMessage
	}{{"subject", b.Defaults.Subject}, {"action", b.Defaults.Action}, {"resource", b.Defaults.Resource}, {"context", b.Defaults.Context}} {
		if d.raw != nil && !isObject(d.raw) {
			return b, bad("%s, the default of every evaluation, must be an object, not %s", d.name, kindOf(d.raw))
		}
	}
	b.list = list
	return b, nil
}

// isEmptyArray reports whether list, a valid JSON array, has no element.
func isEmptyArray(list []byte) bool {
	return len(bytes.TrimSpace(list[1:len(list)-1])) == 0
}

// Each calls f with each item of the evaluations list in order, as sent (a
// part the item leaves out is nil: Checker applies the defaults), until f
// returns false. An item that is not an object comes with its error, and
// its parts empty. The list is read as it goes: nothing is kept per item.
func (b *Batch) Each(f func(i int, item Parts, err error) bool) {
	if b.Single {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(b.list))
	if _, err := dec.Token(); err != nil { // '['
		return
	}
	for i := 0; dec.More(); i++ {
		var raw json.RawMessage
		if dec.Decode(&raw) != nil {
			return // the body was checked to be JSON: not reached
		}
		var w wireParts
		var err error
		if !isObject(raw) || json.Unmarshal(raw, &w) != nil {
			err = bad("evaluations[%d] must be an object with subject, action and resource (or defaults for them), not %s", i, kindOf(raw))
		}
		if !f(i, w.parts(), err) {
			return
		}
	}
}

// Checker maps a batch's items to checks: a part an item leaves out is the
// batch's default, read once for the whole batch. An item's error names it
// ("evaluations[3]: resource is missing ...").
func (m Mapping) Checker(b *Batch) func(i int, item Parts) (pdp.Check, error) {
	d := b.Defaults
	type subject struct {
		u   pdp.User
		err error
	}
	type action struct {
		name  string
		props map[string]any
		err   error
	}
	type resource struct {
		r   pdp.Resource
		err error
	}
	type context struct {
		c   map[string]any
		err error
	}
	var (
		ds subject
		da action
		dr resource
		dc context
	)
	if d.Subject != nil {
		_, ds.u, ds.err = subjectOf(d.Subject, true)
	}
	if d.Action != nil {
		da.name, da.props, da.err = actionOf(d.Action)
	}
	if d.Resource != nil {
		dr.r, dr.err = m.resourceOf(d.Resource, true)
	}
	dc.c, dc.err = objectOf(d.Context, "context")
	return func(i int, p Parts) (pdp.Check, error) {
		var c pdp.Check
		s, a, r, x := ds, da, dr, dc
		for _, part := range []struct {
			name     string
			own, def json.RawMessage
		}{{"subject", p.Subject, d.Subject}, {"action", p.Action, d.Action}, {"resource", p.Resource, d.Resource}} {
			if part.own == nil && part.def == nil {
				return c, bad("evaluations[%d]: %s is missing, and the request gives no default: send \"%s\": %s in the evaluation or at the top level", i, part.name, part.name, examples[part.name])
			}
		}
		if p.Subject != nil {
			_, s.u, s.err = subjectOf(p.Subject, true)
		}
		if p.Action != nil {
			a.name, a.props, a.err = actionOf(p.Action)
		}
		if p.Resource != nil {
			r.r, r.err = m.resourceOf(p.Resource, true)
		}
		if p.Context != nil {
			x.c, x.err = objectOf(p.Context, "context")
		}
		for _, err := range []error{s.err, a.err, r.err, x.err} {
			if err != nil {
				return c, bad("evaluations[%d]: %s", i, err.Error())
			}
		}
		c.User, c.Action, c.Resource = s.u, a.name, r.r
		ctx, err := withActionProperties(x.c, a.props)
		if err != nil {
			return c, bad("evaluations[%d]: %s", i, err.Error())
		}
		c.Context = ctx
		return c, nil
	}
}

func isObject(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == '{'
}

// SearchKind says which entity a search looks for.
type SearchKind string

// The three searches.
const (
	SearchSubject  SearchKind = "subject"
	SearchResource SearchKind = "resource"
	SearchAction   SearchKind = "action"
)

// Search is a search request, read.
type Search struct {
	Kind SearchKind
	// Check holds the request's inputs in the shape of a check: a subject
	// search leaves its user empty, a resource search its resource key,
	// an action search its action.
	Check pdp.Check
	// Type is the type searched for: the subject's or the resource's ("" for
	// actions).
	Type string
	// Token is page.token, "" on a first request.
	Token string
	// Limit is page.limit, -1 when not given.
	Limit int
	// Fingerprint identifies the request apart from its page token: a
	// PDP binds its tokens to it, so that a request changed in mid-paging
	// is told apart from the one the token came from.
	Fingerprint string
}

// DecodeSearch reads a search body of the given kind. Each search needs
// its inputs whole (the subject and resource with their ids, the action's
// name) and of the searched-for entity only its type; an id given there is
// ignored. A request the spec answers with 400 is a *BadRequest.
func (m Mapping) DecodeSearch(kind SearchKind, body []byte) (Search, error) {
	var w struct {
		wireParts
		Page json.RawMessage `json:"page"`
	}
	s := Search{Kind: kind, Limit: -1}
	if err := decodeObject(body, &w); err != nil {
		return s, err
	}
	var err error
	switch kind {
	case SearchSubject:
		if s.Type, _, err = subjectOf(w.Subject, false); err != nil {
			return s, err
		}
	default:
		if _, s.Check.User, err = subjectOf(w.Subject, true); err != nil {
			return s, err
		}
	}
	var aprops map[string]any
	if kind != SearchAction {
		if s.Check.Action, aprops, err = actionOf(w.Action); err != nil {
			return s, err
		}
	}
	if s.Check.Resource, err = m.resourceOf(w.Resource, kind != SearchResource); err != nil {
		return s, err
	}
	if kind == SearchResource {
		s.Type = s.Check.Resource.Type
	}
	if s.Check.Context, err = objectOf(w.Context, "context"); err != nil {
		return s, err
	}
	if s.Check.Context, err = withActionProperties(s.Check.Context, aprops); err != nil {
		return s, err
	}
	if err := s.readPage(w.Page); err != nil {
		return s, err
	}
	s.Fingerprint = fingerprint(kind, body)
	return s, nil
}

// readPage reads the page object: token a string, limit a non-negative
// integer, properties an object.
func (s *Search) readPage(raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	var p map[string]json.RawMessage
	if json.Unmarshal(raw, &p) != nil || p == nil {
		return bad("page must be an object, not %s", kindOf(raw))
	}
	var err error
	if s.Token, err = str(p, "token", "page", false, false); err != nil {
		return err
	}
	if v, ok := p["limit"]; ok && !isNull(v) {
		var f float64
		if json.Unmarshal(v, &f) != nil || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
			return bad("page.limit must be a non-negative integer, not %s", pdp.Clean(string(bytes.TrimSpace(v))))
		}
		s.Limit = int(f)
	}
	if _, err := objectOf(p["properties"], "page.properties"); err != nil {
		return err
	}
	return nil
}

// fingerprint is the request without its page token, as canonical JSON
// (object keys sorted), with the kind of search.
func fingerprint(kind SearchKind, body []byte) string {
	var v map[string]any
	_ = json.Unmarshal(body, &v)
	if page, ok := v["page"].(map[string]any); ok {
		delete(page, "token")
	}
	v["search"] = string(kind)
	b, _ := json.Marshal(v)
	return string(b)
}
