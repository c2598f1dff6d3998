package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/authzen"
	"github.com/pdpx/pdpx/pdp/engine"
)

// The AuthZEN Authorization API 1.0 over the embedded engine: access
// evaluation, access evaluations, the three searches (authzen_search.go)
// and the metadata document. Requests become checks through pdp/authzen's
// mapping, the one the AuthZEN client uses the other way round.
//
// What the API's HTTPS binding asks, and Permit's front does differently
// on its own routes:
//
//   - a missing or wrong key is 401 (with WWW-Authenticate), never 403;
//   - a body not sent as JSON, not JSON, not an object, or missing a
//     required field (or with one of the wrong type) is 400, never 415 or
//     422;
//   - refusals are a plain-text message, as the binding's error table says;
//   - the request's X-Request-ID comes back on every answer (pdpx serve
//     echoes it on its other routes too).
//
// The metadata document needs no key: it names URLs only, and a client
// discovers the endpoints before it knows where to send its key.

// azAnswer applies AuthZEN's HTTPS binding to an answer about to be
// written (see above). h is the answer's header.
func azAnswer(h http.Header, r *http.Request, status int, body []byte, info *reqInfo) (int, []byte) {
	echoRequestID(h, r)
	if !routes[cleanPath(r.URL.Path)].authzen {
		return status, body
	}
	switch status {
	case http.StatusForbidden:
		status = http.StatusUnauthorized
	case http.StatusUnsupportedMediaType:
		status = http.StatusBadRequest
	}
	if status == http.StatusUnauthorized {
		h["Www-Authenticate"] = bearerChallenge
	}
	if status != http.StatusOK {
		h["Content-Type"] = textType
		body = []byte(info.detail)
	}
	return status, body
}

// echoRequestID puts the request's X-Request-ID on the answer's header h.
func echoRequestID(h http.Header, r *http.Request) {
	if id := r.Header.Values("X-Request-Id"); len(id) > 0 {
		h["X-Request-Id"] = id[:1]
	}
}

var (
	bearerChallenge = []string{`Bearer realm="pdpx serve"`}
	textType        = []string{"text/plain; charset=utf-8"}
)

// azMapping is the mapping with the server's default tenant.
func (s *Server) azMapping() authzen.Mapping {
	return authzen.Mapping{DefaultTenant: s.cfg.DefaultTenant}
}

// azRefuse answers a request the mapping refused: 400 for a
// *authzen.BadRequest, as the binding says of every malformed request.
func azRefuse(info *reqInfo, err error) (int, []byte) {
	var br *authzen.BadRequest
	if errors.As(err, &br) {
		return refuse(info, http.StatusBadRequest, br.Msg)
	}
	return refuse(info, http.StatusBadRequest, err.Error())
}

// azDecide decides one check: the decision, with Permit's debug object as
// its context unless NoDebug.
func (s *Server) azDecide(l *loaded, c *pdp.Check) authzen.Decision {
	body, ok := s.appendDecision(nil, l, c, nil)
	if s.cfg.NoDebug {
		return authzen.DecisionOf(ok, nil)
	}
	var resp struct {
		Debug json.RawMessage `json:"debug"`
	}
	_ = json.Unmarshal(body, &resp)
	return authzen.DecisionOf(ok, resp.Debug)
}

// evaluation answers POST /access/v1/evaluation: {"decision", "context"?}.
func (s *Server) evaluation(l *loaded, _ *http.Request, body []byte, info *reqInfo) (int, []byte) {
	c, err := s.azMapping().DecodeEvaluation(body)
	if err != nil {
		return azRefuse(info, err)
	}
	return s.azSingle(l, c, info)
}

func (s *Server) azSingle(l *loaded, c pdp.Check, info *reqInfo) (int, []byte) {
	info.check(&c)
	d := s.azDecide(l, &c)
	info.outcome = outcomeWord(d.Decision)
	return marshal(info, d)
}

// evaluations answers POST /access/v1/evaluations. Without evaluations (or
// with an empty list) it is one evaluation, answered as /evaluation
// answers. Otherwise each item, with the request's defaults for the parts
// it leaves out, is decided in order and answered in order; an item that
// cannot be evaluated is "decision": false with the error in its context,
// the others evaluated. deny_on_first_deny stops after the first deny or
// error, permit_on_first_permit after the first permit: the answer then
// holds the items up to that one.
//
// A request that leans on the defaults carries an evaluation in 3 bytes
// ("{},") and its answer in hundreds, so nothing is kept per evaluation:
// the list is read as the items are decided, and an answer past
// azStreamAt bytes is written in parts of that size. Once the request as
// a whole has been read no error can refuse it (items carry their own),
// so an answer started is always finished.
func (s *Server) evaluations(l *loaded, r *http.Request, body []byte, info *reqInfo) (int, []byte) {
	b, err := authzen.DecodeEvaluations(body)
	if err != nil {
		return azRefuse(info, err)
	}
	m := s.azMapping()
	if b.Single {
		c, err := m.Check(b.Parts)
		if err != nil {
			return azRefuse(info, err)
		}
		return s.azSingle(l, c, info)
	}
	check := m.Checker(&b)
	out := append(info.out[:0], `{"evaluations":[`...)
	var (
		first                      pdp.Check
		n, allowed, denied, failed int
		stopped                    bool
		scratch                    []byte
		buf                        engine.DebugBuffer
		writeErr                   error
	)
	b.Each(func(i int, item authzen.Parts, err error) bool {
		var d authzen.Decision
		if err == nil {
			var c pdp.Check
			if c, err = check(i, item); err == nil {
				if i == 0 {
					first = c
				}
				scratch, d = s.azDecideInto(scratch, l, &c, &buf)
			}
		}
		switch {
		case err != nil:
			d = authzen.ErrorDecision(http.StatusBadRequest, err.Error())
			failed++
		case d.Decision:
			allowed++
		default:
			denied++
		}
		n++
		if i > 0 {
			out = append(out, ',')
		}
		out = appendAZDecision(out, d)
		if len(out) >= azStreamAt {
			if !info.streamed {
				h := info.w.Header()
				h["Content-Type"] = jsonType
				echoRequestID(h, r)
				info.w.WriteHeader(http.StatusOK)
				info.streamed = true
			}
			if _, writeErr = info.w.Write(out); writeErr != nil {
				return false
			}
			out = out[:0]
		}
		stopped = b.Semantic == authzen.DenyOnFirstDeny && !d.Decision || b.Semantic == authzen.PermitOnFirstPermit && d.Decision
		return !stopped
	})
	out = append(out, "]}"...)
	info.out = out
	if n == 1 && failed == 0 {
		info.check(&first)
	}
	info.outcome = fmt.Sprintf("%d allow, %d deny", allowed, denied)
	if failed > 0 {
		info.outcome += fmt.Sprintf(", %d error", failed)
	}
	if stopped {
		info.outcome += fmt.Sprintf(" (%s: stopped after %d)", b.Semantic, n)
	}
	if !info.streamed {
		return http.StatusOK, out
	}
	if writeErr == nil {
		_, writeErr = info.w.Write(out)
	}
	if writeErr != nil {
		info.outcome, info.detail = "error", fmt.Sprintf("the answer could not be written after %d evaluations: %v", n, writeErr)
	}
	return http.StatusOK, nil
}

// azStreamAt is the size past which an evaluations answer is written in
// parts rather than held whole.
const azStreamAt = 64 << 10

// azDecideInto decides one check of a batch, its /allowed answer built in
// scratch (returned for the next) and its debug object in buf, both reused
// from check to check. The decision's context is a copy: scratch is
// overwritten by the next.
func (s *Server) azDecideInto(scratch []byte, l *loaded, c *pdp.Check, buf *engine.DebugBuffer) ([]byte, authzen.Decision) {
	scratch, ok := s.appendDecision(scratch[:0], l, c, buf)
	if s.cfg.NoDebug {
		return scratch, authzen.DecisionOf(ok, nil)
	}
	var resp struct {
		Debug json.RawMessage `json:"debug"`
	}
	_ = json.Unmarshal(scratch, &resp)
	return scratch, authzen.DecisionOf(ok, resp.Debug)
}

// appendAZDecision appends d as JSON: its context is JSON already (the
// engine's debug object, or an item's error).
func appendAZDecision(b []byte, d authzen.Decision) []byte {
	b = append(b, `{"decision":`...)
	b = strconv.AppendBool(b, d.Decision)
	if len(d.Context) > 0 {
		b = append(b, `,"context":`...)
		b = append(b, d.Context...)
	}
	return append(b, '}')
}

// wellKnown answers GET /.well-known/authzen-configuration: every endpoint
// pdpx serve offers, at the base URL clients reach it at (see baseURL).
func (s *Server) wellKnown(_ *loaded, r *http.Request, _ []byte, info *reqInfo) (int, []byte) {
	info.outcome = "metadata"
	return marshal(info, authzen.MetadataFor(s.baseURL(r)))
}

// baseURL is where clients reach the server: PublicURL when configured,
// else the request's own scheme and Host as a reverse proxy forwarded them
// (Forwarded, else X-Forwarded-Proto, -Host, -Port and -Prefix), so that
// the metadata's URLs are right behind a proxy or a port mapping. The
// forwarded headers are taken as sent: they only shape the answer to the
// client that sent them.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	scheme, host, prefix := "http", r.Host, ""
	if r.TLS != nil {
		scheme = "https"
	}
	if host == "" {
		host = DefaultAddr
	}
	if fwd := r.Header.Get("Forwarded"); fwd != "" {
		// The first element is what the client sent to the first proxy.
		first, _, _ := strings.Cut(fwd, ",")
		for _, pair := range strings.Split(first, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
			v = strings.Trim(v, `"`)
			switch strings.ToLower(k) {
			case "proto":
				scheme = forwardedScheme(v, scheme)
			case "host":
				host = forwardedHost(v, host)
			}
		}
	} else {
		if v := firstValue(r.Header.Get("X-Forwarded-Proto")); v != "" {
			scheme = forwardedScheme(v, scheme)
		}
		if v := firstValue(r.Header.Get("X-Forwarded-Host")); v != "" {
			host = forwardedHost(v, host)
			if p := firstValue(r.Header.Get("X-Forwarded-Port")); p != "" && !strings.Contains(host, ":") && isPort(p) &&
				!(scheme == "https" && p == "443") && !(scheme == "http" && p == "80") {
				host += ":" + p
			}
		}
	}
	if p := firstValue(r.Header.Get("X-Forwarded-Prefix")); strings.HasPrefix(p, "/") && !strings.ContainsAny(p, "?#\\ \"<>") {
		prefix = strings.TrimRight(p, "/")
	}
	return scheme + "://" + host + prefix
}

func firstValue(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

func forwardedScheme(v, def string) string {
	switch v = strings.ToLower(v); v {
	case "http", "https":
		return v
	}
	return def
}

// forwardedHost keeps a forwarded host that is one: no path, user, space
// or quote that would make the URLs built on it say something else.
func forwardedHost(v, def string) string {
	if v == "" || strings.ContainsAny(v, "/?#@\\ \"<>") {
		return def
	}
	return v
}

func isPort(p string) bool {
	if len(p) == 0 || len(p) > 5 {
		return false
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// checkPublicURL validates Config.PublicURL and keeps it without a
// trailing slash.
func (s *Server) checkPublicURL() error {
	raw := strings.TrimSpace(s.cfg.PublicURL)
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("public URL %q: give the base URL clients reach the server at, such as https://pdp.example.com", pdp.Clean(raw))
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return fmt.Errorf("public URL %q: a base URL has no user, query or fragment", pdp.Clean(raw))
	}
	s.cfg.PublicURL = strings.TrimRight(u.String(), "/")
	return nil
}
