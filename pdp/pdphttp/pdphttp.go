// Package pdphttp is what pdpx's HTTP clients of a decision point share:
// Permit's PDP (pdp/permit) and any AuthZEN PDP (pdp/azclient). It turns a
// failure to get an answer, or an answer that is not HTTP 200, into a
// *pdp.TargetError whose kind the front ends act on and whose message names
// the PDP's URL and what to do; it validates a base URL; it reads a PDP's
// own explanation out of an error body.
//
// What differs between the clients (the name of the thing, how to start
// it, where its key comes from) is a Peer. Messages name the PDP's URL,
// never a command-line flag for it, because the explorer shows them too.
//
// Nothing here knows the API key: every piece of remote text goes through
// Peer.Clean, which the client gives, and each client redacts its key from
// the finished message.
package pdphttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// MaxDetail bounds the PDP's own text in a message: enough for a sentence
// or a validation error, not enough for a stack trace to take over the screen.
const MaxDetail = 300

// Peer is what a client says about the decision point it talks to.
type Peer struct {
	// Name is how a message names it: "the PDP", "the AuthZEN PDP".
	Name string
	// What is what Base should be, for "(is <Base> <What>?)": "a Permit PDP".
	What string
	// Base is the validated base URL, no credentials.
	Base string
	// Start follows "nothing is listening at <Base>: ", saying how to start one.
	Start string
	// Key names the credential: "API key", "key"; not empty.
	Key string
	// KeyMissing follows "asked for an <Key> (HTTP 401): " when none was sent.
	KeyMissing string
	// KeyRejected follows "rejected the <Key> (HTTP 401): ".
	KeyRejected string
	// AuthDetail adds the PDP's own reason to a rejected key. Permit's PDP
	// says only "unauthorized", which tells a person nothing.
	AuthDetail bool
	// Cloud is a hosted PDP: a host it cannot find is the network's fault,
	// never a spelling.
	Cloud bool
	// Timeout is the client's per-request time limit.
	Timeout time.Duration
	// Clean makes remote text fit a one-line message with the key redacted.
	Clean func(string) string
}

func (p Peer) at() string { return p.Name + " at " + p.Base }

func (p Peer) clean(s string) string {
	if p.Clean == nil {
		return strings.Join(strings.Fields(pdp.Clean(s)), " ")
	}
	return p.Clean(s)
}

// TransportError is why no answer came: parent is the caller's context and
// rctx the per-request one derived from it with context.WithTimeoutCause
// and own as the cause, so that the client's time limit, the caller's
// deadline and a cancel are told apart. elapsed is how long it waited.
func (p Peer) TransportError(parent, rctx context.Context, own, err error, elapsed time.Duration) *pdp.TargetError {
	e := &pdp.TargetError{URL: p.Base, Cause: err}
	at := p.at()
	waited := func(d time.Duration) string {
		return fmt.Sprintf("%s did not answer within %s: check it is running, or raise --timeout", at, d)
	}
	var (
		dnsErr   *net.DNSError
		netErr   net.Error
		recErr   tls.RecordHeaderError
		verErr   *tls.CertificateVerificationError
		unkAuth  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		certErr  x509.CertificateInvalidError
		alertErr tls.AlertError
	)
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		e.Kind, e.Msg = pdp.ErrorCanceled, "cancelled"
	case errors.Is(context.Cause(rctx), own):
		e.Kind, e.Msg = pdp.ErrorTimeout, waited(p.Timeout)
	case errors.Is(parent.Err(), context.DeadlineExceeded):
		// The caller's deadline came first; say how long we waited.
		e.Kind, e.Msg = pdp.ErrorTimeout, waited(elapsed.Round(time.Millisecond))
	case errors.As(err, &dnsErr):
		e.Kind = pdp.ErrorNetwork
		host := p.clean(dnsErr.Name)
		if host == "" {
			host = p.Base
		}
		switch {
		case dnsErr.IsNotFound && p.Cloud:
			e.Msg = fmt.Sprintf("cannot find the host %s of %s (DNS): check your network", host, p.Base)
		case dnsErr.IsNotFound:
			e.Msg = fmt.Sprintf("cannot find the host %s of %s (DNS): check the spelling of the PDP's URL, or your network", host, p.Base)
		default:
			e.Msg = fmt.Sprintf("cannot look up the host %s of %s (DNS: %s): check your network or DNS settings", host, p.Base, p.clean(dnsErr.Err))
		}
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Kind = pdp.ErrorRefused
		e.Msg = fmt.Sprintf("nothing is listening at %s: %s", p.Base, p.Start)
	case errors.As(err, &recErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// net/http turns the TLS record error into text of its own.
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("%s does not speak TLS: use %s", at, strings.Replace(p.Base, "https://", "http://", 1))
	case errors.As(err, &verErr), errors.As(err, &unkAuth), errors.As(err, &hostErr), errors.As(err, &certErr):
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("the TLS certificate of %s is not trusted (%s): check the URL, or the system's certificate authorities", p.Base, p.clean(Innermost(err).Error()))
	case errors.As(err, &alertErr):
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("the TLS handshake with %s failed (%s): check the URL's scheme and port", p.Base, p.clean(alertErr.Error()))
	case errors.As(err, &netErr) && netErr.Timeout():
		// An http.Client Timeout or a dial timeout from a caller's transport.
		e.Kind, e.Msg = pdp.ErrorTimeout, waited(elapsed.Round(time.Millisecond))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("%s closed the connection without a complete answer: check the PDP's logs, and that %s is %s", at, p.Base, p.What)
	default:
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("cannot reach %s (%s): check the network and the PDP's URL", at, pdp.Clip(p.clean(Innermost(err).Error()), MaxDetail))
	}
	return e
}

// errOwnTimeout is the cause of the per-request deadline, so that the
// client's time limit is told apart from the caller's deadline or cancel.
var errOwnTimeout = errors.New("pdphttp: request time limit")

// Request is one request to a decision point.
type Request struct {
	Method, URL string
	// Body is sent as JSON; nil sends none.
	Body []byte
	// Token, when not empty, goes out as "Authorization: Bearer <Token>".
	Token     string
	UserAgent string
	// Limit is how many bytes of the answer are read.
	Limit int64
}

// Reply is what came back, whatever came back.
type Reply struct {
	Status int
	Header http.Header
	// Body is the answer as received, cut at the Limit; TooBig says there
	// was more. The caller redacts its key before keeping it.
	Body   []byte
	TooBig bool
}

// Send sends r with hc within Peer.Timeout and reads the answer. The error
// is why no complete answer came (its message for the caller to redact);
// the Reply holds what did come, so that a Decision can keep the status and
// body of a failed request. Any status is a Reply: StatusError reads it.
func (p Peer) Send(ctx context.Context, hc *http.Client, r Request) (Reply, *pdp.TargetError) {
	rep := Reply{Header: http.Header{}}
	start := time.Now()
	rctx, cancel := context.WithTimeoutCause(ctx, p.Timeout, errOwnTimeout)
	defer cancel()
	var rd io.Reader
	if r.Body != nil {
		rd = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(rctx, r.Method, r.URL, rd)
	if err != nil {
		// The base URL was validated, so this is a bug, not the user's doing.
		return rep, &pdp.TargetError{Kind: pdp.ErrorNetwork, URL: p.Base, Msg: "cannot build a request to " + p.clean(r.URL), Cause: err}
	}
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", r.UserAgent)
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return rep, p.TransportError(ctx, rctx, errOwnTimeout, err, time.Since(start))
	}
	defer resp.Body.Close()
	rep.Status, rep.Header = resp.StatusCode, resp.Header
	// One byte past the cap tells "exactly the cap" from "more".
	rep.Body, err = io.ReadAll(io.LimitReader(resp.Body, r.Limit+1))
	if rep.TooBig = int64(len(rep.Body)) > r.Limit; rep.TooBig {
		rep.Body = rep.Body[:r.Limit]
	}
	if err != nil {
		return rep, p.TransportError(ctx, rctx, errOwnTimeout, err, time.Since(start))
	}
	return rep, nil
}

// Answer is a non-200 answer, as StatusError reads it.
type Answer struct {
	// Endpoint is "METHOD /path", for messages.
	Endpoint string
	Status   int
	Header   http.Header
	// Detail is the PDP's own explanation (Peer.Detail of the body).
	Detail string
	// KeySent tells a missing key from a rejected one on HTTP 401.
	KeySent bool
}

// StatusKind is the kind of failure an HTTP status other than 200 means.
func StatusKind(s int) pdp.ErrorKind {
	switch {
	case s == 401 || s == 403:
		return pdp.ErrorAuth
	case s == 400 || s == 413 || s == 415 || s == 422:
		return pdp.ErrorBadRequest
	case s == 429:
		return pdp.ErrorRateLimited
	case s == 404 || s == 405 || s == 501:
		return pdp.ErrorNotSupported
	case s >= 500:
		return pdp.ErrorServer
	}
	return pdp.ErrorBadResponse
}

// StatusError maps a non-200 answer to a TargetError of StatusKind.
func (p Peer) StatusError(a Answer) *pdp.TargetError {
	s, detail := a.Status, a.Detail
	e := &pdp.TargetError{Kind: StatusKind(s), Status: s, URL: p.Base, Detail: detail}
	at := p.at()
	withDetail := func(s string) string {
		if detail == "" {
			return s
		}
		return s + ": " + detail
	}
	switch {
	case s == 401 && !a.KeySent:
		article := "a "
		if strings.ContainsRune("AEIOUaeiou", rune(p.Key[0])) {
			article = "an "
		}
		e.Msg = fmt.Sprintf("%s asked for %s%s (HTTP 401): %s", at, article, p.Key, p.KeyMissing)
	case s == 401 || s == 403:
		if p.AuthDetail && detail != "" {
			e.Msg = fmt.Sprintf("%s rejected the %s (HTTP %d): %s; %s", at, p.Key, s, detail, p.KeyRejected)
		} else {
			e.Msg = fmt.Sprintf("%s rejected the %s (HTTP %d): %s", at, p.Key, s, p.KeyRejected)
		}
	case e.Kind == pdp.ErrorBadRequest:
		if detail == "" {
			detail = "it gave no reason"
		}
		e.Msg = fmt.Sprintf("%s refused %s (HTTP %d): %s", at, a.Endpoint, s, detail)
	case s == 429:
		e.Retry = RetryAfter(a.Header.Get("Retry-After"), time.Now())
		wait := "wait and retry"
		if e.Retry > 0 {
			wait = "wait " + e.Retry.String() + " and retry"
		}
		e.Msg = fmt.Sprintf("%s is rate limiting (HTTP 429): %s", at, wait)
	case s == 501:
		e.Msg = withDetail(fmt.Sprintf("%s does not support %s (HTTP 501)", at, a.Endpoint))
	case s == 404 || s == 405:
		e.Msg = fmt.Sprintf("%s has no %s (HTTP %d): check that %s is the base URL of %s, or update the PDP", at, a.Endpoint, s, p.Base, p.What)
	case s == 503:
		e.Msg = withDetail(fmt.Sprintf("%s is not ready (HTTP 503)", at)) + "; wait for it to load its policy, or check the PDP's logs"
	case s >= 500:
		e.Msg = withDetail(fmt.Sprintf("%s failed (HTTP %d)", at, s)) + "; check the PDP's logs"
	case s >= 300 && s < 400:
		if loc := pdp.Clip(p.clean(a.Header.Get("Location")), 200); loc != "" {
			e.Msg = fmt.Sprintf("%s redirects to %s (HTTP %d): use that address as the PDP's URL", at, loc, s)
		} else {
			e.Msg = fmt.Sprintf("%s answered with a redirect (HTTP %d) and no address: check the PDP's URL", at, s)
		}
	default:
		e.Msg = withDetail(fmt.Sprintf("%s answered HTTP %d to %s", at, s, a.Endpoint)) + fmt.Sprintf(" (is %s %s?)", p.Base, p.What)
	}
	return e
}

// BadResponse is an HTTP 200 answer that is not what the endpoint returns;
// what says how ("with an empty body").
func (p Peer) BadResponse(status int, what string) *pdp.TargetError {
	return &pdp.TargetError{Kind: pdp.ErrorBadResponse, Status: status, URL: p.Base,
		Msg: fmt.Sprintf("%s answered %s (is %s %s?)", p.at(), what, p.Base, p.What)}
}

// TooLarge is an answer larger than the client reads.
func (p Peer) TooLarge(status int, endpoint string, limit int64) *pdp.TargetError {
	return &pdp.TargetError{Kind: pdp.ErrorBadResponse, Status: status, URL: p.Base,
		Msg: fmt.Sprintf("%s's response was larger than %s (from %s at %s): is it %s?", p.Name, pdp.Size(limit), endpoint, p.Base, p.What)}
}

// URLForm says how the URL of a decision point is named and given, for
// ParseBase's messages.
type URLForm struct {
	// Name is "the PDP's URL".
	Name string
	// Example says what to type: "type a base URL such as http://localhost:7766".
	Example string
	// KeyHint says how the key is given instead of in the URL.
	KeyHint string
}

// ParseBase validates a decision point's base URL: http or https, a host,
// no credentials, no query or fragment (the key travels only in a header,
// so that it never shows in a URL pdpx prints or stores). The scheme and
// host come back lower-cased, the path without a trailing slash.
func ParseBase(raw string, f URLForm) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, errors.New(f.Name + " is empty: " + f.Example)
	}
	// "localhost:7766" parses with scheme "localhost"; catch the common
	// forms without a scheme before url.Parse misreads them.
	if !strings.Contains(s, "://") {
		return nil, fmt.Errorf("%s %q has no scheme: type http://%s (or https:// for a PDP behind TLS)", f.Name, pdp.Clean(s), pdp.Clean(s))
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Error repeats the input, which may hold credentials; say
		// what is wrong without it.
		return nil, errors.New(f.Name + " is not a valid URL: " + f.Example)
	}
	if u.User != nil {
		return nil, errors.New(f.Name + " must not contain a user or password (user:key@host): " + f.KeyHint)
	}
	if u.RawQuery != "" || u.ForceQuery {
		return nil, errors.New(f.Name + " must not have a query (?...): " + f.KeyHint + ", and " + f.Example)
	}
	if u.Fragment != "" {
		return nil, errors.New(f.Name + " must not have a fragment (#...): " + f.Example)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		u.Scheme = strings.ToLower(u.Scheme)
	default:
		return nil, fmt.Errorf("%s must start with http:// or https://, not %s://: %s", f.Name, pdp.Clean(u.Scheme), f.Example)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%s %q has no host: %s", f.Name, pdp.Clean(s), f.Example)
	}
	u.Host = strings.ToLower(u.Host)
	u.RawPath = ""
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// Innermost strips the wrappers (url.Error repeats method and URL,
// net.OpError the addresses) to keep the part of a transport error a
// person needs.
func Innermost(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// RetryAfter reads a Retry-After header: seconds or an HTTP date, capped
// at a day (already absurd) so that a hostile value cannot overflow.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, 86400)) * time.Second
	}
	if t, err := time.Parse(time.RFC1123, v); err == nil {
		if d := t.Sub(now).Round(time.Second); d > 0 {
			return min(d, 24*time.Hour)
		}
	}
	return 0
}

// Detail extracts the PDP's own explanation from an error body: FastAPI's
// "detail" (a string or a list of validation errors), a "message" or
// "error", an HTML page's title, a JSON string, or plain text. It is
// cleaned (redacted) and clipped to MaxDetail.
func (p Peer) Detail(body []byte) string {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return ""
	}
	var out, s string
	var obj map[string]json.RawMessage
	switch {
	case json.Unmarshal(b, &obj) == nil && obj != nil:
		out = Compact(b)
		for _, k := range []string{"detail", "message", "error_description", "error", "title"} {
			if v, ok := obj[k]; ok && !IsNull(v) {
				out = describeDetail(v)
				break
			}
		}
	case json.Unmarshal(b, &s) == nil:
		out = s
	case json.Valid(b):
		out = Compact(b)
	case LooksHTML(b):
		out = "an HTML page"
		if t := HTMLTitle(b); t != "" {
			out += " titled " + fmt.Sprintf("%q", p.clean(t))
		}
	default:
		out = string(b)
	}
	return pdp.Clip(p.clean(out), MaxDetail)
}

// describeDetail renders one detail value: a string as is, FastAPI's list of
// {loc, msg} as "body.user: field required; ...", anything else as JSON.
func describeDetail(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var items []struct {
		Loc []any  `json:"loc"`
		Msg string `json:"msg"`
	}
	if json.Unmarshal(v, &items) == nil && len(items) > 0 && items[0].Msg != "" {
		parts := make([]string, 0, len(items))
		for _, it := range items {
			loc := make([]string, 0, len(it.Loc))
			for _, l := range it.Loc {
				loc = append(loc, fmt.Sprint(l))
			}
			if len(loc) > 0 {
				parts = append(parts, strings.Join(loc, ".")+": "+it.Msg)
			} else {
				parts = append(parts, it.Msg)
			}
		}
		return strings.Join(parts, "; ")
	}
	return Compact(v)
}

// Compact is JSON b without insignificant space, or b as is when it is not JSON.
func Compact(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}

// IsNull reports whether raw is JSON null or nothing.
func IsNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// LooksHTML reports whether b starts like an HTML page (a login page, a
// proxy's error page) rather than an API's answer.
func LooksHTML(b []byte) bool {
	head := strings.ToLower(string(b[:min(len(b), 512)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") ||
		strings.HasPrefix(head, "<") && strings.Contains(head, "<body")
}

var titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// HTMLTitle is the title of an HTML page, "" when it has none; raw, to be cleaned.
func HTMLTitle(b []byte) string {
	m := titleRE.FindSubmatch(b[:min(len(b), 64<<10)])
	if m == nil {
		return ""
	}
	return pdp.Clip(strings.TrimSpace(string(m[1])), 120)
}
