package state

import (
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// A profile is a target spec with a name: Spec gives it to build, with the
// kind's URL and never the key, not even a literal one from the file.
func TestProfileSpec(t *testing.T) {
	path := writeConfig(t, `version: 1
profiles:
  local: {kind: pdp, token: literal-key, timeout: 2s}
  cloud: {kind: cloud, token_env: PERMIT_API_KEY}
  mine: {policy: ./env.yaml}
`, 0o600)
	c, err := LoadConfig(path, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]pdp.TargetSpec{
		"local": {Kind: pdp.KindPDP, URL: pdp.LocalPDPURL, Timeout: 2 * time.Second, Profile: "local"},
		"cloud": {Kind: pdp.KindCloud, URL: pdp.CloudPDPURL, Profile: "cloud"},
		"mine":  {Kind: pdp.KindEmbedded, Policy: c.Profiles[2].Policy, Profile: "mine"},
	}
	for _, p := range c.Profiles {
		if got := p.Spec(); got != want[p.Name] {
			t.Errorf("%s: %+v, want %+v", p.Name, got, want[p.Name])
		}
	}
	if c.Profiles[0].Token != "literal-key" {
		t.Error("the profile lost its literal key (ResolveToken reads it)")
	}
}
