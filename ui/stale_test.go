package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/paired"
	"github.com/pdpx/pdpx/ui/targets"
)

// pulledProfiles are profiles of pulled files, one fresh and one two days old.
func pulledProfiles() Profiles {
	return Profiles{Path: "/home/ada/.config/pdpx/config.yaml", Exists: true, List: []Profile{
		{Name: "prod", Kind: pdp.KindEmbedded, Where: "./prod.json", Environment: "web · production", PulledAt: fixedNow.Add(-2 * time.Hour)},
		{Name: "prod-local", Kind: pdp.KindPDP, Where: "http://localhost:7766", TokenSource: "env $PERMIT_API_KEY", Environment: "web · production", PulledAt: fixedNow.Add(-50 * time.Hour)},
		{Name: "mine", Kind: pdp.KindEmbedded, Where: "./env.yaml"},
	}}
}

// The switcher names a profile's pulled file by its environment and age,
// and marks one older than stale_after.
func TestSwitcherShowsPulledFilesAndTheirAge(t *testing.T) {
	for _, tt := range []struct {
		staleAfter time.Duration
		stale      bool
	}{{0, true}, {72 * time.Hour, false}} {
		h := newHarness(t, New(Options{Target: storyTarget(), Switch: (&profileSwitch{}).build, StaleAfter: tt.staleAfter,
			Profiles: func() Profiles { return pulledProfiles() }}), 140, 40, true)
		h.key("ctrl+t")
		v := plain(h.view())
		for _, want := range []string{"prod        web · production · pulled 2 h ago · embedded", "prod-local  web · production · pulled 2 d ago"} {
			if !strings.Contains(v, want) {
				t.Errorf("stale after %v: no %q:\n%s", tt.staleAfter, want, v)
			}
		}
		if strings.Contains(v, "pulled 2 d ago (stale)") != tt.stale || strings.Contains(v, "pulled 2 h ago (stale)") {
			t.Errorf("stale after %v: stale marks wrong:\n%s", tt.staleAfter, v)
		}
		if strings.Contains(v, "mine        pulled") || strings.Contains(v, "mine         · ") {
			t.Errorf("a file without a header is said to be pulled:\n%s", v)
		}
	}
}

// The header marks a snapshot older than stale_after, and only then.
func TestHeaderMarksAStaleSnapshot(t *testing.T) {
	snapAt := func(ago time.Duration) pdp.Target {
		snap, err := targets.LoadSnapshot(pulledDemo(t, ago))
		if err != nil {
			t.Fatal(err)
		}
		return paired.New(storyTarget(), snap)
	}
	for _, tt := range []struct {
		ago, staleAfter time.Duration
		want            string
	}{
		{2 * time.Hour, 0, ""},
		{30 * time.Hour, 0, "⚠ prod.json pulled 30 h ago: stale, pdpx pull refreshes it"},
		{30 * time.Hour, 48 * time.Hour, ""},
	} {
		h := newHarness(t, New(Options{Target: snapAt(tt.ago), StaleAfter: tt.staleAfter}), 140, 40, true)
		head := plain(strings.SplitN(h.view(), "\n", 2)[0])
		if tt.want == "" && strings.Contains(head, "stale") || tt.want != "" && !strings.Contains(head, tt.want) {
			t.Errorf("pulled %v ago, stale after %v: header %q", tt.ago, tt.staleAfter, head)
		}
	}
	// A pulled policy file behind the embedded engine is marked the same way.
	eng, err := targets.Embedded(pulledDemo(t, 5*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, New(Options{Target: eng}), 140, 40, true)
	if head := plain(strings.SplitN(h.view(), "\n", 2)[0]); !strings.Contains(head, "⚠ prod.json pulled 5 d ago: stale") {
		t.Errorf("header %q", head)
	}
}
