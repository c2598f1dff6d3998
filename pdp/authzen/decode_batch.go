package authzen

import (
	"bytes"
	"encoding/json"

	"github.com/pdpx/pdpx/pdp"
)

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
