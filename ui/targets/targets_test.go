package targets

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

func TestFromFlags(t *testing.T) {
	t.Setenv(TokenEnv, "env-key")
	t.Setenv(AuthZENTokenEnv, "")
	for _, tc := range []struct {
		name          string
		policy, url   string
		authzen       string
		cloud         bool
		token         string
		timeout       time.Duration
		want          pdp.TargetSpec
		wantErrSubstr string
	}{
		{name: "nothing: the demo policy", want: pdp.TargetSpec{Kind: pdp.KindEmbedded, Token: "env-key", Timeout: DefaultTimeout}},
		{name: "a policy file", policy: "env.yaml", timeout: time.Second,
			want: pdp.TargetSpec{Kind: pdp.KindEmbedded, Policy: "env.yaml", Token: "env-key", Timeout: time.Second}},
		{name: "a PDP, the flag's key", url: "http://pdp:7000", token: "flag-key",
			want: pdp.TargetSpec{Kind: pdp.KindPDP, URL: "http://pdp:7000", Token: "flag-key", Timeout: DefaultTimeout}},
		{name: "the cloud", cloud: true, want: pdp.TargetSpec{Kind: pdp.KindCloud, URL: pdp.CloudPDPURL, Token: "env-key", Timeout: DefaultTimeout}},
		{name: "two targets", policy: "env.yaml", cloud: true, wantErrSubstr: "choose one target"},
		// An AuthZEN PDP may be another vendor's: Permit's key is not its own.
		{name: "an AuthZEN PDP", authzen: "http://az:8080", want: pdp.TargetSpec{Kind: pdp.KindAuthZEN, URL: "http://az:8080", Timeout: DefaultTimeout}},
		{name: "an AuthZEN PDP and a PDP", authzen: "http://az:8080", url: "http://pdp:7000", wantErrSubstr: "choose one target"},
	} {
		got, err := FromFlags(tc.policy, tc.url, tc.authzen, tc.cloud, tc.token, tc.timeout, "")
		switch {
		case tc.wantErrSubstr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErrSubstr) {
				t.Errorf("%s: %v", tc.name, err)
			}
		case err != nil || got != tc.want:
			t.Errorf("%s: %+v %v, want %+v", tc.name, got, err, tc.want)
		}
	}
}

// Build makes the target a spec names, whoever made the spec: flags, a
// profile or the switcher.
func TestBuild(t *testing.T) {
	demo, err := Build(pdp.TargetSpec{})
	if err != nil || engine.Of(demo) == nil || demo.Describe().Name != "embedded: "+policy.DemoName {
		t.Fatalf("the zero spec: %v %v", demo, err)
	}
	local, err := Build(pdp.TargetSpec{Kind: pdp.KindPDP, Token: "k"})
	if err != nil || local.Describe().URL != pdp.LocalPDPURL || engine.Of(local) != nil {
		t.Errorf("a PDP without a URL: %+v %v", local, err)
	}
	cloud, err := Build(pdp.TargetSpec{Kind: pdp.KindCloud, Token: "k", Timeout: 3 * time.Second})
	if err != nil || cloud.Describe().Kind != pdp.KindCloud || cloud.Describe().ABAC {
		t.Errorf("the cloud: %+v %v", cloud.Describe(), err)
	}
	if tt, ok := pdp.Behind[interface{ Timeout() time.Duration }](cloud); !ok || tt.Timeout() != 3*time.Second {
		t.Errorf("the spec's timeout is not the client's")
	}
	// A PDP on another machine and the cloud PDP need a key; one on this
	// machine may go without (pdpx serve without --token).
	for _, sp := range []pdp.TargetSpec{{Kind: pdp.KindPDP, URL: "http://pdp.internal:7766", Token: "  "}, {Kind: pdp.KindCloud}} {
		if _, err := Build(sp); !errors.Is(err, ErrNoToken) {
			t.Errorf("no key for %s %s: %v", sp.Kind, sp.URL, err)
		}
	}
	for _, u := range []string{"", "http://localhost:7766", "http://127.0.0.1:7000", "http://[::1]:7766/"} {
		if _, err := Build(pdp.TargetSpec{Kind: pdp.KindPDP, URL: u}); err != nil {
			t.Errorf("a local PDP %q without a key: %v", u, err)
		}
	}
	// An AuthZEN PDP's key is optional.
	az, err := Build(pdp.TargetSpec{Kind: pdp.KindAuthZEN, URL: "http://az:8080"})
	if err != nil || az.Describe().Kind != pdp.KindAuthZEN || az.Describe().URL != "http://az:8080" {
		t.Errorf("an AuthZEN PDP: %v", err)
	}
	if _, err := Build(pdp.TargetSpec{Kind: "opa"}); err == nil || !strings.Contains(err.Error(), `"opa"`) {
		t.Errorf("an unknown kind: %v", err)
	}
	var probs policy.Problems
	if _, err := Build(pdp.TargetSpec{Policy: filepath.Join(t.TempDir(), "missing.yaml")}); err == nil || errors.As(err, &probs) {
		t.Errorf("a missing policy file: %v", err)
	}
}

func TestIsLocalURL(t *testing.T) {
	for u, want := range map[string]bool{
		"http://localhost:7766": true, "http://LOCALHOST": true, "http://127.0.0.1:7000": true, "http://127.1.2.3": true,
		"http://[::1]:7766": true, "http://pdp.localhost:80": true,
		"http://pdp.internal:7766": false, "https://cloudpdp.api.permit.io": false, "http://10.0.0.1": false,
		"http://localhost.evil.com": false, "http://[::2]": false, "not a url %": false,
	} {
		if got := IsLocalURL(u); got != want {
			t.Errorf("IsLocalURL(%q) = %v, want %v", u, got, want)
		}
	}
}

// A local PDP built without a key is sent none, and when it wants one its
// 401 says to give one: an error, never a deny.
func TestLocalPDPWithoutAKey(t *testing.T) {
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	tg, err := Build(pdp.TargetSpec{Kind: pdp.KindPDP, URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	c, err := pdp.NewCheck("john@permit.io", "read", "document", "", false)
	if err != nil {
		t.Fatal(err)
	}
	d := tg.Check(context.Background(), c)
	if len(auth) == 0 || auth[0] != "" {
		t.Errorf("Authorization sent: %q", auth)
	}
	if d.Outcome != pdp.Error || pdp.ErrorKindOf(d.Err) != pdp.ErrorAuth || !strings.Contains(d.Err.Error(), "asked for an API key") {
		t.Errorf("401 without a key: %v %v", d.Outcome, d.Err)
	}
}
