package state

import (
	"strings"
	"testing"
	"time"
)

// stale_after sets when a pulled file is marked stale; without it, a day.
func TestConfigStaleAfter(t *testing.T) {
	c, err := ParseConfig("c.yaml", []byte("version: 1\nstale_after: 36h\nprofiles: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Stale() != 36*time.Hour {
		t.Errorf("stale_after 36h: %v", c.Stale())
	}
	c, err = ParseConfig("c.yaml", []byte("version: 1\nprofiles: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Stale() != DefaultStaleAfter || DefaultStaleAfter != 24*time.Hour {
		t.Errorf("default: %v", c.Stale())
	}
	for src, want := range map[string]string{
		"version: 1\nstale_after: 24\n":                       "c.yaml:2:14: stale_after must be a duration with its unit, such as 24h or 36h, not a number",
		"version: 1\nstale_after: 2d\n":                       `c.yaml:2:14: stale_after is "2d": want a positive duration such as 24h or 36h (hours are the largest unit)`,
		"version: 1\nstale_after: -1h\n":                      `c.yaml:2:14: stale_after is "-1h": want a positive duration`,
		"version: 1\nstale_aftr: 24h\n":                       `c.yaml:2:1: unknown key "stale_aftr"`,
		"version: 1\nprofiles:\n  a:\n    stale_after: 24h\n": `unknown key "stale_after" in profile "a"`,
	} {
		_, err := ParseConfig("c.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", src, err, want)
		}
	}
}
