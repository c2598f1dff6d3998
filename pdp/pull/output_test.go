package pull

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp/permitapi/standin"
	"github.com/pdpx/pdpx/pdp/policy"
)

// largerDemo is the demo policy with enough users, instances and
// relationships that the file is encoded in several chunks on every core
// while the validation runs: under -race, the two must only read it.
func largerDemo(t *testing.T) *policy.Policy {
	t.Helper()
	p := freshDemo(t)
	for i := range 3*usersPerChunk + 5 {
		key := fmt.Sprintf("u%05d@x.io", i)
		p.Users[key] = &policy.User{Email: key, Attributes: map[string]any{"n": float64(i)},
			Roles: []policy.RoleAssignment{{Role: "viewer", Tenant: "default"}}}
	}
	for i := range 2*instancesPerChunk + 5 {
		doc := fmt.Sprintf("document:d%05d", i)
		p.ResourceInstances[doc] = &policy.Instance{Tenant: "default", Attributes: map[string]any{"hasApproval": "true"}}
		p.Relationships = append(p.Relationships, policy.Relationship{Subject: "folder:plans", Relation: "parent", Object: doc})
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("the test's policy is not valid:\n%v", err)
	}
	return p
}

// oldFile writes a previous file at path and returns what it holds.
func oldFile(t *testing.T, path string) []byte {
	t.Helper()
	old := []byte(`{"version": 1}` + "\n")
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	return old
}

// leftAsItWas fails unless dir holds path alone, with old in it.
func leftAsItWas(t *testing.T, dir, path string, old []byte) {
	t.Helper()
	if b, err := os.ReadFile(path); err != nil || !bytes.Equal(b, old) {
		t.Errorf("the previous file changed: %d bytes, %.60q..., %v", len(b), b, err)
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("files left in the directory: %v", es)
	}
}

// A pull with Output replaces the file with the policy it returns, which
// loads, and says how many bytes it wrote; the source header is in it.
func TestRunWritesOutput(t *testing.T) {
	want := largerDemo(t)
	srv := standin.New(want, testKey)
	defer srv.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "env.json")
	oldFile(t, path)
	got, err := Run(context.Background(), client(t, srv.URL, nil), Options{Version: "test", Output: path})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := Encode(got.Policy)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, enc) {
		t.Errorf("the file (%d bytes) is not Encode of the policy returned (%d bytes)", len(data), len(enc))
	}
	if got.Size != len(data) {
		t.Errorf("Size %d, the file holds %d bytes", got.Size, len(data))
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("the replaced file's mode became %v", st.Mode())
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("files left in the directory: %v", es)
	}
	p, err := policy.Load(path)
	if err != nil {
		t.Fatalf("the file does not load:\n%v", err)
	}
	if p.Source == nil || p.Source.PulledAt == "" || p.Source.Environment.Key == "" || p.Source.PdpxVersion != "test" {
		t.Errorf("the file's source header: %+v", p.Source)
	}
	if len(p.Users) != len(want.Users) || len(p.ResourceInstances) != len(want.ResourceInstances) || len(p.Relationships) != len(want.Relationships) {
		t.Errorf("the file holds %d users, %d instances, %d relationships; served %d, %d, %d",
			len(p.Users), len(p.ResourceInstances), len(p.Relationships), len(want.Users), len(want.ResourceInstances), len(want.Relationships))
	}
}

// invalidDemo fails validation: a user holds a role no one declared.
func invalidDemo(t *testing.T) *policy.Policy {
	t.Helper()
	p := largerDemo(t)
	p.Users["u00007@x.io"].Roles = append(p.Users["u00007@x.io"].Roles, policy.RoleAssignment{Role: "nosuchrole", Tenant: "default"})
	if p.Validate() == nil {
		t.Fatal("the invalid policy validates")
	}
	return p
}

// A policy that does not validate is not written, although its file is
// encoded and flushed beside the validation: the error is the one a pull
// without Output returns, the previous file is left as it was and no
// temporary file is left. The validation's error comes before the write's.
func TestWritePolicyInvalid(t *testing.T) {
	p := invalidDemo(t)
	want := check(p)
	if want == nil || !strings.HasPrefix(want.Error(), "the environment does not map to a valid policy; please report this") {
		t.Fatalf("check: %v", want)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "env.json")
	old := oldFile(t, path)
	size, err := writePolicy(context.Background(), path, p, nil)
	if err == nil || err.Error() != want.Error() {
		t.Errorf("wrote %d bytes; error %v, want %v", size, err, want)
	}
	if _, ok := errors.AsType[*WriteError](err); ok {
		t.Error("an invalid policy is reported as a write error")
	}
	leftAsItWas(t, dir, path, old)

	_, err = writePolicy(context.Background(), filepath.Join(dir, "missing", "env.json"), p, nil)
	if err == nil || err.Error() != want.Error() {
		t.Errorf("invalid, into a missing directory: %v, want the validation's error", err)
	}
	leftAsItWas(t, dir, path, old)
}

// A file that cannot be written is a *WriteError, worded as WriteWith
// words it; no file is made and the previous one is left as it was.
func TestRunOutputCannotWrite(t *testing.T) {
	srv := standin.New(freshDemo(t), testKey)
	defer srv.Close()
	dir := t.TempDir()
	locked := filepath.Join(dir, "locked")
	if err := os.Mkdir(locked, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(locked, 0o700)
	cases := []struct {
		name, path, want string
	}{
		{"missing directory", filepath.Join(dir, "missing", "env.json"), "cannot write next to"},
		{"a directory", locked, "is not a regular file"},
	}
	if f, err := os.CreateTemp(locked, "probe"); err == nil {
		// Root writes anywhere.
		f.Close()
		os.Remove(f.Name())
	} else {
		cases = append(cases, struct{ name, path, want string }{"read-only directory", filepath.Join(locked, "env.json"), "cannot write next to"})
	}
	for _, c := range cases {
		got, err := Run(context.Background(), client(t, srv.URL, nil), Options{Version: "test", Output: c.path})
		we, ok := errors.AsType[*WriteError](err)
		if got != nil || !ok || !strings.Contains(we.Error(), c.want) {
			t.Errorf("%s: %v, want a *WriteError saying %q", c.name, err, c.want)
		}
		if es, _ := os.ReadDir(locked); len(es) != 0 {
			t.Errorf("%s: files made: %v", c.name, es)
		}
		if es, _ := os.ReadDir(dir); len(es) != 1 {
			t.Errorf("%s: files made: %v", c.name, es)
		}
	}
}

// cancelOnEncode cancels the pull's context when encoded, which is then in
// the middle of writing the file.
type cancelOnEncode struct{ cancel context.CancelFunc }

func (c cancelOnEncode) MarshalJSON() ([]byte, error) {
	c.cancel()
	return []byte(`"x"`), nil
}

// A pull interrupted (Ctrl-C) while it writes its file stops with ctx's
// error, not a write's: the previous file is left as it was, and no
// temporary file.
func TestWritePolicyInterrupted(t *testing.T) {
	for _, at := range []string{"before", "during"} {
		t.Run(at, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p := largerDemo(t)
			if at == "before" {
				cancel()
			} else {
				p.Users[fmt.Sprintf("u%05d@x.io", usersPerChunk+3)].Attributes["c"] = cancelOnEncode{cancel}
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "env.json")
			old := oldFile(t, path)
			_, err := writePolicy(ctx, path, p, nil)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%v, want context.Canceled", err)
			}
			if _, ok := errors.AsType[*WriteError](err); ok {
				t.Error("an interrupted pull is reported as a write error")
			}
			leftAsItWas(t, dir, path, old)
		})
	}
}
