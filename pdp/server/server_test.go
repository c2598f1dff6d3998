package server

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

const johnCreates = `{"user":{"key":"john@smith.com"},"action":"create","resource":{"type":"document","tenant":"default"}}`

// TestStatusCodes is the curl-level contract: every status Permit's PDP
// answers with, for the reason it answers it.
func TestStatusCodes(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	huge := `{"user":{"key":"j"},"action":"read","resource":{"type":"document"},"context":{"pad":"` + strings.Repeat("x", MaxBody) + `"}}`
	cases := []struct {
		name string
		req
		want int
	}{
		{"allow", req{path: "/allowed", body: johnCreates}, 200},
		{"a deny is 200", req{path: "/allowed", body: `{"user":{"key":"bob@acme.io"},"action":"delete","resource":{"type":"document","tenant":"default"}}`}, 200},
		{"no Authorization header", req{path: "/allowed", body: johnCreates, auth: "-"}, 401},
		{"wrong key", req{path: "/allowed", body: johnCreates, auth: "Bearer nope"}, 403},
		{"empty key", req{path: "/allowed", body: johnCreates, auth: "Bearer "}, 403},
		{"key with a trailing space", req{path: "/allowed", body: johnCreates, auth: "Bearer " + testToken + " "}, 403},
		{"right key, other scheme", req{path: "/allowed", body: johnCreates, auth: "Basic " + testToken}, 403},
		{"bare key", req{path: "/allowed", body: johnCreates, auth: testToken}, 403},
		{"python's lower-case bearer", req{path: "/allowed", body: johnCreates, auth: "bearer " + testToken}, 200},
		{"upper-case BEARER", req{path: "/allowed", body: johnCreates, auth: "BEARER " + testToken}, 200},
		{"malformed JSON", req{path: "/allowed", body: `{"user":`}, 400},
		{"not JSON at all", req{path: "/allowed", body: `user=john`}, 400},
		{"user as a bare string", req{path: "/allowed", body: `{"user":"john@smith.com","action":"create","resource":{"type":"document"}}`}, 422},
		{"missing action", req{path: "/allowed", body: `{"user":{"key":"john@smith.com"},"resource":{"type":"document"}}`}, 422},
		{"missing user", req{path: "/allowed", body: `{"action":"create","resource":{"type":"document"}}`}, 422},
		{"an array where an object belongs", req{path: "/allowed", body: `[]`}, 422},
		{"text/plain", req{path: "/allowed", body: johnCreates, ctype: "text/plain"}, 415},
		{"form encoded (curl -d)", req{path: "/allowed", body: johnCreates, ctype: "application/x-www-form-urlencoded"}, 415},
		{"no content type", req{path: "/allowed", body: johnCreates, ctype: "-"}, 415},
		{"json with charset", req{path: "/allowed", body: johnCreates, ctype: "application/json; charset=utf-8"}, 200},
		{"a +json type", req{path: "/allowed", body: johnCreates, ctype: "application/vnd.permit+json"}, 200},
		{"over 2 MiB", req{path: "/allowed", body: huge}, 413},
		{"GET /allowed", req{method: "GET", path: "/allowed"}, 405},
		{"POST /health", req{path: "/health", body: `{}`}, 405},
		{"unknown path", req{path: "/v2/allowed", body: johnCreates}, 404},
		{"unknown path needs the key first", req{path: "/nope", auth: "-"}, 401},
		{"SDK URL with a trailing slash", req{path: "//allowed", body: johnCreates}, 200},
		{"/health without a key", req{method: "GET", path: "/health", auth: "-"}, 200},
		{"/healthy without a key", req{method: "GET", path: "/healthy", auth: "-"}, 200},
		{"/ready without a key", req{method: "GET", path: "/ready", auth: "-"}, 200},
		{"HEAD /healthy", req{method: "HEAD", path: "/healthy", auth: "-"}, 200},
		{"well-known", req{method: "GET", path: "/.well-known/authzen-configuration"}, 200},
		{"bulk of a non-array", req{path: "/allowed/bulk", body: `{"user":{"key":"j"}}`}, 422},
		{"bulk with one bad check", req{path: "/allowed/bulk", body: `[` + johnCreates + `,{"user":"x"}]`}, 422},
		{"user-permissions without a user", req{path: "/user-permissions", body: `{}`}, 422},
		{"authorized_users without an action", req{path: "/authorized_users", body: `{"resource":{"type":"document"}}`}, 422},
		// AuthZEN's refusals follow its own binding: authzen_test.go.
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, h := do(t, s, c.req)
			if status != c.want {
				t.Fatalf("status %d, want %d: %s", status, c.want, body)
			}
			if ct := h.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if c.method == "HEAD" {
				if len(body) != 0 {
					t.Errorf("HEAD answered a body: %s", body)
				}
				return
			}
			if !json.Valid(body) {
				t.Fatalf("answer is not JSON: %s", body)
			}
			if status >= 400 {
				var e struct{ Detail string }
				if json.Unmarshal(body, &e) != nil || e.Detail == "" {
					t.Errorf("an error without a detail: %s", body)
				}
			}
			if status == 405 && h.Get("Allow") == "" {
				t.Errorf("405 without an Allow header")
			}
		})
	}
}

func TestNoTokenAcceptsAnyKeyOrNone(t *testing.T) {
	s, _ := newServer(t, Config{})
	for _, auth := range []string{"-", "Bearer whatever", "Basic x"} {
		if status, body, _ := do(t, s, req{path: "/allowed", body: johnCreates, auth: auth}); status != 200 {
			t.Errorf("auth %q: %d %s", auth, status, body)
		}
	}
}

// TestSDKBodyVariants sends the same check the way each SDK shapes it; all
// must decide as the engine decides the check itself.
func TestSDKBodyVariants(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	bodies := map[string]string{
		"go (no context)":                `{"user":{"key":"check@permit.io","attributes":{"location":"England","department":"Engineering"}},"action":"publish","resource":{"type":"document","tenant":"default","attributes":{"hasApproval":"true"}}}`,
		"python (nulls, context.tenant)": `{"user":{"key":"check@permit.io","first_name":null,"last_name":null,"email":null,"attributes":{"location":"England","department":"Engineering"}},"action":"publish","resource":{"type":"document","key":null,"tenant":"default","attributes":{"hasApproval":"true"},"context":{"tenant":"default"}},"context":{}}`,
		"node (camelCase)":               `{"user":{"key":"check@permit.io","firstName":"Check","lastName":"Er","attributes":{"location":"England","department":"Engineering"}},"action":"publish","resource":{"type":"document","tenant":"default","attributes":{"hasApproval":"true"}},"context":{}}`,
	}
	for name, b := range bodies {
		status, out, _ := do(t, s, req{path: "/allowed", body: b})
		if status != 200 {
			t.Fatalf("%s: %d %s", name, status, out)
		}
		if allow, _ := decision(t, out); !allow {
			t.Errorf("%s: deny, want allow: %s", name, out)
		}
	}
}

// TestAllowedMatchesEngine: the body of every story check is exactly the
// engine's /allowed response for it.
func TestAllowedMatchesEngine(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	eng := engine.New(policy.Demo())
	for _, st := range story {
		status, body, _ := do(t, s, req{path: "/allowed", body: string(st.check.Body())})
		if status != 200 {
			t.Fatalf("%s: %d %s", st.name, status, body)
		}
		want := eng.Decide(st.check).Response
		if !bytes.Equal(body, want) {
			t.Errorf("%s:\n got %s\nwant %s", st.name, body, want)
		}
		if allow, dbg := decision(t, body); allow != st.allow || len(dbg) == 0 {
			t.Errorf("%s: allow %v (want %v), debug %s", st.name, allow, st.allow, dbg)
		}
	}
}

func TestNoDebug(t *testing.T) {
	s, _ := newServer(t, Config{NoDebug: true})
	for _, st := range story {
		_, body, _ := do(t, s, req{path: "/allowed", body: string(st.check.Body())})
		allow, dbg := decision(t, body)
		if allow != st.allow || dbg != nil {
			t.Errorf("%s: %s", st.name, body)
		}
	}
	_, body, _ := do(t, s, req{path: "/allowed/bulk", body: `[` + johnCreates + `]`})
	if string(body) != `{"allow":[{"allow":true,"result":true}]}` {
		t.Errorf("bulk: %s", body)
	}
	_, body, _ = do(t, s, req{path: "/access/v1/evaluation", body: `{"subject":{"type":"user","id":"john@smith.com"},"action":{"name":"create"},"resource":{"type":"document","id":"","properties":{"tenant":"default"}}}`})
	if string(body) != `{"decision":true}` {
		t.Errorf("evaluation: %s", body)
	}
	_, body, _ = do(t, s, req{path: "/allowed/all-tenants", body: johnCreates})
	if bytes.Contains(body, []byte("debug")) {
		t.Errorf("all-tenants: %s", body)
	}
}

func TestBulkKeepsOrder(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	var cs []pdp.Check
	for range 3 {
		for _, st := range story {
			cs = append(cs, st.check)
		}
	}
	status, body, _ := do(t, s, req{path: "/allowed/bulk", body: string(pdp.BulkBody(cs))})
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	var got struct{ Allow []json.RawMessage }
	if err := json.Unmarshal(body, &got); err != nil || len(got.Allow) != len(cs) {
		t.Fatalf("%v: %s", err, body)
	}
	for i, raw := range got.Allow {
		if allow, _ := decision(t, raw); allow != story[i%len(story)].allow {
			t.Errorf("answer %d (%s): allow %v", i, story[i%len(story)].name, allow)
		}
	}

	status, body, _ = do(t, s, req{path: "/allowed/bulk", body: `[]`})
	if status != 200 || string(body) != `{"allow":[]}` {
		t.Errorf("empty bulk: %d %s", status, body)
	}
}

func TestAllTenants(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	// The tenant in the body is ignored: john@permit.io reads only in awesome_inc.
	_, body, _ := do(t, s, req{path: "/allowed/all-tenants", body: `{"user":{"key":"john@permit.io"},"action":"read","resource":{"type":"document","tenant":"default"}}`})
	var got struct {
		AllowedTenants []struct {
			Allow, Result bool
			Debug         json.RawMessage
			Tenant        struct {
				Key        string
				Attributes map[string]any
			}
		} `json:"allowed_tenants"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.AllowedTenants) != 1 {
		t.Fatalf("%s", body)
	}
	a := got.AllowedTenants[0]
	if !a.Allow || !a.Result || a.Tenant.Key != "awesome_inc" || a.Tenant.Attributes["plan"] != "pro" || len(a.Debug) == 0 {
		t.Errorf("%s", body)
	}
	_, body, _ = do(t, s, req{path: "/allowed/all-tenants", body: `{"user":{"key":"nobody"},"action":"read","resource":{"type":"document"}}`})
	if string(body) != `{"allowed_tenants":[]}` {
		t.Errorf("nobody: %s", body)
	}
}

func TestUserPermissionsAndAuthorizedUsers(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	eng := engine.New(policy.Demo())

	_, body, _ := do(t, s, req{path: "/user-permissions", body: `{"user":{"key":"jane@permit.io"},"tenants":null,"resources":null}`})
	var perms pdp.Permissions
	if err := json.Unmarshal(body, &perms); err != nil {
		t.Fatal(err)
	}
	want := roundTrip(t, eng.UserPermissions(pdp.PermissionsQuery{User: pdp.User{Key: "jane@permit.io"}}))
	if !reflect.DeepEqual(perms, want) || perms["document:roadmap"].Permissions == nil {
		t.Errorf("user-permissions:\n got %s\nwant %+v", body, want)
	}

	_, body, _ = do(t, s, req{path: "/authorized_users", body: `{"action":"update","resource":{"type":"document","key":"roadmap","tenant":"default"},"context":{}}`})
	var au pdp.AuthorizedUsers
	if err := json.Unmarshal(body, &au); err != nil {
		t.Fatal(err)
	}
	wantAU := roundTrip(t, eng.AuthorizedUsers(pdp.AuthorizedUsersQuery{Action: "update", Resource: pdp.Resource{Type: "document", Key: "roadmap", Tenant: "default"}}))
	if !reflect.DeepEqual(au, wantAU) || len(au.Users["jane@permit.io"]) == 0 {
		t.Errorf("authorized_users:\n got %s\nwant %+v", body, wantAU)
	}
}

// roundTrip is v as a client reads it back from JSON.
func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestHealthAndReady(t *testing.T) {
	s, _ := newServer(t, Config{Token: testToken})
	for _, p := range []string{"/health", "/healthy", "/ready"} {
		status, body, _ := do(t, s, req{method: "GET", path: p, auth: "-"})
		if status != 200 || string(body) != `{"status":"ok"}` {
			t.Errorf("%s: %d %s", p, status, body)
		}
	}
	s.draining.Store(true)
	if status, _, _ := do(t, s, req{method: "GET", path: "/ready", auth: "-"}); status != 503 {
		t.Errorf("/ready while draining: %d", status)
	}
	if status, _, _ := do(t, s, req{method: "GET", path: "/healthy", auth: "-"}); status != 200 {
		t.Errorf("/healthy while draining: %d", status)
	}
}

// TestAccessLog: one line per request with the fields a person needs, in
// text and JSON, and never a key, right or wrong.
func TestAccessLog(t *testing.T) {
	const wrong = "wrong-key-93ab"
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			lb := &logBuf{}
			var cfg Config
			cfg.Token = testToken
			if format == "json" {
				cfg.Log = slogJSON(lb)
			} else {
				cfg.Log = slogText(lb)
			}
			s, _ := newServer(t, cfg)
			do(t, s, req{path: "/allowed", body: johnCreates})
			do(t, s, req{path: "/allowed", body: johnCreates, auth: "Bearer " + wrong})
			do(t, s, req{path: "/allowed", body: johnCreates, auth: "Basic " + wrong})
			do(t, s, req{path: "/allowed", body: `{"user":"x"}`})
			out := lb.String()
			if strings.Contains(out, testToken) || strings.Contains(out, wrong) {
				t.Fatalf("the log holds a key:\n%s", out)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 4 {
				t.Fatalf("want 4 lines:\n%s", out)
			}
			if format == "json" {
				var first map[string]any
				if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
					t.Fatal(err)
				}
				for k, v := range map[string]any{"method": "POST", "path": "/allowed", "status": float64(200), "user": "john@smith.com", "action": "create", "resource": "document", "tenant": "default", "outcome": "allow"} {
					if first[k] != v {
						t.Errorf("%s = %v, want %v in %s", k, first[k], v, lines[0])
					}
				}
				if _, ok := first["latency"]; !ok {
					t.Errorf("no latency: %s", lines[0])
				}
				return
			}
			for _, want := range []string{"method=POST", "path=/allowed", "status=200", "user=john@smith.com", "action=create", "resource=document", "outcome=allow", "latency="} {
				if !strings.Contains(lines[0], want) {
					t.Errorf("no %s in %s", want, lines[0])
				}
			}
			if !strings.Contains(lines[1], "status=403") || !strings.Contains(lines[3], "status=422") || !strings.Contains(lines[3], "outcome=error") {
				t.Errorf("refusals:\n%s", out)
			}
		})
	}
}
