package permit

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// TestStatusErrors: every non-200 is an Error with a kind and a message that
// names the URL and says what to do; none is a deny.
func TestStatusErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		body    string
		headers []string
		token   string // "" means testToken
		noToken bool
		cloud   bool
		kind    pdp.ErrorKind
		want    []string
		retry   time.Duration
	}{
		{name: "missing key", status: 401, body: `{"detail":"Missing Authorization header"}`, noToken: true, kind: pdp.ErrorAuth,
			want: []string{"asked for an API key (HTTP 401)", "--token", "PERMIT_API_KEY"}},
		{name: "401 with a key", status: 401, body: `{"detail":"unauthorized"}`, kind: pdp.ErrorAuth,
			want: []string{"rejected the API key (HTTP 401): check --token or PERMIT_API_KEY is the environment's API key"}},
		{name: "wrong key", status: 403, body: `{"detail":"Invalid PDP token"}`, kind: pdp.ErrorAuth,
			want: []string{"rejected the API key (HTTP 403): check --token or PERMIT_API_KEY is the environment's API key"}},
		{name: "malformed JSON", status: 400, body: `{"detail":"invalid JSON: expected value at line 1 column 1"}`, kind: pdp.ErrorBadRequest,
			want: []string{"refused POST /allowed (HTTP 400): invalid JSON: expected value at line 1 column 1"}},
		{name: "wrong shape, FastAPI list", status: 422, body: `{"detail":[{"loc":["body","user","key"],"msg":"field required","type":"value_error.missing"}]}`, kind: pdp.ErrorBadRequest,
			want: []string{"refused POST /allowed (HTTP 422): body.user.key: field required"}},
		{name: "wrong shape, string", status: 422, body: `{"detail":"user must be an object"}`, kind: pdp.ErrorBadRequest,
			want: []string{"refused POST /allowed (HTTP 422): user must be an object"}},
		{name: "no reason", status: 422, body: ``, kind: pdp.ErrorBadRequest,
			want: []string{"refused POST /allowed (HTTP 422): it gave no reason"}},
		{name: "content type", status: 415, body: `{"detail":"Expected request with Content-Type: application/json"}`, kind: pdp.ErrorBadRequest,
			want: []string{"(HTTP 415): Expected request with Content-Type: application/json"}},
		{name: "rate limited", status: 429, body: `{"error":"rate_limited","message":"slow down"}`, headers: []string{"Retry-After", "30"}, kind: pdp.ErrorRateLimited,
			want: []string{"is rate limiting (HTTP 429): wait 30s and retry"}, retry: 30 * time.Second},
		{name: "rate limited, no Retry-After", status: 429, body: `{"error":"rate_limited"}`, kind: pdp.ErrorRateLimited,
			want: []string{"is rate limiting (HTTP 429): wait and retry"}},
		{name: "cloud 501", status: 501, body: `{"detail":"not supported"}`, cloud: true, kind: pdp.ErrorNoABAC,
			want: []string{"the cloud PDP at", "does not evaluate ABAC (HTTP 501): use a local PDP (docker run -p 7766:7000 permitio/pdp-v2) or the embedded engine"}},
		{name: "501 naming the code", status: 501, body: `{"detail":"cloud_pdp_not_supporting_abac"}`, kind: pdp.ErrorNoABAC,
			want: []string{"does not evaluate ABAC"}},
		{name: "other 501", status: 501, body: `{"detail":"nope"}`, kind: pdp.ErrorNotSupported,
			want: []string{"does not support POST /allowed (HTTP 501): nope"}},
		{name: "no such endpoint", status: 404, body: `{"detail":"Not Found"}`, kind: pdp.ErrorNotSupported,
			want: []string{"has no POST /allowed (HTTP 404)", "Permit PDP"}},
		{name: "engine failure", status: 502, body: `{"detail":"OPA is unreachable"}`, kind: pdp.ErrorServer,
			want: []string{"failed (HTTP 502): OPA is unreachable; check the PDP's logs"}},
		{name: "500 without detail", status: 500, body: ``, kind: pdp.ErrorServer,
			want: []string{"failed (HTTP 500); check the PDP's logs"}},
		{name: "not ready", status: 503, body: `{"detail":"policy not loaded"}`, kind: pdp.ErrorServer,
			want: []string{"is not ready (HTTP 503): policy not loaded; wait for it to load its policy"}},
		{name: "redirect", status: 301, headers: []string{"Location", "https://pdp.example.com/allowed"}, kind: pdp.ErrorBadResponse,
			want: []string{"redirects to https://pdp.example.com/allowed (HTTP 301): use that address as the PDP's URL"}},
		{name: "teapot", status: 418, body: `I'm a teapot`, kind: pdp.ErrorBadResponse,
			want: []string{"answered HTTP 418 to POST /allowed: I'm a teapot", "Permit PDP?"}},
		{name: "204", status: 204, kind: pdp.ErrorBadResponse, want: []string{"answered HTTP 204"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []Option
			if tt.cloud {
				opts = append(opts, WithCloud())
			}
			c, f := newFake(t, answer(tt.status, tt.body, tt.headers...), opts...)
			if tt.noToken {
				var err error
				if c, err = New(f.srv.URL, "", opts...); err != nil {
					t.Fatal(err)
				}
			}
			d := c.Check(context.Background(), sampleCheck())
			e := errDecision(t, d, tt.kind)
			contains(t, e.Msg, tt.want...)
			if !strings.Contains(e.Msg, c.URL()) {
				t.Errorf("message %q does not name the PDP's URL %s", e.Msg, c.URL())
			}
			if e.Status != tt.status || d.Status != tt.status || e.URL != c.URL() {
				t.Errorf("status %d/%d, URL %q", e.Status, d.Status, e.URL)
			}
			if e.Retry != tt.retry {
				t.Errorf("Retry = %v, want %v", e.Retry, tt.retry)
			}
			if string(d.Response) != tt.body {
				t.Errorf("Response = %q, want the body received %q", d.Response, tt.body)
			}
			if len(d.Request) == 0 {
				t.Error("an error decision lost the request it sent")
			}
			noSecret(t, tt.name, d)
		})
	}
}

func TestABACUnsupportedFor501(t *testing.T) {
	t.Parallel()
	c, _ := newFake(t, answer(501, `{}`), WithCloud())
	if d := c.Check(context.Background(), sampleCheck()); !pdp.ABACUnsupported(d) {
		t.Errorf("ABACUnsupported = false for %v", d.Err)
	}
	// A local PDP's 501 about something else is not about ABAC: the kind
	// says so, and nothing downstream reads the status to guess.
	local, _ := newFake(t, answer(501, `{"detail":"nope"}`))
	if d := local.Check(context.Background(), sampleCheck()); pdp.ABACUnsupported(d) || pdp.ErrorKindOf(d.Err) != pdp.ErrorNotSupported {
		t.Errorf("a local 501 is read as ABAC unsupported: %v (kind %v)", d.Err, pdp.ErrorKindOf(d.Err))
	}
}

func TestRefused(t *testing.T) {
	t.Parallel()
	// A port that was just closed: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	c, err := New(url, testToken, WithTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	d := c.Check(context.Background(), sampleCheck())
	e := errDecision(t, d, pdp.ErrorRefused)
	if want := "nothing is listening at " + url + ": start the PDP (docker run -p 7766:7000 permitio/pdp-v2) or check the PDP's URL"; e.Msg != want {
		t.Errorf("message %q, want %q", e.Msg, want)
	}
	if d.Status != 0 || d.Response != nil || len(d.Request) == 0 {
		t.Errorf("status %d, response %q, request %q", d.Status, d.Response, d.Request)
	}
	asError(t, c.Health(context.Background()), pdp.ErrorRefused)
	noSecret(t, "refused", d)
}

// hung starts a server whose handler never answers until the request's
// context ends (or the test ends, so that nothing leaks either way).
func hung(t *testing.T) *httptest.Server {
	t.Helper()
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	// Cleanups run last-in first-out: unblock handlers, then close.
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	return srv
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	srv := hung(t)
	c, err := New(srv.URL, testToken, WithTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	d := c.Check(context.Background(), sampleCheck())
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v with a 50ms limit", took)
	}
	e := errDecision(t, d, pdp.ErrorTimeout)
	if want := "the PDP at " + srv.URL + " did not answer within 50ms: check it is running, or raise --timeout"; e.Msg != want {
		t.Errorf("message %q, want %q", e.Msg, want)
	}
	if d.Latency < 50*time.Millisecond {
		t.Errorf("latency %v is shorter than the limit", d.Latency)
	}
	if errors.Is(d.Err, context.Canceled) {
		t.Error("a timeout reads as cancelled")
	}
}

func TestTimeoutWhileReadingTheBody(t *testing.T) {
	t.Parallel()
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"allow": `))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	c, _ := New(srv.URL, testToken, WithTimeout(50*time.Millisecond))
	d := c.Check(context.Background(), sampleCheck())
	errDecision(t, d, pdp.ErrorTimeout)
	if d.Status != 200 || string(d.Response) != `{"allow": ` {
		t.Errorf("status %d, partial response %q", d.Status, d.Response)
	}
}

func TestCallerDeadline(t *testing.T) {
	t.Parallel()
	srv := hung(t)
	c, _ := New(srv.URL, testToken, WithTimeout(5*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	e := errDecision(t, c.Check(ctx, sampleCheck()), pdp.ErrorTimeout)
	contains(t, e.Msg, "did not answer within", "raise --timeout")
}

func TestCancelled(t *testing.T) {
	t.Parallel()
	srv := hung(t)
	c, _ := New(srv.URL, testToken, WithTimeout(5*time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	d := c.Check(ctx, sampleCheck())
	e := errDecision(t, d, pdp.ErrorCanceled)
	if e.Msg != "cancelled" || !errors.Is(d.Err, context.Canceled) {
		t.Errorf("message %q, errors.Is(Canceled) = %v", e.Msg, errors.Is(d.Err, context.Canceled))
	}

	// Cancelled before it started: no request at all, still not a deny.
	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	errDecision(t, c.Check(done, sampleCheck()), pdp.ErrorCanceled)
}

func TestDNSFailure(t *testing.T) {
	t.Parallel()
	// A transport whose resolver finds nothing, so the test needs no network.
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "pdp.invalid", IsNotFound: true}}
	}}
	c, _ := New("http://pdp.invalid:7766", testToken, WithHTTPClient(&http.Client{Transport: tr}))
	e := errDecision(t, c.Check(context.Background(), sampleCheck()), pdp.ErrorNetwork)
	contains(t, e.Msg, "cannot find the host pdp.invalid of http://pdp.invalid:7766 (DNS)", "the spelling of the PDP's URL")

	// The cloud PDP's URL is not one a person typed: the network is to blame.
	c, _ = New("https://cloudpdp.api.permit.io", testToken, WithCloud(), WithHTTPClient(&http.Client{Transport: tr}))
	e = errDecision(t, c.Check(context.Background(), sampleCheck()), pdp.ErrorNetwork)
	contains(t, e.Msg, "check your network")
	if strings.Contains(e.Msg, "--pdp") || strings.Contains(e.Msg, "spelling") {
		t.Errorf("the cloud PDP's DNS failure talks about --pdp: %s", e.Msg)
	}
}

func TestTLSUntrusted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(answer(200, `{"allow": true}`))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c, _ := New(srv.URL, testToken, WithTimeout(2*time.Second))
	e := errDecision(t, c.Check(context.Background(), sampleCheck()), pdp.ErrorNetwork)
	contains(t, e.Msg, "TLS certificate of "+srv.URL+" is not trusted")

	// With the server's roots it works, through WithHTTPClient.
	c, _ = New(srv.URL, testToken, WithHTTPClient(srv.Client()))
	if d := c.Check(context.Background(), sampleCheck()); d.Outcome != pdp.Allow {
		t.Fatalf("with the server's client: %v", d.Err)
	}
}

func TestHTTPSToAPlainServer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(answer(200, `{"allow": true}`))
	t.Cleanup(srv.Close)
	url := strings.Replace(srv.URL, "http://", "https://", 1)
	c, _ := New(url, testToken, WithTimeout(2*time.Second))
	e := errDecision(t, c.Check(context.Background(), sampleCheck()), pdp.ErrorNetwork)
	contains(t, e.Msg, "does not speak TLS: use "+srv.URL)
}

func TestConnectionClosedWithoutAnswer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	c, _ := New(srv.URL, testToken, WithTimeout(2*time.Second))
	e := errDecision(t, c.Check(context.Background(), sampleCheck()), pdp.ErrorNetwork)
	contains(t, e.Msg, "closed the connection without a complete answer", srv.URL)
}

func TestRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	var followed atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		followed.Store(true)
	}))
	t.Cleanup(target.Close)
	c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/allowed", http.StatusTemporaryRedirect)
	})
	e := errDecision(t, c.Check(context.Background(), sampleCheck()), pdp.ErrorBadResponse)
	contains(t, e.Msg, "redirects to "+target.URL+"/allowed (HTTP 307)")
	if followed.Load() {
		t.Error("the redirect was followed: the API key could have gone to another host")
	}
}
