package state

import (
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// A profile of kind authzen names any AuthZEN PDP: its URL is required,
// a policy does not apply, and its key sources are the usual ones.
func TestAuthZENProfile(t *testing.T) {
	c, err := ParseConfig("c.yaml", []byte(`version: 1
profiles:
  interop:
    kind: authzen
    url: https://pdp.example.com
    token_env: AUTHZEN_PDP_API_KEY
    default_tenant: default
`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Profile("interop")
	if err != nil || p.Kind != pdp.KindAuthZEN || p.URL != "https://pdp.example.com" || p.TokenEnv != "AUTHZEN_PDP_API_KEY" || p.DefaultTenant != "default" {
		t.Errorf("%+v %v", p, err)
	}
	if s := p.Spec(); s.Kind != pdp.KindAuthZEN || s.URL != "https://pdp.example.com" || !s.Remote() {
		t.Errorf("spec %+v", s)
	}
	_, err = ParseConfig("c.yaml", []byte("version: 1\nprofiles:\n  a:\n    kind: authzen\n  b:\n    kind: authzen\n    url: http://x\n    policy: p.yaml\n"))
	for _, want := range []string{`c.yaml:3:3: profile "a" is kind authzen: give the PDP's base URL with url:`, `c.yaml:5:3: profile "b" is kind authzen: policy applies to kind embedded only`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}
