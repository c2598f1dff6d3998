package policy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// write puts data at path with a modification time of its own, so that
// every write makes a new stamp however fast the test runs.
func write(t *testing.T, path string, data []byte, at time.Time) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

func TestWatcherReadsSettledChangesOnceEach(t *testing.T) {
	path := filepath.Join(t.TempDir(), "env.yaml")
	at := time.Now()
	next := func() time.Time { at = at.Add(time.Minute); return at }
	write(t, path, DemoSource, next())
	w := NewWatcher(path)
	quiet := func(step string) {
		t.Helper()
		if c := w.Poll(); c.News || c.Policy != nil {
			t.Fatalf("%s: news %+v", step, c)
		}
	}
	quiet("the first look takes the file as the policy in use")
	quiet("no change")

	write(t, path, append(bytes.Clone(DemoSource), "\n# edited\n"...), next())
	quiet("a change waits a poll to settle")
	if c := w.Poll(); !c.News || c.Policy == nil || c.Err != nil {
		t.Fatalf("the settled change: %+v", c)
	}
	quiet("read once")

	write(t, path, append(bytes.Clone(DemoSource), "\n# edited\n"...), next())
	quiet("a touch settles")
	if c := w.Poll(); c.News || !errors.Is(c.Err, ErrUnchanged) {
		t.Fatalf("a touch without a change is news: %+v", c)
	}

	write(t, path, []byte("version: 1\nresources:\n  document: {actions: [read], relatoins: {}}\n"), next())
	quiet("a broken file settles")
	c := w.Poll()
	var probs Problems
	if !c.News || c.Policy != nil || !errors.As(c.Err, &probs) {
		t.Fatalf("a broken file: %+v", c)
	}
	quiet("its problems are said once")

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if c := w.Poll(); !c.News || c.Err == nil {
		t.Fatalf("a vanished file: %+v", c)
	}
	quiet("still gone")
	write(t, path, DemoSource, next())
	quiet("back: it settles")
	if c := w.Poll(); !c.News || c.Policy == nil {
		t.Fatalf("the file came back: %+v", c)
	}
}

func TestLoadWatchedMeasuresFromTheContentLoaded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "env.yaml")
	write(t, path, DemoSource, time.Now())
	p, w, err := LoadWatched(path)
	if err != nil || p == nil || w.Path() != path {
		t.Fatalf("%v %v", p, err)
	}
	if c := w.Reload(); c.News || !errors.Is(c.Err, ErrUnchanged) {
		t.Errorf("the content loaded is a change: %+v", c)
	}
	write(t, path, DemoSource, time.Now().Add(time.Hour))
	w.Poll()
	if c := w.Poll(); c.News {
		t.Errorf("a touch after loading is news: %+v", c)
	}
	write(t, path, append(bytes.Clone(DemoSource), '\n'), time.Now().Add(2*time.Hour))
	if c := w.Reload(); !c.News || c.Policy == nil {
		t.Errorf("Reload does not read a change at once: %+v", c)
	}
	if _, _, err := LoadWatched(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing file loads")
	}
}
