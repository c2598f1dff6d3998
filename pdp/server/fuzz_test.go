package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
)

// FuzzDecode sends any body to every endpoint that reads one: whatever it
// is, the server answers with JSON (AuthZEN's refusals: a plain-text
// message) and never with a 5xx or a panic.
//
//	go test -run '^$' -fuzz FuzzDecode -fuzzminimizetime 5s ./pdp/server/
//
// (Each input goes through ten endpoints, so minimizing a new input
// takes seconds; the progress line shows 0 execs/s meanwhile.)
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		johnCreates,
		`{"user":{"key":"j","first_name":null,"attributes":null},"action":"read","resource":{"type":"d","key":null,"tenant":"t","context":{"tenant":"t"}},"context":null}`,
		`{"user":{"key":"j","firstName":"J"},"action":"read","resource":{"type":"d","key":"k"},"tenant":{"key":"t","attributes":{"a":1}}}`,
		`[` + johnCreates + `]`, `[]`, `{}`, `null`, `"x"`, `{"user":"x"}`, `{"user":{"key":""}}`,
		`{"user":{"key":"jane@permit.io"},"tenants":["default"],"resources":["document:roadmap"],"resource_types":["document"]}`,
		`{"action":"read","resource":{"type":"document","key":"roadmap","tenant":"default"}}`,
		`{"subject":{"type":"user","id":"j","properties":{"email":"e","tenant":1}},"action":{"name":"r"},"resource":{"type":"d","id":"1","properties":{"tenant":"t"}},"context":{"a":[1,{}]}}`,
		`{"subject":{"type":"user","id":"j"},"evaluations":[{},{"action":{"name":"r"},"resource":{"type":"d"},"context":{"b":1}}],"context":{"a":1}}`,
		`{"user":{"key":"j","attributes":{"roles":["admin"],"n":1e400}},"action":"read","resource":{"type":"document","tenant":"default"}}`,
	} {
		f.Add([]byte(seed))
	}
	// The access log still formats every line but keeps none: a buffer
	// would grow by every request the fuzzer makes.
	s, _ := newServer(f, Config{Token: testToken, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	paths := []string{"/allowed", "/allowed/bulk", "/allowed/all-tenants", "/user-permissions", "/authorized_users", "/access/v1/evaluation", "/access/v1/evaluations",
		"/access/v1/search/subject", "/access/v1/search/resource", "/access/v1/search/action"}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, p := range paths {
			status, out, h := do(t, s, req{path: p, body: string(body)})
			if status >= 500 {
				t.Fatalf("%s: %d %s for %q", p, status, out, body)
			}
			if routes[p].authzen && status != 200 {
				if !strings.HasPrefix(h.Get("Content-Type"), "text/plain") || len(out) == 0 {
					t.Fatalf("%s: %d %q as %s", p, status, out, h.Get("Content-Type"))
				}
				continue
			}
			if !json.Valid(out) {
				t.Fatalf("%s: not JSON: %s", p, out)
			}
		}
	})
}
