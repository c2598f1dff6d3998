package azclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/authzen"
)

// TestErrorsAreNotDenials: every way a PDP can fail to decide is an Error
// with a kind and a message naming the PDP, never a deny.
func TestErrorsAreNotDenials(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		ctype  string
		body   string
		kind   pdp.ErrorKind
		msg    string
	}{
		{"bad request, plain text", 400, "text/plain", "resource.id is missing", pdp.ErrorBadRequest, "refused POST /access/v1/evaluation (HTTP 400): resource.id is missing"},
		{"unauthorized", 401, "text/plain", "Missing Authorization header", pdp.ErrorAuth, "rejected the key (HTTP 401): Missing Authorization header; check --token"},
		{"forbidden", 403, "application/json", `{"detail":"nope"}`, pdp.ErrorAuth, "rejected the key (HTTP 403): nope"},
		{"not found", 404, "text/plain", "404 page not found", pdp.ErrorNotSupported, "has no POST /access/v1/evaluation (HTTP 404)"},
		{"rate limited", 429, "text/plain", "", pdp.ErrorRateLimited, "wait 7s and retry"},
		{"server error", 500, "application/json", `{"message":"boom\u001b[2J"}`, pdp.ErrorServer, "failed (HTTP 500): boom" + pdp.Removed + "; check the PDP's logs"},
		{"redirect", 302, "text/plain", "", pdp.ErrorBadResponse, "redirects to https://elsewhere.example/x"},
		{"HTML", 200, "text/html", "<!doctype html><title>Login</title>", pdp.ErrorBadResponse, "with an HTML page, not JSON"},
		{"not JSON", 200, "text/plain", "allow", pdp.ErrorBadResponse, "with something that is not JSON"},
		{"cut off", 200, "application/json", `{"decision":tr`, pdp.ErrorBadResponse, "cut off or malformed"},
		{"empty", 200, "application/json", ``, pdp.ErrorBadResponse, "with an empty body"},
		{"an array", 200, "application/json", `[true]`, pdp.ErrorBadResponse, "not an object"},
		{"Permit's shape", 200, "application/json", `{"allow":true}`, pdp.ErrorBadResponse, `without a boolean "decision"`},
		{"decision a string", 200, "application/json", `{"decision":"true"}`, pdp.ErrorBadResponse, `"decision": "true" (a string)`},
		{"error in the context", 200, "application/json", `{"decision":false,"context":{"error":{"status":404,"message":"Resource not found"}}}`, pdp.ErrorBadRequest, "could not evaluate the check (status 404): Resource not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStandIn(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				if r.URL.Path == authzen.PathMetadata {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", tc.ctype)
				w.Header().Set("Retry-After", "7")
				if tc.status == 302 {
					w.Header().Set("Location", "https://elsewhere.example/x")
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			d := client(t, s.url).Check(context.Background(), check)
			if d.Outcome != pdp.Error {
				t.Fatalf("outcome %v, want an error: %s", d.Outcome, d.Response)
			}
			if k := pdp.ErrorKindOf(d.Err); k != tc.kind {
				t.Errorf("kind %v, want %v: %v", k, tc.kind, d.Err)
			}
			if msg := d.ErrorText(); !strings.Contains(msg, tc.msg) || !strings.Contains(msg, s.url) || strings.ContainsRune(msg, 0x1b) {
				t.Errorf("message %q, want it to name %s and say %q", msg, s.url, tc.msg)
			}
			if d.Status != tc.status || !json.Valid(d.Request) {
				t.Errorf("status %d, request %s", d.Status, d.Request)
			}
		})
	}
}

// TestTimeoutAndRefused: a PDP that does not answer in time, or is not
// there, is an Error of its kind, for a check and for every check of a batch.
func TestTimeoutAndRefused(t *testing.T) {
	release := make(chan struct{})
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Path == authzen.PathMetadata {
			http.NotFound(w, r)
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := client(t, s.url, WithTimeout(150*time.Millisecond))
	start := time.Now()
	d := c.Check(context.Background(), check)
	if d.Outcome != pdp.Error || pdp.ErrorKindOf(d.Err) != pdp.ErrorTimeout || !strings.Contains(d.ErrorText(), "did not answer within 150ms") {
		t.Errorf("%v %v", d.Outcome, d.Err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
	ds, err := c.Bulk(context.Background(), []pdp.Check{check, check})
	if pdp.ErrorKindOf(err) != pdp.ErrorTimeout || ds[0].Outcome != pdp.Error || ds[1].Outcome != pdp.Error {
		t.Errorf("bulk: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c = client(t, "http://"+addr)
	d = c.Check(context.Background(), check)
	if pdp.ErrorKindOf(d.Err) != pdp.ErrorRefused || !strings.Contains(d.ErrorText(), "nothing is listening at http://"+addr) {
		t.Errorf("refused: %v", d.Err)
	}
	if err := c.Health(context.Background()); pdp.ErrorKindOf(err) != pdp.ErrorRefused {
		t.Errorf("health: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if d := client(t, s.url).Check(ctx, check); pdp.ErrorKindOf(d.Err) != pdp.ErrorCanceled || !errors.Is(d.Err, context.Canceled) {
		t.Errorf("cancelled: %v", d.Err)
	}
}

// TestHostileText: what a PDP says is cleaned of terminal escapes, and a
// key it echoes is redacted, in reasons, errors and stored bodies.
func TestHostileText(t *testing.T) {
	s := newStandIn(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		switch r.URL.Path {
		case authzen.PathEvaluation:
			writeJSON(w, 200, `{"decision":false,"context":{"reason":"\u001b]52;c;cGF3bmVk\u0007denied for `+key+`\u001b[2J","n\u001b[31mext":"ok"}}`)
		case authzen.PathSearchSubject:
			writeJSON(w, 200, `{"results":[{"type":"user","id":"eve\u001b[2J"}]}`)
		case authzen.PathEvaluations:
			writeJSON(w, 400, `{"detail":"bad key `+key+`\u001b[31m"}`)
		default:
			http.NotFound(w, r)
		}
	})
	c := client(t, s.url)
	ctx := context.Background()
	d := c.Check(ctx, check)
	if d.Outcome != pdp.Deny {
		t.Fatalf("%+v", d)
	}
	// Each escape sequence removed leaves a mark, so that two different
	// values never read the same.
	want := []string{"n" + pdp.Removed + "ext: ok", "reason: " + pdp.Removed + "denied for [redacted]" + pdp.Removed}
	if !reflect.DeepEqual(d.Reasons, want) {
		t.Errorf("reasons %q, want %q", d.Reasons, want)
	}
	if strings.Contains(string(d.Response), key) {
		t.Errorf("the stored answer holds the key: %s", d.Response)
	}
	_, err := c.Bulk(ctx, []pdp.Check{check})
	if err == nil || strings.Contains(err.Error(), key) || strings.ContainsRune(err.Error(), 0x1b) {
		t.Errorf("bulk error: %q", err)
	}
	au, err := c.AuthorizedUsers(ctx, pdp.AuthorizedUsersQuery{Action: "read", Resource: pdp.Resource{Type: "record", Key: "r1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := au.Users["eve"+pdp.Removed]; !ok || len(au.Users) != 1 {
		t.Errorf("users: %v", au.Users)
	}
}
