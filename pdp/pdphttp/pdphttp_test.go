package pdphttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

const base = "http://pdp.example:7766"

var errOwn = errors.New("test: request time limit")

func peer() Peer {
	return Peer{
		Name: "the PDP", What: "a Permit PDP", Base: base,
		Start: "start the PDP", Key: "API key", KeyMissing: "pass --token", KeyRejected: "check --token",
		Timeout: 5 * time.Second,
	}
}

// wrapped is err as net/http returns it from Client.Do.
func wrapped(err error) error {
	return &url.Error{Op: "Post", URL: base + "/allowed", Err: &net.OpError{Op: "dial", Net: "tcp", Err: err}}
}

func TestTransportErrorKinds(t *testing.T) {
	t.Parallel()
	live := context.Background()
	ownCtx, cancelOwn := context.WithTimeoutCause(live, time.Nanosecond, errOwn)
	defer cancelOwn()
	<-ownCtx.Done()
	canceled, cancel := context.WithCancel(live)
	cancel()
	expired, cancelExp := context.WithDeadline(live, time.Now().Add(-time.Second))
	defer cancelExp()

	for _, tt := range []struct {
		name          string
		parent, rctx  context.Context
		err           error
		cloud         bool
		kind          pdp.ErrorKind
		want, notWant string
	}{
		{name: "canceled", parent: canceled, rctx: canceled, err: wrapped(context.Canceled), kind: pdp.ErrorCanceled, want: "cancelled"},
		{name: "own time limit", parent: live, rctx: ownCtx, err: wrapped(context.DeadlineExceeded), kind: pdp.ErrorTimeout,
			want: "the PDP at " + base + " did not answer within 5s: check it is running, or raise --timeout"},
		{name: "caller's deadline", parent: expired, rctx: expired, err: wrapped(context.DeadlineExceeded), kind: pdp.ErrorTimeout,
			want: "did not answer within 1.234s"},
		{name: "DNS not found", parent: live, rctx: live, err: wrapped(&net.DNSError{Name: "pdp.example", Err: "no such host", IsNotFound: true}),
			kind: pdp.ErrorNetwork, want: "cannot find the host pdp.example of " + base + " (DNS): check the spelling of the PDP's URL"},
		{name: "DNS not found, cloud", parent: live, rctx: live, cloud: true, err: wrapped(&net.DNSError{Name: "pdp.example", Err: "no such host", IsNotFound: true}),
			kind: pdp.ErrorNetwork, want: "(DNS): check your network", notWant: "spelling"},
		{name: "DNS server failure", parent: live, rctx: live, err: wrapped(&net.DNSError{Name: "pdp.example", Err: "server misbehaving"}),
			kind: pdp.ErrorNetwork, want: "cannot look up the host pdp.example of " + base + " (DNS: server misbehaving)"},
		{name: "refused", parent: live, rctx: live, err: wrapped(os.NewSyscallError("connect", syscall.ECONNREFUSED)),
			kind: pdp.ErrorRefused, want: "nothing is listening at " + base + ": start the PDP"},
		{name: "plain HTTP", parent: live, rctx: live, err: wrapped(errors.New("http: server gave HTTP response to HTTPS client")),
			kind: pdp.ErrorNetwork, want: "does not speak TLS: use " + base},
		{name: "untrusted certificate", parent: live, rctx: live, err: wrapped(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}),
			kind: pdp.ErrorNetwork, want: "the TLS certificate of " + base + " is not trusted (x509: certificate signed by unknown authority)"},
		{name: "TLS alert", parent: live, rctx: live, err: wrapped(tls.AlertError(40)),
			kind: pdp.ErrorNetwork, want: "the TLS handshake with " + base + " failed (tls: handshake failure)"},
		{name: "transport timeout", parent: live, rctx: live, err: wrapped(timeoutErr{}),
			kind: pdp.ErrorTimeout, want: "did not answer within 1.234s"},
		{name: "closed", parent: live, rctx: live, err: wrapped(io.EOF),
			kind: pdp.ErrorNetwork, want: "closed the connection without a complete answer: check the PDP's logs, and that " + base + " is a Permit PDP"},
		{name: "reset", parent: live, rctx: live, err: wrapped(os.NewSyscallError("read", syscall.ECONNRESET)),
			kind: pdp.ErrorNetwork, want: "closed the connection"},
		{name: "other", parent: live, rctx: live, err: wrapped(errors.New("proxy said\nno")),
			kind: pdp.ErrorNetwork, want: "cannot reach the PDP at " + base + " (proxy said no): check the network and the PDP's URL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := peer()
			p.Cloud = tt.cloud
			e := p.TransportError(tt.parent, tt.rctx, errOwn, tt.err, 1234*time.Millisecond)
			if e.Kind != tt.kind || e.URL != base || e.Status != 0 || !errors.Is(e, tt.err) {
				t.Errorf("kind %v, URL %q, status %d, cause %v; want kind %v", e.Kind, e.URL, e.Status, e.Cause, tt.kind)
			}
			if !strings.Contains(e.Msg, tt.want) || tt.notWant != "" && strings.Contains(e.Msg, tt.notWant) {
				t.Errorf("message %q, want it to contain %q", e.Msg, tt.want)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// The remote text in a message goes through the client's Clean (which
// redacts its key); the rest is the client's to redact.
func TestTransportErrorCleansRemoteText(t *testing.T) {
	t.Parallel()
	p := peer()
	p.Clean = func(s string) string { return strings.ReplaceAll(s, "sekret", "[redacted]") }
	e := p.TransportError(context.Background(), context.Background(), errOwn, wrapped(errors.New("bad key sekret")), 0)
	if strings.Contains(e.Msg, "sekret") || !strings.Contains(e.Msg, "bad key [redacted]") {
		t.Errorf("message %q", e.Msg)
	}
	e = peer().TransportError(context.Background(), context.Background(), errOwn, wrapped(errors.New("\x1b[2Jx\n\ny")), 0)
	if strings.Contains(e.Msg, "\x1b") || strings.Contains(e.Msg, "\n") {
		t.Errorf("an escape sequence or newline reached the message of a Peer without Clean: %q", e.Msg)
	}
}

func TestStatusKinds(t *testing.T) {
	t.Parallel()
	for s, want := range map[int]pdp.ErrorKind{
		400: pdp.ErrorBadRequest, 401: pdp.ErrorAuth, 403: pdp.ErrorAuth, 404: pdp.ErrorNotSupported,
		405: pdp.ErrorNotSupported, 413: pdp.ErrorBadRequest, 415: pdp.ErrorBadRequest, 422: pdp.ErrorBadRequest,
		429: pdp.ErrorRateLimited, 500: pdp.ErrorServer, 501: pdp.ErrorNotSupported, 502: pdp.ErrorServer,
		503: pdp.ErrorServer, 301: pdp.ErrorBadResponse, 204: pdp.ErrorBadResponse, 418: pdp.ErrorBadResponse,
	} {
		if got := StatusKind(s); got != want {
			t.Errorf("StatusKind(%d) = %v, want %v", s, got, want)
		}
	}
}

func TestStatusError(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		a          Answer
		authDetail bool
		want       string
		retry      time.Duration
	}{
		{name: "no key", a: Answer{Status: 401, Detail: "who?"}, want: "the PDP at " + base + " asked for an API key (HTTP 401): pass --token"},
		{name: "rejected key", a: Answer{Status: 403, Detail: "nope", KeySent: true}, want: "rejected the API key (HTTP 403): check --token"},
		{name: "rejected key with reason", a: Answer{Status: 401, Detail: "expired", KeySent: true}, authDetail: true,
			want: "rejected the API key (HTTP 401): expired; check --token"},
		{name: "bad request", a: Answer{Endpoint: "POST /allowed", Status: 422, Detail: "user: field required"},
			want: "refused POST /allowed (HTTP 422): user: field required"},
		{name: "bad request, no reason", a: Answer{Endpoint: "POST /allowed", Status: 400}, want: "(HTTP 400): it gave no reason"},
		{name: "rate limited", a: Answer{Status: 429, Header: http.Header{"Retry-After": {"12"}}},
			want: "is rate limiting (HTTP 429): wait 12s and retry", retry: 12 * time.Second},
		{name: "rate limited, no Retry-After", a: Answer{Status: 429}, want: "(HTTP 429): wait and retry"},
		{name: "501", a: Answer{Endpoint: "POST /x", Status: 501, Detail: "nope"}, want: "does not support POST /x (HTTP 501): nope"},
		{name: "404", a: Answer{Endpoint: "POST /x", Status: 404}, want: "has no POST /x (HTTP 404): check that " + base + " is the base URL of a Permit PDP"},
		{name: "503", a: Answer{Status: 503, Detail: "loading"}, want: "is not ready (HTTP 503): loading; wait for it"},
		{name: "500", a: Answer{Status: 500}, want: "failed (HTTP 500); check the PDP's logs"},
		{name: "redirect", a: Answer{Status: 307, Header: http.Header{"Location": {"https://elsewhere/x"}}},
			want: "redirects to https://elsewhere/x (HTTP 307): use that address as the PDP's URL"},
		{name: "redirect nowhere", a: Answer{Status: 302}, want: "answered with a redirect (HTTP 302) and no address: check the PDP's URL"},
		{name: "other", a: Answer{Endpoint: "GET /", Status: 418, Detail: "teapot"}, want: "answered HTTP 418 to GET /: teapot (is " + base + " a Permit PDP?)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := peer()
			p.AuthDetail = tt.authDetail
			if tt.a.Header == nil {
				tt.a.Header = http.Header{}
			}
			e := p.StatusError(tt.a)
			if e.Kind != StatusKind(tt.a.Status) || e.Status != tt.a.Status || e.URL != base || e.Detail != tt.a.Detail || e.Retry != tt.retry {
				t.Errorf("%+v", e)
			}
			if !strings.Contains(e.Msg, tt.want) {
				t.Errorf("message %q, want it to contain %q", e.Msg, tt.want)
			}
			if strings.Contains(e.Msg, "--pdp") {
				t.Errorf("message %q names a flag for the URL", e.Msg)
			}
		})
	}
}

func TestBadResponseAndTooLarge(t *testing.T) {
	t.Parallel()
	e := peer().BadResponse(200, "with an empty body")
	if e.Kind != pdp.ErrorBadResponse || e.Status != 200 || e.Msg != "the PDP at "+base+" answered with an empty body (is "+base+" a Permit PDP?)" {
		t.Errorf("%+v", e)
	}
	e = peer().TooLarge(200, "POST /allowed", 8<<20)
	if e.Kind != pdp.ErrorBadResponse || !strings.Contains(e.Msg, "the PDP's response was larger than 8 MiB (from POST /allowed at "+base+")") {
		t.Errorf("%+v", e)
	}
}

func TestParseBase(t *testing.T) {
	t.Parallel()
	f := URLForm{Name: "the PDP's URL", Example: "type http://localhost:7766", KeyHint: "pass the key with --token"}
	for in, want := range map[string]string{
		"":                         "the PDP's URL is empty: type http://localhost:7766",
		"localhost:7766":           `the PDP's URL "localhost:7766" has no scheme: type http://localhost:7766`,
		"http://u:secret@pdp:7766": "must not contain a user or password (user:key@host): pass the key with --token",
		"http://pdp:7766/?key=k":   "must not have a query (?...): pass the key with --token",
		"http://pdp:7766/?":        "must not have a query",
		"http://pdp:7766/#x":       "must not have a fragment",
		"ftp://pdp":                "must start with http:// or https://, not ftp://",
		"http://":                  "has no host",
		"http://:7766":             "has no host",
		"http://pdp:7766/%zz":      "is not a valid URL",
	} {
		_, err := ParseBase(in, f)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseBase(%q) = %v, want %q", in, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseBase(%q) repeats the password: %v", in, err)
		}
	}
	u, err := ParseBase("  HTTPS://PDP.Example:7766/Gate/ ", f)
	if err != nil || u.String() != "https://pdp.example:7766/Gate" {
		t.Errorf("ParseBase = %v, %v", u, err)
	}
}

func TestDetail(t *testing.T) {
	t.Parallel()
	p := peer()
	for body, want := range map[string]string{
		``:                "",
		`{"detail":"no"}`: "no",
		`{"detail":[{"loc":["body","user"],"msg":"field required"},{"loc":[],"msg":"bad"}]}`: "body.user: field required; bad",
		`{"detail":null,"message":"boom"}`:                                                   "boom",
		`{"other": 1}`:                                                                       `{"other":1}`,
		`"plain JSON string"`:                                                                "plain JSON string",
		`[1, 2]`:                                                                             "[1,2]",
		"<!doctype html><title> Sign\nin </title>":                                           `an HTML page titled "Sign in"`,
		"<html><body>x</body></html>":                                                        "an HTML page",
		"line one\n\n  line two":                                                             "line one line two",
		"red \x1b[31malert":                                                                  "red " + pdp.Removed + "alert",
		strings.Repeat("x", MaxDetail+50):                                                    strings.Repeat("x", MaxDetail) + "…",
	} {
		if got := p.Detail([]byte(body)); got != want {
			t.Errorf("Detail(%.40q) = %q, want %q", body, got, want)
		}
	}
}

func TestInnermost(t *testing.T) {
	t.Parallel()
	inner := errors.New("connection refused")
	if got := Innermost(fmt.Errorf("a: %w", fmt.Errorf("b: %w", inner))); got != inner {
		t.Errorf("Innermost = %v", got)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"30":                            30 * time.Second,
		"0":                             0,
		"-5":                            0,
		"soon":                          0,
		"99999999999":                   0, // does not fit an int on 32 bits either way: capped or ignored
		"Thu, 02 Jan 2025 03:05:05 GMT": time.Minute,
		"Thu, 02 Jan 2025 03:00:00 GMT": 0,
	} {
		got := RetryAfter(in, now)
		if in == "99999999999" {
			if got != 0 && got != 24*time.Hour {
				t.Errorf("RetryAfter(%q) = %v, want capped", in, got)
			}
			continue
		}
		if got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestSend(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k" || r.Header.Get("User-Agent") != "pdpx/test" ||
			r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusTeapot)
		}
		io.Copy(w, r.Body)
	}))
	defer srv.Close()
	p := peer()
	p.Base = srv.URL
	req := Request{Method: http.MethodPost, URL: srv.URL + "/x", Body: []byte(`{"a":1}`), Token: "k", UserAgent: "pdpx/test", Limit: 7}
	rep, err := p.Send(context.Background(), srv.Client(), req)
	if err != nil || rep.Status != 200 || string(rep.Body) != `{"a":1}` || rep.TooBig {
		t.Errorf("exactly the limit: %+v, %v", rep, err)
	}
	req.Body, req.Limit = []byte(`{"a":12}`), 7
	rep, err = p.Send(context.Background(), srv.Client(), req)
	if err != nil || string(rep.Body) != `{"a":12` || !rep.TooBig {
		t.Errorf("past the limit: %+v, %v", rep, err)
	}
	req.Token = ""
	if rep, err = p.Send(context.Background(), srv.Client(), req); err != nil || rep.Status != http.StatusTeapot {
		t.Errorf("a status other than 200 is a Reply, not an error: %+v, %v", rep, err)
	}

	// Nothing listens at a closed server's address.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	p.Base = closed.URL
	req.URL = closed.URL + "/x"
	if _, err = p.Send(context.Background(), closed.Client(), req); err == nil || err.Kind != pdp.ErrorRefused {
		t.Errorf("closed server: %v", err)
	}

	// The client's own time limit, told apart from the caller's deadline.
	done := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	defer slow.Close()
	defer close(done)
	p.Base, p.Timeout = slow.URL, 20*time.Millisecond
	req.URL = slow.URL
	if _, err = p.Send(context.Background(), slow.Client(), req); err == nil || err.Kind != pdp.ErrorTimeout || !strings.Contains(err.Msg, "within 20ms") {
		t.Errorf("own time limit: %v", err)
	}
}
