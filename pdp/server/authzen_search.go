package server

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/authzen"
)

// AuthZEN's three searches. Each decides, with the same engine and the
// same mapping as an evaluation, every candidate the policy knows and
// answers those allowed, sorted, so that every result evaluated again is
// allowed:
//
//   - subject search: the users the policy defines (only subjects of type
//     "user" exist), each asked the action on the resource;
//   - resource search: the instances of the type the policy knows (declared,
//     or named by a relationship or a role assignment) in the request's
//     tenant or in none, each asked by the subject;
//   - action search: the actions of the resource's type.
//
// Candidates are decided with what the policy stores about them: the
// searched-for entity's properties are not applied (they describe no one
// candidate), except the tenant a resource search names.
//
// Pages: page.limit caps a page (0 or none means DefaultPageSize, and
// MaxPageSize is the most); a page that does not end the results carries a
// next_token, and the last one an empty next_token. A token is bound to
// the request it came from: the same request with another subject, limit
// or anything else but the token is a 400. Results are computed again for
// each page, so a policy reloaded in mid-paging may repeat or skip some,
// as the spec allows.

// Page sizes of the searches.
const (
	// DefaultPageSize is a search page's size when the request sets none.
	DefaultPageSize = 1000
	// MaxPageSize is the largest page a search answers.
	MaxPageSize = 1000
)

func (s *Server) searchSubject(l *loaded, _ *http.Request, body []byte, info *reqInfo) (int, []byte) {
	q, err := s.azMapping().DecodeSearch(authzen.SearchSubject, body)
	if err != nil {
		return azRefuse(info, err)
	}
	c := q.Check
	info.action, info.resource, info.tenant = c.Action, c.Resource.Ref(), c.Resource.Tenant
	var found []authzen.Entity
	if q.Type == authzen.SubjectType {
		for _, u := range l.eng.Users() {
			c.User = pdp.User{Key: u}
			if l.eng.Allowed(&c) {
				found = append(found, authzen.Entity{Type: q.Type, ID: u})
			}
		}
	}
	return searchPage(info, q, found)
}

func (s *Server) searchResource(l *loaded, _ *http.Request, body []byte, info *reqInfo) (int, []byte) {
	q, err := s.azMapping().DecodeSearch(authzen.SearchResource, body)
	if err != nil {
		return azRefuse(info, err)
	}
	c := q.Check
	info.user, info.action, info.resource, info.tenant = c.User.Key, c.Action, q.Type, c.Resource.Tenant
	var found []authzen.Entity
	for _, in := range l.eng.InstancesOf(q.Type) {
		if in.Tenant != "" && c.Resource.Tenant != "" && in.Tenant != c.Resource.Tenant {
			continue
		}
		c.Resource.Key = in.Key
		if l.eng.Allowed(&c) {
			found = append(found, authzen.Entity{Type: q.Type, ID: in.Key})
		}
	}
	return searchPage(info, q, found)
}

func (s *Server) searchAction(l *loaded, _ *http.Request, body []byte, info *reqInfo) (int, []byte) {
	q, err := s.azMapping().DecodeSearch(authzen.SearchAction, body)
	if err != nil {
		return azRefuse(info, err)
	}
	c := q.Check
	info.user, info.resource, info.tenant = c.User.Key, c.Resource.Ref(), c.Resource.Tenant
	var found []authzen.ActionName
	for _, a := range l.eng.ActionsOf(c.Resource.Type) {
		c.Action = a
		if l.eng.Allowed(&c) {
			found = append(found, authzen.ActionName{Name: a})
		}
	}
	return searchPage(info, q, found)
}

// searchPage answers the page of results q asks for.
func searchPage[T any](info *reqInfo, q authzen.Search, results []T) (int, []byte) {
	start := 0
	if q.Token != "" {
		var ok bool
		if start, ok = readToken(q.Token, q.Fingerprint); !ok {
			return refuse(info, http.StatusBadRequest, "page.token does not belong to this request: send the request that gave it unchanged but for page.token (the same entities, context and page.limit), or start again without page.token")
		}
	}
	size := q.Limit
	if size <= 0 {
		size = DefaultPageSize
	}
	size = min(size, MaxPageSize)
	start = min(start, len(results))
	end := min(start+size, len(results))
	page := results[start:end]
	if page == nil {
		page = []T{}
	}
	next := ""
	if end < len(results) {
		next = makeToken(end, q.Fingerprint)
	}
	count, total := len(page), len(results)
	info.outcome = strconv.Itoa(count) + " of " + strconv.Itoa(total) + " results"
	return marshal(info, authzen.SearchResponse[T]{
		Page:    &authzen.PageResponse{NextToken: next, Count: &count, Total: &total},
		Results: page,
	})
}

// A page token is "<offset>.<hash>", base64url-encoded: where the next page
// starts, and a hash of the request it belongs to.
func makeToken(offset int, fingerprint string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset) + "." + tokenHash(fingerprint)))
}

func readToken(tok, fingerprint string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	off, hash, ok := strings.Cut(string(b), ".")
	n, err := strconv.Atoi(off)
	if !ok || err != nil || n < 0 || hash != tokenHash(fingerprint) {
		return 0, false
	}
	return n, true
}

func tokenHash(fingerprint string) string {
	sum := sha256.Sum256([]byte(fingerprint))
	return hex.EncodeToString(sum[:12])
}
