package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// jsonOut runs pdpx check --json and decodes the report.
func jsonOut(t *testing.T, args ...string) map[string]any {
	t.Helper()
	out, _ := run(t, "", append(append([]string{"check"}, args...), "--json")...)
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--json is not JSON: %v\n%s", err, out)
	}
	return r
}

func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func wantLines(t *testing.T, out string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(out, l) {
			t.Errorf("output lacks %q:\n%s", l, out)
		}
	}
}

// Done, 1: john@permit.io read document explains the missing role in
// default and offers awesome_inc.
func TestExplainMissingRole(t *testing.T) {
	out, code := run(t, "", "check", "john@permit.io", "read", "document", "--explain")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantLines(t, out,
		"john@permit.io has no role in default; they have roles in awesome_inc",
		"→ retry in awesome_inc (--tenant awesome_inc)",
		"1. retry in awesome_inc (john@permit.io has viewer there) → ALLOW",
		"john@permit.io would need viewer in default → ALLOW",
	)
	r := jsonOut(t, "john@permit.io", "read", "document")
	if a := path(r, "explanation", "cards", 0, "action"); !reflect.DeepEqual(a, map[string]any{
		"kind": "retry-in-tenant", "field": "tenant", "value": "awesome_inc", "label": "retry in awesome_inc"}) {
		t.Errorf("first card's action %v", a)
	}
	if f := path(r, "flips", 0); path(f, "change") != "tenant" || path(f, "to") != "awesome_inc" || path(f, "outcome") != "allow" {
		t.Errorf("first flip %v", f)
	}
	if path(r, "explanation", "flips") != nil {
		t.Error("the flips are printed twice")
	}
	if path(r, "debug", "rbac", "code") != "no_role_in_tenant" {
		t.Error("the report lost its debug object")
	}
}

var abacArgs = []string{"check@permit.io", "publish", "document", "-u", "location=England", "-u", "department=Engineering"}

// Done, 2: the ABAC check with hasApproval=true points at the type
// mismatch, and its first flip sends hasApproval as the string "true".
func TestExplainTypeMismatch(t *testing.T) {
	args := append(append([]string{"check"}, abacArgs...), "-r", "hasApproval=true", "--explain")
	out, code := run(t, "", args...)
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantLines(t, out,
		`✗ resource.hasApproval equals "true" (string) — got true (bool) ◀ first failing`,
		`1. send resource.attributes.hasApproval as "true" (string), not true (bool) → ALLOW`,
		`--resource-attr 'hasApproval="true"'`,
	)
	r := jsonOut(t, append(abacArgs, "-r", "hasApproval=true")...)
	f, _ := path(r, "flips", 0).(map[string]any)
	for k, v := range map[string]any{"change": "resource.attributes.hasApproval", "from": true, "to": "true", "outcome": "allow", "cost": "retype"} {
		if f[k] != v {
			t.Errorf("first flip %s = %#v, want %#v (%v)", k, f[k], v, f)
		}
	}
	if s, _ := f["summary"].(string); s == "" || path(f, "action", "kind") != "set-attribute" {
		t.Errorf("first flip lacks its summary or action: %v", f)
	}
	leaf := path(r, "explanation", "conditions", 0, "resource_set", "failing")
	if path(leaf, "expected_type") != "string" || path(leaf, "actual_type") != "bool" {
		t.Errorf("failing leaf %v", leaf)
	}
	// Following the flip allows.
	if out, code := run(t, "", append(append([]string{"check"}, abacArgs...), "-r", `hasApproval="true"`)...); code != 0 {
		t.Errorf("the flip does not allow: %s", out)
	}
}

// Done, 3: a check with departmnet=Engineering warns about the typo.
func TestExplainAttributeTypo(t *testing.T) {
	args := []string{"check", "check@permit.io", "publish", "document", "-u", "location=England", "-u", "departmnet=Engineering", "-r", `hasApproval="true"`}
	out, _ := run(t, "", append(args, "--explain")...)
	wantLines(t, out,
		"! user.departmnet is read by no condition and no schema, so it cannot change the decision; did you mean `department`?",
		"1. rename user.attributes.departmnet to `department` → ALLOW",
	)
	r := jsonOut(t, args[1:]...)
	w := path(r, "explanation", "warnings", 0)
	if path(w, "field") != "user.attributes.departmnet" || path(w, "suggestion") != "department" || path(w, "action", "kind") != "rename-attribute" {
		t.Errorf("warning %v", w)
	}
}

// An allow says what allowed it.
func TestExplainAllow(t *testing.T) {
	out, code := run(t, "", "check", "jane@permit.io", "update", "document:roadmap", "--explain")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantLines(t, out, "jane@permit.io has editor on document:roadmap through folder:plans#editor --parent--> document:roadmap#editor, which grants update")
	r := jsonOut(t, "jane@permit.io", "update", "document:roadmap")
	if path(r, "explanation", "allowed_by", 0, "model") != "rebac" || path(r, "flips") != nil {
		t.Errorf("allow report: %v", r["explanation"])
	}
}

// A remote PDP: without debug the card says how to turn it on; an error
// gets its card; there are never flips.
func TestExplainRemote(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer good" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		_, _ = w.Write([]byte(`{"allow": false, "result": false}`))
	}))
	defer srv.Close()
	out, code := run(t, "", "check", "--pdp", srv.URL, "--token", "good", "bob", "read", "document", "--explain")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantLines(t, out, "No reasons from the PDP", "PDP_DEBUG=true")
	out, code = run(t, "", "check", "--pdp", srv.URL, "--token", "bad", "bob", "read", "document", "--explain")
	if code != 2 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantLines(t, out, "API key rejected", "→ enter the API key (--token or PERMIT_API_KEY)")
	r := jsonOut(t, "--pdp", srv.URL, "--token", "good", "bob", "read", "document")
	if path(r, "explanation", "source") != "remote" || path(r, "flips") != nil || path(r, "explanation", "cards", 0, "code") != "debug_off" {
		t.Errorf("remote report %v", r["explanation"])
	}
}
