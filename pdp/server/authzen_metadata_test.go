package server

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestAuthZENHeaders: C-2-5 and C-5-4, X-Request-ID on every answer, errors
// too; the key refused with 401 and a challenge.
func TestAuthZENHeaders(t *testing.T) {
	s := azServer(t, "authzen-cert.yaml")
	ok := `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"}}`
	const id = "bfe9eb29-ab87-4ca3-be83-a1d5d8305716"
	for _, tc := range []struct {
		name   string
		r      azReq
		status int
	}{
		{"evaluation", azReq{path: "/access/v1/evaluation", body: ok}, 200},
		{"evaluations", azReq{path: "/access/v1/evaluations", body: `{"evaluations":[` + ok + `]}`}, 200},
		{"search", azReq{path: "/access/v1/search/action", body: `{"subject":{"type":"user","id":"alice"},"resource":{"type":"record","id":"record-1"}}`}, 200},
		{"metadata", azReq{method: "GET", path: "/.well-known/authzen-configuration"}, 200},
		{"malformed", azReq{path: "/access/v1/evaluation", body: `{`}, 400},
		{"no key", azReq{path: "/access/v1/evaluation", body: ok, header: map[string]string{"Authorization": ""}}, 401},
		{"wrong key", azReq{path: "/access/v1/evaluation", body: ok, header: map[string]string{"Authorization": "Bearer nope"}}, 401},
		{"wrong scheme", azReq{path: "/access/v1/search/subject", body: ok, header: map[string]string{"Authorization": "Basic " + testToken}}, 401},
		{"wrong method", azReq{method: "GET", path: "/access/v1/evaluation"}, 405},
		{"Permit route", azReq{path: "/allowed", body: `{"user":{"key":"alice"},"action":"read","resource":{"type":"record"}}`}, 200},
		{"evaluations written in parts", azReq{path: "/access/v1/evaluations", body: `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"record","id":"record-1"},"evaluations":[` + strings.Repeat(`{},`, 999) + `{}]}`}, 200},
	} {
		tc.r.header = mergeHeader(tc.r.header, "X-Request-ID", id)
		status, body, h := azDo(t, s, tc.r)
		if status != tc.status {
			t.Errorf("%s: HTTP %d, want %d: %s", tc.name, status, tc.status, body)
		}
		if got := h.Get("X-Request-ID"); got != id {
			t.Errorf("%s: X-Request-ID %q", tc.name, got)
		}
		if status == 401 && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: 401 without a Bearer challenge", tc.name)
		}
	}
	// C-2-5-2: no id, no failure, no id made up.
	status, _, h := azDo(t, s, azReq{path: "/access/v1/evaluation", body: ok})
	if status != 200 || h.Get("X-Request-ID") != "" {
		t.Errorf("without an id: %d %q", status, h.Get("X-Request-ID"))
	}
	// Permit's own routes keep Permit's statuses.
	if status, _, _ := azDo(t, s, azReq{path: "/allowed", body: `{}`, header: map[string]string{"Authorization": "Bearer nope"}}); status != 403 {
		t.Errorf("/allowed with a wrong key: %d, want Permit's 403", status)
	}
}

func mergeHeader(h map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for hk, hv := range h {
		out[hk] = hv
	}
	return out
}

// TestAuthZENMetadata: C-6, every endpoint listed at the URL clients reach
// the server at: the Host, a proxy's forwarded headers, or --public-url.
func TestAuthZENMetadata(t *testing.T) {
	s := azServer(t, "authzen-cert.yaml")
	all := func(base string) map[string]string {
		return map[string]string{
			"policy_decision_point":       base,
			"access_evaluation_endpoint":  base + "/access/v1/evaluation",
			"access_evaluations_endpoint": base + "/access/v1/evaluations",
			"search_subject_endpoint":     base + "/access/v1/search/subject",
			"search_resource_endpoint":    base + "/access/v1/search/resource",
			"search_action_endpoint":      base + "/access/v1/search/action",
		}
	}
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   string
	}{
		{"Host", map[string]string{"Host": "pdp.test:9000"}, "http://pdp.test:9000"},
		{"X-Forwarded", map[string]string{"Host": "127.0.0.1:7766", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "pdp.example.com"}, "https://pdp.example.com"},
		{"X-Forwarded-Port", map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "pdp.example.com", "X-Forwarded-Port": "8443"}, "https://pdp.example.com:8443"},
		{"default port", map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "pdp.example.com", "X-Forwarded-Port": "443"}, "https://pdp.example.com"},
		{"chain", map[string]string{"X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "edge.example.com, inner:80"}, "https://edge.example.com"},
		{"prefix", map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gw.example.com", "X-Forwarded-Prefix": "/pdp/"}, "https://gw.example.com/pdp"},
		{"Forwarded", map[string]string{"Forwarded": `for=192.0.2.60;proto=https;host="pdp.example.com:444", for=10.0.0.1`}, "https://pdp.example.com:444"},
		{"hostile host", map[string]string{"Host": "pdp.test", "X-Forwarded-Host": "evil.example/x?y"}, "http://pdp.test"},
		{"hostile scheme", map[string]string{"Host": "pdp.test", "X-Forwarded-Proto": "javascript"}, "http://pdp.test"},
	} {
		// No key: discovery comes before a client knows where to send one.
		status, body, h := azDo(t, s, azReq{method: "GET", path: "/.well-known/authzen-configuration", header: mergeHeader(tc.header, "Authorization", "")})
		var got map[string]string
		if status != 200 || h.Get("Content-Type") != "application/json" || json.Unmarshal(body, &got) != nil {
			t.Fatalf("%s: %d %s", tc.name, status, body)
		}
		if want := all(tc.want); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", tc.name, got, want)
		}
	}

	s, _ = newServer(t, Config{Token: testToken, PublicURL: "https://pdp.example.com/base/"})
	_, body, _ := azDo(t, s, azReq{method: "GET", path: "/.well-known/authzen-configuration", header: map[string]string{"X-Forwarded-Host": "other.example.com"}})
	var got map[string]string
	if json.Unmarshal(body, &got) != nil || !reflect.DeepEqual(got, all("https://pdp.example.com/base")) {
		t.Errorf("public URL: %s", body)
	}
	for _, bad := range []string{"pdp.example.com", "ftp://pdp.example.com", "https://user:pw@pdp.example.com", "https://pdp.example.com/?x=1", "https://"} {
		if _, err := New(Config{PublicURL: bad}); err == nil {
			t.Errorf("public URL %q accepted", bad)
		}
	}
}
