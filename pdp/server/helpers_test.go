package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// testToken is the key the tests' servers demand.
const testToken = "test-key-4f1c"

// logBuf is a concurrency-safe log sink: the server logs from its
// goroutines while the test reads.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newServer builds a server for cfg with its log captured.
func newServer(t testing.TB, cfg Config) (*Server, *logBuf) {
	t.Helper()
	lb := &logBuf{}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(lb, nil))
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, lb
}

// req is one request for do.
type req struct {
	method, path, body string
	ctype              string // "" means application/json; "-" means none
	auth               string // "" means "Bearer testToken"; "-" means none
	host               string
}

// do sends r to s in-process and returns the status and body.
func do(t testing.TB, s http.Handler, r req) (int, []byte, http.Header) {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	hr := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
	switch r.ctype {
	case "":
		hr.Header.Set("Content-Type", "application/json")
	case "-":
	default:
		hr.Header.Set("Content-Type", r.ctype)
	}
	switch r.auth {
	case "":
		hr.Header.Set("Authorization", "Bearer "+testToken)
	case "-":
	default:
		hr.Header.Set("Authorization", r.auth)
	}
	if r.host != "" {
		hr.Host = r.host
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, hr)
	return w.Code, w.Body.Bytes(), w.Header()
}

// decision reads an /allowed answer.
func decision(t testing.TB, body []byte) (allow bool, debug json.RawMessage) {
	t.Helper()
	var a struct {
		Allow  *bool           `json:"allow"`
		Result *bool           `json:"result"`
		Debug  json.RawMessage `json:"debug"`
	}
	if err := json.Unmarshal(body, &a); err != nil || a.Allow == nil || a.Result == nil || *a.Allow != *a.Result {
		t.Fatalf("not an /allowed answer: %s", body)
	}
	return *a.Allow, a.Debug
}

// story is the demo policy's story (README, engine issue) as checks with
// their expected outcomes, in the shape the SDKs send them.
var story = []struct {
	name  string
	check pdp.Check
	allow bool
}{
	{"rbac admin creates", pdp.Check{User: pdp.User{Key: "john@smith.com"}, Action: "create", Resource: pdp.Resource{Type: "document", Tenant: "default"}}, true},
	{"viewer elsewhere", pdp.Check{User: pdp.User{Key: "john@permit.io"}, Action: "read", Resource: pdp.Resource{Type: "document", Tenant: "default"}}, false},
	{"viewer in awesome_inc", pdp.Check{User: pdp.User{Key: "john@permit.io"}, Action: "read", Resource: pdp.Resource{Type: "document", Tenant: "awesome_inc"}}, true},
	{"abac string true", pdp.Check{
		User:     pdp.User{Key: "check@permit.io", Attributes: map[string]any{"location": "England", "department": "Engineering"}},
		Action:   "publish",
		Resource: pdp.Resource{Type: "document", Tenant: "default", Attributes: map[string]any{"hasApproval": "true"}},
	}, true},
	{"abac bool true", pdp.Check{
		User:     pdp.User{Key: "check@permit.io", Attributes: map[string]any{"location": "England", "department": "Engineering"}},
		Action:   "publish",
		Resource: pdp.Resource{Type: "document", Tenant: "default", Attributes: map[string]any{"hasApproval": true}},
	}, false},
	{"rebac update", pdp.Check{User: pdp.User{Key: "jane@permit.io"}, Action: "update", Resource: pdp.Resource{Type: "document", Key: "roadmap", Tenant: "default"}}, true},
	{"rebac delete", pdp.Check{User: pdp.User{Key: "jane@permit.io"}, Action: "delete", Resource: pdp.Resource{Type: "document", Key: "roadmap", Tenant: "default"}}, false},
	{"viewer deletes", pdp.Check{User: pdp.User{Key: "bob@acme.io"}, Action: "delete", Resource: pdp.Resource{Type: "document", Tenant: "default"}}, false},
}

func slogText(w *logBuf) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
func slogJSON(w *logBuf) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }
