package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/pdpx/pdpx/pdp"
)

// AuthZEN (OpenID's Authorization API) as Permit's PDP maps it onto a
// check: subject.id is the user's key and its properties
// the user's attributes, with first_name, last_name and email lifted out;
// resource.id is the key, resource.properties.tenant the tenant and the rest
// of the properties the attributes; action.name the action. As on the PDP,
// no tenant is assumed when none is given.

type azSubject struct {
	Type       *string         `json:"type"`
	ID         *string         `json:"id"`
	Properties json.RawMessage `json:"properties"`
}

type azResource struct {
	Type       *string         `json:"type"`
	ID         json.RawMessage `json:"id"`
	Properties json.RawMessage `json:"properties"`
}

type azAction struct {
	Name *string `json:"name"`
}

// azParts is what an evaluation and the defaults of an evaluations request
// both carry; a part is nil when absent.
type azParts struct {
	Subject  json.RawMessage `json:"subject"`
	Resource json.RawMessage `json:"resource"`
	Action   json.RawMessage `json:"action"`
	Context  json.RawMessage `json:"context"`
}

// shapeError is a 422 for an AuthZEN body of the wrong shape.
func shapeError(msg string) error {
	return &pdp.BodyError{Status: http.StatusUnprocessableEntity, Msg: msg}
}

// decodeJSON reads a whole body into dst: 400 when it is not JSON, 422 when
// it is JSON but not an object.
func decodeJSON(body []byte, dst any) error {
	if !json.Valid(body) {
		return &pdp.BodyError{Status: http.StatusBadRequest, Msg: "the body is not valid JSON"}
	}
	if bytes.Equal(bytes.TrimSpace(body), []byte("null")) || json.Unmarshal(body, dst) != nil {
		return shapeError("the body must be a JSON object with subject, action and resource")
	}
	return nil
}

func present(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && !bytes.Equal(t, []byte("null"))
}

// toCheck maps one complete evaluation to a check.
func (p azParts) toCheck() (pdp.Check, error) {
	var c pdp.Check
	if !present(p.Subject) {
		return c, shapeError("subject is missing: send \"subject\": {\"type\": \"user\", \"id\": \"...\"}")
	}
	var sub azSubject
	if json.Unmarshal(p.Subject, &sub) != nil {
		return c, shapeError("subject must be an object with type and id")
	}
	if sub.Type == nil || sub.ID == nil || *sub.ID == "" {
		return c, shapeError("subject.type and subject.id are required")
	}
	c.User.Key = *sub.ID
	props, err := properties(sub.Properties, "subject.properties")
	if err != nil {
		return c, err
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"first_name", &c.User.FirstName}, {"last_name", &c.User.LastName}, {"email", &c.User.Email}} {
		if v, ok := props[f.name].(string); ok {
			*f.dst = v
			delete(props, f.name)
		}
	}
	c.User.Attributes = nilIfEmpty(props)

	if !present(p.Action) {
		return c, shapeError("action is missing: send \"action\": {\"name\": \"...\"}")
	}
	var act azAction
	if json.Unmarshal(p.Action, &act) != nil || act.Name == nil || *act.Name == "" {
		return c, shapeError("action.name is required")
	}
	c.Action = *act.Name

	if !present(p.Resource) {
		return c, shapeError("resource is missing: send \"resource\": {\"type\": \"...\", \"id\": \"...\"}")
	}
	var res azResource
	if json.Unmarshal(p.Resource, &res) != nil {
		return c, shapeError("resource must be an object with type and id")
	}
	if res.Type == nil || *res.Type == "" {
		return c, shapeError("resource.type is required")
	}
	c.Resource.Type = *res.Type
	if present(res.ID) && json.Unmarshal(res.ID, &c.Resource.Key) != nil {
		return c, shapeError("resource.id must be a string")
	}
	rprops, err := properties(res.Properties, "resource.properties")
	if err != nil {
		return c, err
	}
	if t, ok := rprops["tenant"]; ok {
		s, isString := t.(string)
		if !isString && t != nil {
			return c, shapeError("resource.properties.tenant must be a string")
		}
		c.Resource.Tenant = s
		delete(rprops, "tenant")
	}
	c.Resource.Attributes = nilIfEmpty(rprops)

	if c.Context, err = properties(p.Context, "context"); err != nil {
		return c, err
	}
	c.Context = nilIfEmpty(c.Context)
	return c, nil
}

// properties reads an optional JSON object (null or absent is empty).
func properties(raw json.RawMessage, name string) (map[string]any, error) {
	if !present(raw) {
		return map[string]any{}, nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil, shapeError(name + " must be an object")
	}
	return m, nil
}

func nilIfEmpty(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m
}

// azDecision is one AuthZEN answer; Context carries Permit's debug object
// when debug is on, as the PDP fills it.
type azDecision struct {
	Decision bool            `json:"decision"`
	Context  json.RawMessage `json:"context,omitempty"`
}

func (s *Server) azDecide(l *loaded, c pdp.Check) azDecision {
	ok, body := s.decide(l, c)
	d := azDecision{Decision: ok}
	if !s.cfg.NoDebug {
		var resp struct {
			Debug json.RawMessage `json:"debug"`
		}
		_ = json.Unmarshal(body, &resp)
		d.Context = resp.Debug
	}
	return d
}

// evaluation answers POST /access/v1/evaluation: {"decision", "context"?}.
func (s *Server) evaluation(l *loaded, _ *http.Request, body []byte, info *reqInfo) (int, []byte) {
	var p azParts
	if err := decodeJSON(body, &p); err != nil {
		return bodyError(info, err)
	}
	c, err := p.toCheck()
	if err != nil {
		return bodyError(info, err)
	}
	info.check(&c)
	d := s.azDecide(l, c)
	info.outcome = outcomeWord(d.Decision)
	return marshal(info, d)
}

// evaluations answers POST /access/v1/evaluations: each evaluation takes
// the request's subject, action and resource where it has none of its own,
// and its context over the request's, key by key (as Permit's PDP merges
// them). No evaluations, or one left without a subject, action or
// resource, is a 400 as on the PDP; a part of the wrong shape is a 422.
//
// A request that leans on the defaults carries an evaluation in 3 bytes
// ("{},") and its answer in hundreds, so nothing is kept per evaluation:
// the list is read again for each pass. The first checks every
// evaluation's shape, the second that each makes a check (an answer
// cannot be refused once it is being written), the third decides them one
// by one, writing the answer in parts when it is large.
func (s *Server) evaluations(l *loaded, _ *http.Request, body []byte, info *reqInfo) (int, []byte) {
	var req struct {
		azParts
		Evaluations json.RawMessage `json:"evaluations"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return bodyError(info, err)
	}
	if !present(req.Evaluations) {
		return refuse(info, http.StatusUnprocessableEntity, "evaluations is missing: send \"evaluations\": [{...}, ...]")
	}
	n, err := eachEvaluation(req.Evaluations, func(int, azParts) bool { return true })
	if err != nil {
		return refuse(info, http.StatusUnprocessableEntity, "the body must be a JSON object with subject, action and resource")
	}
	if n == 0 {
		return refuse(info, http.StatusBadRequest, "No evaluations provided")
	}
	defaults := req.azParts
	status, msg := 0, ""
	_, _ = eachEvaluation(req.Evaluations, func(i int, e azParts) bool {
		var c pdp.Check
		c, status, msg = evaluationCheck(defaults, e, i)
		if n == 1 {
			info.check(&c)
		}
		return status == 0
	})
	if status != 0 {
		return refuse(info, status, msg)
	}

	stream := n > 256
	if stream {
		info.w.Header()["Content-Type"] = jsonType
		info.w.WriteHeader(http.StatusOK)
		info.streamed = true
	}
	out := append(info.out[:0], `{"evaluations":[`...)
	allowed := 0
	_, _ = eachEvaluation(req.Evaluations, func(i int, e azParts) bool {
		c, _, _ := evaluationCheck(defaults, e, i)
		d := s.azDecide(l, c)
		if d.Decision {
			allowed++
		}
		b, err := json.Marshal(d)
		if err != nil {
			status, msg = http.StatusBadGateway, "the answer could not be encoded: "+err.Error()
			return false
		}
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, b...)
		if i == n-1 {
			out = append(out, "]}"...)
		}
		if stream && (len(out) >= 64<<10 || i == n-1) {
			if _, err := info.w.Write(out); err != nil {
				msg = "the answer could not be written after " + strconv.Itoa(i) + " of " + strconv.Itoa(n) + " evaluations: " + err.Error()
				return false
			}
			out = out[:0]
		}
		return true
	})
	info.out = out
	switch {
	case status != 0 && !stream:
		return refuse(info, status, msg)
	case msg != "":
		info.outcome, info.detail = "error", msg
		return http.StatusOK, nil
	}
	info.outcome = strconv.Itoa(allowed) + " allow, " + strconv.Itoa(n-allowed) + " deny"
	if stream {
		return http.StatusOK, nil
	}
	return http.StatusOK, out
}

// eachEvaluation calls f with each element of the JSON array list, in
// order, until f returns false, and returns how many it read. An element
// that is not an object (or null) is an error.
func eachEvaluation(list json.RawMessage, f func(i int, e azParts) bool) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(list))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return 0, errors.New("not a list")
	}
	n := 0
	for dec.More() {
		var e azParts
		if err := dec.Decode(&e); err != nil {
			return n, err
		}
		n++
		if !f(n-1, e) {
			return n, nil
		}
	}
	return n, nil
}

// evaluationCheck is evaluation i of an evaluations request as a check,
// with the request's defaults; a status other than 0 refuses it.
func evaluationCheck(defaults, e azParts, i int) (pdp.Check, int, string) {
	if !present(e.Subject) {
		e.Subject = defaults.Subject
	}
	if !present(e.Action) {
		e.Action = defaults.Action
	}
	if !present(e.Resource) {
		e.Resource = defaults.Resource
	}
	if !present(e.Subject) || !present(e.Action) || !present(e.Resource) {
		return pdp.Check{}, http.StatusBadRequest, "One or more evaluations is missing required fields: evaluation " + strconv.Itoa(i) + " has no subject, action or resource, and the request gives no default"
	}
	ctx, err := mergeContext(defaults.Context, e.Context)
	if err != nil {
		return pdp.Check{}, http.StatusUnprocessableEntity, err.Error()
	}
	e.Context = ctx
	c, err := e.toCheck()
	if err != nil {
		return pdp.Check{}, http.StatusUnprocessableEntity, "evaluation " + strconv.Itoa(i) + ": " + err.Error()
	}
	return c, 0, ""
}

// mergeContext lays an evaluation's context over the request's, key by key.
func mergeContext(base, own json.RawMessage) (json.RawMessage, error) {
	if !present(base) {
		return own, nil
	}
	if !present(own) {
		return base, nil
	}
	b, err := properties(base, "context")
	if err != nil {
		return nil, err
	}
	o, err := properties(own, "evaluations[].context")
	if err != nil {
		return nil, err
	}
	for k, v := range o {
		b[k] = v
	}
	return json.Marshal(b)
}
