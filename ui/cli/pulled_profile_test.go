package cli

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/pull"
)

// The switcher's profiles name a pulled policy file, or a snapshot, by the
// environment and time in its header; a file without one is named by its
// path alone.
func TestProfilesNamePulledFiles(t *testing.T) {
	cfg := configFile(t, `version: 1
stale_after: 36h
profiles:
  prod:
    policy: prod.json
  prod-local:
    kind: pdp
    url: http://localhost:7766
    snapshot: prod.json
  mine:
    policy: mine.yaml
`)
	p, err := policy.Parse(policy.DemoName, policy.DemoSource)
	if err != nil {
		t.Fatal(err)
	}
	pulledAt := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	p.Source = &policy.Source{Project: policy.SourceRef{Key: "web"}, Environment: policy.SourceRef{Key: "production"}, PulledAt: pulledAt.Format(time.RFC3339)}
	data, err := pull.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(cfg)
	if err := os.WriteFile(filepath.Join(dir, "prod.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mine.yaml"), policy.DemoSource, 0o600); err != nil {
		t.Fatal(err)
	}
	got := profilesFunc(cfg)()
	if got.Err != "" || len(got.List) != 3 {
		t.Fatalf("profiles %+v", got)
	}
	for _, pr := range got.List[:2] {
		if pr.Environment != "web · production" || !pr.PulledAt.Equal(pulledAt) {
			t.Errorf("%s: environment %q, pulled at %v", pr.Name, pr.Environment, pr.PulledAt)
		}
	}
	if mine := got.List[2]; mine.Environment != "" || !mine.PulledAt.IsZero() {
		t.Errorf("mine has no header, yet: %+v", mine)
	}
	c, err := loadConfigAt(cfg)
	if err != nil || c.Stale() != 36*time.Hour {
		t.Errorf("stale_after: %v, %v", c, err)
	}
}
