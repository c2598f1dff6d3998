package permit

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/pdphttp"
)

// esc is a string a hostile PDP would like drawn on the terminal: it sets
// the window title, writes the clipboard, clears the screen and colors text.
const esc = "\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[31mred\x1b[0m\r"

// hasEscape reports any control character but newline and tab: ESC, BEL,
// CR, and the C1 controls (CSI, OSC, ST) that arrive as UTF-8.
func hasEscape(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0
}

func TestHugeBodyIsAnError(t *testing.T) {
	t.Parallel()
	big := `{"allow": true, "pad": "` + strings.Repeat("x", 1000) + `"}`
	c, _ := newFake(t, answer(200, big), WithMaxBody(64))
	d := c.Check(context.Background(), sampleCheck())
	e := errDecision(t, d, pdp.ErrorBadResponse)
	contains(t, e.Msg, "the PDP's response was larger than 64 bytes", c.URL())
	if len(d.Response) != 64 || string(d.Response) != big[:64] {
		t.Errorf("Response is %d bytes, want the first 64", len(d.Response))
	}

	// Exactly the cap is fine.
	exact := `{"allow": false}`
	c, _ = newFake(t, answer(200, exact), WithMaxBody(int64(len(exact))))
	if d := c.Check(context.Background(), sampleCheck()); d.Outcome != pdp.Deny {
		t.Errorf("a body of exactly the cap: %v %v", d.Outcome, d.Err)
	}

	if got := pdp.Size(8 << 20); got != "8 MiB" {
		t.Errorf("size(8 MiB) = %q", got)
	}
	if got := pdp.Size(64 << 10); got != "64 KiB" {
		t.Errorf("size(64 KiB) = %q", got)
	}
}

func TestEscapesAreStripped(t *testing.T) {
	t.Parallel()
	t.Run("error detail", func(t *testing.T) {
		t.Parallel()
		body, _ := json.Marshal(map[string]string{"detail": "engine " + esc + " failed\nline two"})
		c, _ := newFake(t, answer(502, string(body)))
		e := errDecision(t, c.Check(context.Background(), sampleCheck()), pdp.ErrorServer)
		if hasEscape(e.Msg) || hasEscape(e.Detail) || strings.Contains(e.Msg, "\n") {
			t.Errorf("escape or newline kept: %q", e.Msg)
		}
		contains(t, e.Msg, "engine", "red", "failed line two")
	})
	t.Run("plain text detail", func(t *testing.T) {
		t.Parallel()
		c, _ := newFake(t, answer(400, "bad "+esc+" body"))
		e := errDecision(t, c.Check(context.Background(), sampleCheck()), pdp.ErrorBadRequest)
		if hasEscape(e.Msg) {
			t.Errorf("escape kept: %q", e.Msg)
		}
	})
	t.Run("long detail is clipped", func(t *testing.T) {
		t.Parallel()
		body, _ := json.Marshal(map[string]string{"detail": strings.Repeat("é", 5000)})
		c, _ := newFake(t, answer(422, string(body)))
		e := errDecision(t, c.Check(context.Background(), sampleCheck()), pdp.ErrorBadRequest)
		if n := len([]rune(e.Detail)); n > pdphttp.MaxDetail+1 || !strings.HasSuffix(e.Detail, "…") {
			t.Errorf("detail is %d runes: %q…", n, e.Detail[:20])
		}
	})
	t.Run("debug reasons", func(t *testing.T) {
		t.Parallel()
		reason, _ := json.Marshal(esc + "bob has no role")
		body := `{"allow": false, "debug": {
		  "request": {"user": {"key": ` + string(reason) + `, "attributes": {` + string(reason) + `: [` + string(reason) + `]}}, "tenant": ` + string(reason) + `, "action": "read", "resource": {"type": "doc"}},
		  "rbac": {"allow": false, "code": ` + string(reason) + `, "reason": ` + string(reason) + `, "allowing_roles": [` + string(reason) + `]},
		  "rebac": {"allow": false, "code": "no_permission", "reason": "x", "allowing_roles": [{"role": ` + string(reason) + `, "resource": ` + string(reason) + `, "sources": [` + string(reason) + `]}]},
		  "abac": {"allow": false, "code": "no_matching_rules", "matching_usersets": [` + string(reason) + `], "allowing_rules": [{"userset": ` + string(reason) + `}]}}}`
		c, _ := newFake(t, answer(200, body))
		d := c.Check(context.Background(), sampleCheck())
		if d.Outcome != pdp.Deny || d.Debug == nil {
			t.Fatalf("outcome %v debug %v err %v", d.Outcome, d.Debug, d.Err)
		}
		all, _ := json.Marshal(d.Debug) // every string the UI could draw
		var decoded any
		_ = json.Unmarshal(all, &decoded)
		walkStrings(decoded, func(s string) {
			if hasEscape(s) {
				t.Errorf("escape kept in debug: %q", s)
			}
		})
		if d.Debug.RBAC.Reason != pdp.Removed+"red"+pdp.Removed+"bob has no role" {
			t.Errorf("rbac reason = %q", d.Debug.RBAC.Reason)
		}
		if string(d.Response) != body {
			t.Error("Response is not the raw body: cleaning is for what is drawn, not what is stored")
		}
	})
	t.Run("user-permissions and authorized users", func(t *testing.T) {
		t.Parallel()
		k, _ := json.Marshal("document:" + esc)
		c, _ := newFake(t, answer(200, `{`+string(k)+`: {"resource": {"key": `+string(k)+`, "type": "document", "attributes": {"a": `+string(k)+`}}, "permissions": [`+string(k)+`], "roles": [`+string(k)+`]}}`))
		perms, err := c.UserPermissions(context.Background(), pdp.PermissionsQuery{User: pdp.User{Key: "bob"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(perms)
		var decoded any
		_ = json.Unmarshal(b, &decoded)
		walkKeysAndStrings(decoded, func(s string) {
			if hasEscape(s) {
				t.Errorf("escape kept in permissions: %q", s)
			}
		})

		c, _ = newFake(t, answer(200, `{"resource": `+string(k)+`, "tenant": `+string(k)+`, "users": {`+string(k)+`: [{"user": `+string(k)+`, "tenant": "t", "resource": "r", "role": `+string(k)+`}]}}`))
		au, err := c.AuthorizedUsers(context.Background(), pdp.AuthorizedUsersQuery{Action: "read", Resource: pdp.Resource{Type: "document"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ = json.Marshal(au)
		_ = json.Unmarshal(b, &decoded)
		walkKeysAndStrings(decoded, func(s string) {
			if hasEscape(s) {
				t.Errorf("escape kept in authorized users: %q", s)
			}
		})
	})
	t.Run("tenant keys", func(t *testing.T) {
		t.Parallel()
		k, _ := json.Marshal("acme" + esc)
		c, _ := newFake(t, answer(200, `{"allowed_tenants": [{"allow": true, "tenant": {"key": `+string(k)+`, "attributes": {"x": `+string(k)+`}}}]}`))
		tds, err := c.AllTenants(context.Background(), sampleCheck())
		if err != nil {
			t.Fatal(err)
		}
		if tds[0].Tenant != "acme"+pdp.Removed+"red"+pdp.Removed || hasEscape(tds[0].TenantAttributes["x"].(string)) {
			t.Errorf("tenant %q attrs %v", tds[0].Tenant, tds[0].TenantAttributes)
		}
	})
	t.Run("redirect location", func(t *testing.T) {
		t.Parallel()
		// net/http itself refuses ESC and BEL in a header; C1 controls
		// arrive as UTF-8 and must be stripped by pdpx.
		c, _ := newFake(t, answer(302, "", "Location", "http://x/\u009b2J\u009d0;title\u009cred"))
		e := errDecision(t, c.Check(context.Background(), sampleCheck()), pdp.ErrorBadResponse)
		if hasEscape(e.Msg) {
			t.Errorf("escape kept: %q", e.Msg)
		}
	})
}

func walkStrings(v any, f func(string)) {
	switch t := v.(type) {
	case string:
		f(t)
	case map[string]any:
		for _, e := range t {
			walkStrings(e, f)
		}
	case []any:
		for _, e := range t {
			walkStrings(e, f)
		}
	}
}

func walkKeysAndStrings(v any, f func(string)) {
	if m, ok := v.(map[string]any); ok {
		for k, e := range m {
			f(k)
			walkKeysAndStrings(e, f)
		}
		return
	}
	if a, ok := v.([]any); ok {
		for _, e := range a {
			walkKeysAndStrings(e, f)
		}
		return
	}
	walkStrings(v, f)
}

// TestWrongTypes: a 200 whose allow is not a JSON bool is an Error, never a
// deny; a debug object of the wrong shape keeps the outcome.
func TestWrongTypes(t *testing.T) {
	t.Parallel()
	errs := map[string]string{
		"allow string":        `{"allow": "yes"}`,
		"allow number":        `{"allow": 1}`,
		"allow object":        `{"allow": {"value": true}}`,
		"allow null":          `{"allow": null}`,
		"no allow":            `{"decision": true}`,
		"result string":       `{"result": "false"}`,
		"wrong allow, result": `{"allow": "false", "result": false}`,
		"array":               `[true]`,
		"bare true":           `true`,
		"bare string":         `"allow"`,
		"truncated":           `{"allow": true, "debug": {"rbac": {`,
		"truncated early":     `{"all`,
		"trailing garbage":    `{"allow": true} {"allow": false}`,
		"not JSON":            `allow=true`,
		"empty":               ``,
		"html":                `<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>hi</body></html>`,
		"html no title":       `<html><body>It works</body></html>`,
	}
	for name, body := range errs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, _ := newFake(t, answer(200, body))
			d := c.Check(context.Background(), sampleCheck())
			e := errDecision(t, d, pdp.ErrorBadResponse)
			contains(t, e.Msg, "the PDP at "+c.URL()+" answered", "(is "+c.URL()+" a Permit PDP?)")
			if string(d.Response) != body || d.Status != 200 {
				t.Errorf("Response %q status %d: the raw answer must be kept", d.Response, d.Status)
			}
		})
	}

	c, _ := newFake(t, answer(200, `not json`))
	contains(t, c.Check(context.Background(), sampleCheck()).ErrorText(), "answered with something that is not JSON")
	c, _ = newFake(t, answer(200, errs["html"]))
	contains(t, c.Check(context.Background(), sampleCheck()).ErrorText(), `an HTML page titled "Welcome to nginx!"`)
	c, _ = newFake(t, answer(200, errs["allow string"]))
	contains(t, c.Check(context.Background(), sampleCheck()).ErrorText(), `answered "allow": "yes" (a string), not true or false`)
	c, _ = newFake(t, answer(200, errs["no allow"]))
	contains(t, c.Check(context.Background(), sampleCheck()).ErrorText(), `answered JSON without a boolean "allow"`)
	c, _ = newFake(t, answer(200, errs["truncated"]))
	contains(t, c.Check(context.Background(), sampleCheck()).ErrorText(), "cut off or malformed")

	// The debug object only explains: its shape never costs the decision.
	keeps := map[string]struct {
		body string
		want pdp.Outcome
		ok   func(*pdp.Debug) bool
	}{
		"debug number":  {`{"allow": false, "debug": 5}`, pdp.Deny, func(d *pdp.Debug) bool { return d == nil }},
		"debug string":  {`{"allow": true, "debug": "on"}`, pdp.Allow, func(d *pdp.Debug) bool { return d == nil }},
		"debug array":   {`{"allow": true, "debug": []}`, pdp.Allow, func(d *pdp.Debug) bool { return d == nil }},
		"debug null":    {`{"allow": true, "debug": null}`, pdp.Allow, func(d *pdp.Debug) bool { return d == nil }},
		"debug unknown": {`{"allow": true, "debug": {"opa": {"x": 1}}}`, pdp.Allow, func(d *pdp.Debug) bool { return d == nil }},
		"roles a number": {`{"allow": false, "debug": {"rbac": {"allow": false, "code": "x", "allowing_roles": 7}, "rebac": {"allow": false, "code": "no_permission"}}}`, pdp.Deny, func(d *pdp.Debug) bool {
			return d != nil && d.RBAC == nil && d.ReBAC != nil && d.ReBAC.Code == "no_permission"
		}},
		"rbac a string":     {`{"allow": false, "debug": {"rbac": "denied", "abac": {"allow": false, "code": "disabled"}}}`, pdp.Deny, func(d *pdp.Debug) bool { return d != nil && d.RBAC == nil && d.ABAC.Code == "disabled" }},
		"request of a kind": {`{"allow": true, "debug": {"request": [], "rbac": {"allow": true, "code": "allow"}}}`, pdp.Allow, func(d *pdp.Debug) bool { return d != nil && d.Request == nil && d.RBAC.Allow }},
	}
	for name, tt := range keeps {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, _ := newFake(t, answer(200, tt.body))
			d := c.Check(context.Background(), sampleCheck())
			if d.Outcome != tt.want || d.Err != nil {
				t.Fatalf("outcome %v err %v, want %v", d.Outcome, d.Err, tt.want)
			}
			if !tt.ok(d.Debug) {
				t.Errorf("debug = %+v", d.Debug)
			}
			if string(d.Response) != tt.body {
				t.Errorf("Response %q lost", d.Response)
			}
		})
	}
}

func TestHTMLErrorPage(t *testing.T) {
	t.Parallel()
	c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		_, _ = w.Write([]byte("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"))
	})
	e := errDecision(t, c.Check(context.Background(), sampleCheck()), pdp.ErrorServer)
	contains(t, e.Msg, `failed (HTTP 502): an HTML page titled "502 Bad Gateway"; check the PDP's logs`)
}

// TestTokenNeverLeaks runs every failure mode, including a PDP that echoes
// the Authorization header back, and looks for the key in every error text
// and every Decision field.
func TestTokenNeverLeaks(t *testing.T) {
	t.Parallel()
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			b, _ := json.Marshal(map[string]any{
				"detail": "you sent " + auth, "message": auth, "allow": false,
				"debug": map[string]any{"rbac": map[string]any{"allow": false, "code": auth, "reason": "key " + auth}},
			})
			answer(status, string(b), "Location", "http://x/?k="+auth)(w, r)
		}
	}
	statuses := []int{200, 301, 400, 401, 403, 404, 415, 422, 429, 500, 501, 502, 503, 418}
	for _, st := range statuses {
		c, _ := newFake(t, echo(st))
		d := c.Check(context.Background(), sampleCheck())
		noSecret(t, "check "+http.StatusText(st), d)
		ds, err := c.Bulk(context.Background(), []pdp.Check{sampleCheck()})
		noSecret(t, "bulk error", err)
		for _, d := range ds {
			noSecret(t, "bulk", d)
		}
		tds, err := c.AllTenants(context.Background(), sampleCheck())
		noSecret(t, "all-tenants", tds)
		noSecret(t, "all-tenants error", err)
		perms, err := c.UserPermissions(context.Background(), pdp.PermissionsQuery{User: pdp.User{Key: "bob"}})
		noSecret(t, "user-permissions", perms)
		noSecret(t, "user-permissions error", err)
		au, err := c.AuthorizedUsers(context.Background(), pdp.AuthorizedUsersQuery{Action: "read", Resource: pdp.Resource{Type: "doc"}})
		noSecret(t, "authorized users", au)
		noSecret(t, "authorized users error", err)
		noSecret(t, "health", c.Health(context.Background()))
	}
	// The echo reached the fake, so redaction was tested, not skipped.
	c, f := newFake(t, echo(200))
	c.Check(context.Background(), sampleCheck())
	if f.last(t).Header.Get("Authorization") != "Bearer "+testToken {
		t.Fatal("the key was not sent, so its echo was not tested")
	}

	// Transport failures.
	srv := hung(t)
	c, _ = New(srv.URL, testToken, WithTimeout(30*time.Millisecond))
	noSecret(t, "timeout", c.Check(context.Background(), sampleCheck()))
	c, _ = New("http://127.0.0.1:1", testToken, WithTimeout(time.Second))
	noSecret(t, "refused", c.Check(context.Background(), sampleCheck()))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	noSecret(t, "cancelled", c.Check(ctx, sampleCheck()))
	c, _ = newFake(t, answer(200, strings.Repeat("x", 100)), WithMaxBody(10))
	noSecret(t, "too large", c.Check(context.Background(), sampleCheck()))
}

// A key of any length is redacted where a PDP echoes it: in a body that is
// kept, in an error message, in a header that becomes part of one. A short
// key is redacted where it stands as a word (an echo), not inside longer
// words, and the answer is still decoded from what the PDP sent.
func TestShortKeyIsRedacted(t *testing.T) {
	t.Parallel()
	const key = "k3y"
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			if auth != "Bearer "+key {
				t.Errorf("sent Authorization %q", auth)
			}
			tok := strings.TrimPrefix(auth, "Bearer ")
			b, _ := json.Marshal(map[string]any{
				"detail": "you sent " + auth, "allow": true,
				"debug": map[string]any{"rbac": map[string]any{"allow": true, "code": tok, "reason": "key=" + tok + "; k3yboard stays"}},
			})
			answer(status, string(b), "Location", "http://x/?k="+tok)(w, r)
		}
	}
	t.Run("body", func(t *testing.T) {
		c, _ := newFakeKey(t, key, echo(200))
		d := c.Check(context.Background(), sampleCheck())
		if d.Outcome != pdp.Allow {
			t.Fatalf("outcome %v: %v", d.Outcome, d.Err)
		}
		dbg, _ := json.Marshal(d.Debug)
		for _, kept := range []string{string(d.Response), string(dbg)} {
			if strings.Contains(strings.ReplaceAll(kept, "k3yboard", ""), key) {
				t.Errorf("the key is kept: %s", kept)
			}
		}
		contains(t, string(d.Response), "you sent Bearer [redacted]")
		contains(t, d.Debug.RBAC.Reason, "key=[redacted]; k3yboard stays")
		ds, err := c.Bulk(context.Background(), []pdp.Check{sampleCheck()})
		if err == nil {
			t.Fatalf("a bulk answer without a list: %v", ds)
		}
	})
	t.Run("error message", func(t *testing.T) {
		c, _ := newFakeKey(t, key, echo(400))
		e := errDecision(t, c.Check(context.Background(), sampleCheck()), pdp.ErrorBadRequest)
		contains(t, e.Msg, "you sent Bearer [redacted]")
		if strings.Contains(e.Msg+e.Detail, " "+key) {
			t.Errorf("the key is in the error: %q", e.Msg)
		}
	})
	t.Run("header", func(t *testing.T) {
		c, _ := newFakeKey(t, key, echo(302))
		e := errDecision(t, c.Check(context.Background(), sampleCheck()), pdp.ErrorBadResponse)
		contains(t, e.Msg, "http://x/?k=[redacted]")
		if strings.Contains(e.Msg, "="+key) {
			t.Errorf("the key is in the error: %q", e.Msg)
		}
	})
	t.Run("a key that is a JSON word", func(t *testing.T) {
		// The echo is redacted; the answer is read from the bytes received.
		c, _ := newFakeKey(t, "true", answer(200, `{"allow": true, "debug": {"rbac": {"allow": true, "reason": "Bearer true"}}}`))
		d := c.Check(context.Background(), sampleCheck())
		if d.Outcome != pdp.Allow {
			t.Fatalf("outcome %v: %v", d.Outcome, d.Err)
		}
		if d.Debug.RBAC.Reason != "Bearer [redacted]" {
			t.Errorf("reason %q", d.Debug.RBAC.Reason)
		}
	})
	t.Run("cut at the size cap", func(t *testing.T) {
		c, _ := newFake(t, answer(200, `{"allow": true, "x": "`+testToken+`"}`), WithMaxBody(int64(len(`{"allow": true, "x": "`)+12)))
		d := c.Check(context.Background(), sampleCheck())
		noSecret(t, "cut", d)
		if strings.Contains(string(d.Response), testToken[:12]) || !strings.HasSuffix(string(d.Response), "[redacted]") {
			t.Errorf("the start of the key is kept: %q", d.Response)
		}
	})
}

func TestRedactKey(t *testing.T) {
	cases := []struct{ s, key, want string }{
		{"Bearer abc", "abc", "Bearer [redacted]"},
		{`{"k":"abc"}`, "abc", `{"k":"[redacted]"}`},
		{"abcdef abc", "abc", "abcdef [redacted]"},
		{"xabc abcx abc_ é" + "abc", "abc", "xabc abcx abc_ éabc"},
		{"?k=abc&x", "abc", "?k=[redacted]&x"},
		{"a.b-c", ".b", "a[redacted]-c"},
		{"inside permit_key_0123456789xyz too", "permit_key_0123456789", "inside [redacted]xyz too"},
		{"nothing", "", "nothing"},
	}
	for _, c := range cases {
		if got := redactKey(c.s, c.key); got != c.want {
			t.Errorf("redactKey(%q, %q) = %q, want %q", c.s, c.key, got, c.want)
		}
	}
}
