package permit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// testToken looks like a real environment key so that the redaction
// threshold applies and a leak is unmistakable.
const testToken = "permit_key_TOPSECRETabcdef0123456789"

// seen is one request as the fake PDP received it.
type seen struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// fake is an httptest server standing in for Permit's PDP. It records every
// request and answers with h.
type fake struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

func (f *fake) last(t *testing.T) seen {
	t.Helper()
	rs := f.requests()
	if len(rs) == 0 {
		t.Fatal("the fake PDP received no request")
	}
	return rs[len(rs)-1]
}

// newFake starts a fake PDP answering with h and a client for it.
func newFake(t *testing.T, h http.HandlerFunc, opts ...Option) (*Client, *fake) {
	t.Helper()
	return newFakeKey(t, testToken, h, opts...)
}

// newFakeKey is newFake with a client that sends key.
func newFakeKey(t *testing.T, key string, h http.HandlerFunc, opts ...Option) (*Client, *fake) {
	t.Helper()
	f := &fake{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: b})
		f.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(f.srv.Close)
	// A generous default so a broken test fails instead of hanging; tests
	// about time limits pass their own.
	c, err := New(f.srv.URL, key, append([]Option{WithTimeout(3 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, f
}

// answer replies with status and body as JSON (Content-Type set), plus
// header pairs ("Retry-After", "30").
func answer(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func sampleCheck() pdp.Check {
	return pdp.Check{
		User:     pdp.User{Key: "bob", Attributes: map[string]any{"location": "England"}},
		Action:   "delete",
		Resource: pdp.Resource{Type: "document", Key: "d1", Tenant: "acme"},
		Context:  map[string]any{"ip": "10.0.0.1"},
	}
}

// asError asserts err is a *pdp.TargetError of kind k and returns it.
func asError(t *testing.T, err error, k pdp.ErrorKind) *pdp.TargetError {
	t.Helper()
	var e *pdp.TargetError
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *pdp.TargetError", err, err)
	}
	if e.Kind != k {
		t.Fatalf("kind = %v, want %v (message %q)", e.Kind, k, e.Msg)
	}
	if e.Msg == "" || e.Error() != e.Msg {
		t.Fatalf("message %q, Error() %q", e.Msg, e.Error())
	}
	return e
}

// errDecision asserts d is an Error decision of kind k and returns its *pdp.TargetError.
func errDecision(t *testing.T, d pdp.Decision, k pdp.ErrorKind) *pdp.TargetError {
	t.Helper()
	if d.Outcome != pdp.Error {
		t.Fatalf("outcome = %v, want error (response %q)", d.Outcome, d.Response)
	}
	return asError(t, d.Err, k)
}

func contains(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%q does not contain %q", s, sub)
		}
	}
}

// noSecret fails if the test token shows anywhere in v: its printed form,
// its JSON, and for a Decision its bytes and error text.
func noSecret(t *testing.T, what string, v any) {
	t.Helper()
	noKey(t, what, v, testToken)
}

// noKey is noSecret for any key.
func noKey(t *testing.T, what string, v any, key string) {
	t.Helper()
	var texts []string
	texts = append(texts, fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v))
	if b, err := json.Marshal(v); err == nil {
		texts = append(texts, string(b))
	}
	switch d := v.(type) {
	case pdp.Decision:
		texts = append(texts, string(d.Request), string(d.Response), d.ErrorText(), d.Target)
		if b, err := json.Marshal(pdp.NewReport(d)); err == nil {
			texts = append(texts, string(b))
		}
		if d.Debug != nil {
			b, _ := json.Marshal(d.Debug)
			texts = append(texts, string(b))
		}
	case error:
		texts = append(texts, d.Error())
		var e *pdp.TargetError
		if errors.As(d, &e) {
			texts = append(texts, e.Msg, e.Detail, e.URL)
		}
	}
	for _, s := range texts {
		if strings.Contains(s, key) {
			t.Errorf("%s: the API key appears in %q", what, s)
		}
	}
}
