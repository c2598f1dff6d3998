package server

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// emptyBodies are checks with an empty user key, action or resource type,
// each as the fast decoder reads it and in a form it leaves to pdp's
// decoder (an escaped string), so that both paths are held to it.
var emptyBodies = map[string]string{
	"empty user key":                 `{"user":{"key":""},"action":"create","resource":{"type":"document","tenant":"default"}}`,
	"empty action":                   `{"user":{"key":"john@smith.com"},"action":"","resource":{"type":"document","tenant":"default"}}`,
	"empty resource type":            `{"user":{"key":"john@smith.com"},"action":"create","resource":{"type":"","tenant":"default"}}`,
	"all three empty":                `{"user":{"key":""},"action":"","resource":{"type":""}}`,
	"empty user key, slow path":      `{"user":{"key":""},"action":"cr\u0065ate","resource":{"type":"document","tenant":"default"}}`,
	"empty action, slow path":        `{"user":{"key":"john@smith.com"},"action":"","resource":{"type":"docum\u0065nt","tenant":"default"}}`,
	"empty resource type, slow path": `{"user":{"key":"john@sm\u0069th.com"},"action":"create","resource":{"type":"","tenant":"default"}}`,
}

// TestEmptyStringsAreDenials: Permit's PDP takes an empty user key, action
// or resource type as a check like any other and denies it (200), with the
// debug codes its policy gives; only a missing or wrongly typed field is
// 422. The server answers exactly what the engine decides for the check.
func TestEmptyStringsAreDenials(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	for name, body := range emptyBodies {
		t.Run(name, func(t *testing.T) {
			c, err := pdp.DecodeCheck([]byte(body))
			if err != nil {
				t.Fatalf("pdp.DecodeCheck refuses it: %v", err)
			}
			want := demoEngine.Decide(c).Response

			status, got, _ := do(t, s, req{path: "/allowed", body: body})
			if status != 200 {
				t.Fatalf("/allowed: %d %s", status, got)
			}
			if allow, dbg := decision(t, got); allow || len(dbg) == 0 {
				t.Errorf("/allowed: allow %v, debug %s", allow, dbg)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("/allowed:\n got %s\nwant %s", got, want)
			}
			checkFastDecode(t, []byte(body))

			status, got, _ = do(t, s, req{path: "/allowed/bulk", body: "[" + johnCreates + "," + body + "]"})
			if status != 200 {
				t.Fatalf("/allowed/bulk: %d %s", status, got)
			}
			var bulk struct{ Allow []json.RawMessage }
			if err := json.Unmarshal(got, &bulk); err != nil || len(bulk.Allow) != 2 {
				t.Fatalf("/allowed/bulk: %v %s", err, got)
			}
			if !bytes.Equal(bulk.Allow[1], want) {
				t.Errorf("/allowed/bulk:\n got %s\nwant %s", bulk.Allow[1], want)
			}
			if allow, _ := decision(t, bulk.Allow[0]); !allow {
				t.Errorf("/allowed/bulk: the check beside it was denied: %s", got)
			}

			status, got, _ = do(t, s, req{path: "/allowed/all-tenants", body: body})
			if status != 200 || string(got) != `{"allowed_tenants":[]}` {
				t.Errorf("/allowed/all-tenants: %d %s", status, got)
			}
		})
	}
	// The fast decoder takes the plain ones itself.
	for _, name := range []string{"empty user key", "empty action", "empty resource type", "all three empty"} {
		var c pdp.Check
		if !decodeCheckFast(emptyBodies[name], &c) {
			t.Errorf("%s: the fast decoder gave up", name)
		}
	}
	for _, body := range []string{
		`{"user":{"key":""},"action":"view"}`,
		`{"resource":{"type":"document"}}`,
	} {
		if status, got, _ := do(t, s, req{path: "/authorized_users", body: body}); status == 200 {
			t.Errorf("/authorized_users %s: 200 %s", body, got)
		}
	}
	if status, got, _ := do(t, s, req{path: "/authorized_users", body: `{"action":"","resource":{"type":"","tenant":"default"}}`}); status != 200 {
		t.Errorf("/authorized_users with empty action and type: %d %s", status, got)
	}
	if status, got, _ := do(t, s, req{path: "/user-permissions", body: `{"user":{"key":""}}`}); status != 200 || string(got) != `{}` {
		t.Errorf("/user-permissions for an empty key: %d %s", status, got)
	}
}

// TestMissingOrMistypedIs422: what Permit's PDP refuses stays refused.
func TestMissingOrMistypedIs422(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	for _, body := range []string{
		`{"user":{},"action":"read","resource":{"type":"document"}}`,
		`{"user":{"key":null},"action":"read","resource":{"type":"document"}}`,
		`{"user":{"key":5},"action":"read","resource":{"type":"document"}}`,
		`{"user":{"key":"j"},"action":null,"resource":{"type":"document"}}`,
		`{"user":{"key":"j"},"action":["read"],"resource":{"type":"document"}}`,
		`{"user":{"key":"j"},"action":"read","resource":{"type":null}}`,
		`{"user":{"key":"j"},"action":"read","resource":{"type":7}}`,
		`{"user":{"key":"j"},"action":"read","resource":{"key":"x"}}`,
	} {
		for _, path := range []string{"/allowed", "/allowed/bulk"} {
			b := body
			if path == "/allowed/bulk" {
				b = "[" + body + "]"
			}
			if status, got, _ := do(t, s, req{path: path, body: b}); status != 422 {
				t.Errorf("%s %s: %d %s, want 422", path, b, status, got)
			}
		}
	}
}
