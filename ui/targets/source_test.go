package targets

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/pull"
)

// The switcher names a pulled file by its header: read as pdpx pull
// writes it, and nothing for a file without one.
func TestReadSource(t *testing.T) {
	p, err := policy.Parse(policy.DemoName, policy.DemoSource)
	if err != nil {
		t.Fatal(err)
	}
	p.Source = &policy.Source{Project: policy.SourceRef{Key: "web"}, Environment: policy.SourceRef{Key: "production", Name: "Production"}, PulledAt: "2026-12-04T15:00:00Z"}
	dir := t.TempDir()
	pulled := filepath.Join(dir, "prod.json")
	f, err := os.Create(pulled)
	if err != nil {
		t.Fatal(err)
	}
	if err := pull.EncodeTo(f, p); err != nil {
		t.Fatal(err)
	}
	f.Close()
	src, err := ReadSource(pulled)
	if err != nil || src == nil {
		t.Fatalf("source %v, err %v", src, err)
	}
	env, at := SourceLabel(src)
	if env != "web · production" || !at.Equal(time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("label %q, pulled at %v", env, at)
	}

	p.Source = nil
	plain := filepath.Join(dir, "plain.json")
	f, _ = os.Create(plain)
	if err := pull.EncodeTo(f, p); err != nil {
		t.Fatal(err)
	}
	f.Close()
	yaml := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(yaml, policy.DemoSource, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{plain, yaml} {
		if src, err := ReadSource(path); src != nil || err != nil {
			t.Errorf("%s: source %+v, err %v", filepath.Base(path), src, err)
		}
	}
	if _, err := ReadSource(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("no error for a missing file")
	}
}
