package authzen

import (
	"bytes"
	"encoding/json"
	"math"

	"github.com/pdpx/pdpx/pdp"
)

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
