package pull

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/permitapi"
	"github.com/pdpx/pdpx/pdp/permitapi/standin"
	"github.com/pdpx/pdpx/pdp/policy"
)

const testKey = "permit_key_secret0123456789"

func client(t testing.TB, url string, mod func(*permitapi.Config)) *permitapi.Client {
	t.Helper()
	cfg := permitapi.Config{URL: url, Key: testKey, KeySource: "$PERMIT_API_KEY", Backoff: time.Millisecond, Timeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := permitapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pullFile pulls srv's environment into a file and loads it back as
// pdpx policy validate and --policy would.
func pullFile(t testing.TB, srv *standin.Server) (*Pulled, *policy.Policy) {
	t.Helper()
	got, err := Run(context.Background(), client(t, srv.URL, nil), Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := Encode(got.Policy)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "env.json")
	if err := WriteFile(path, data); err != nil {
		t.Fatal(err)
	}
	p, err := policy.Load(path)
	if err != nil {
		t.Fatalf("the pulled file does not load:\n%v", err)
	}
	return got, p
}

// sameDecisions compares every check's outcome under two policies.
func sameDecisions(t *testing.T, orig, pulled *policy.Policy, limit int) (allows int) {
	t.Helper()
	a, b := engine.New(orig), engine.New(pulled)
	checks := standin.Checks(orig, limit, 7)
	bad := 0
	for _, c := range checks {
		da, db := a.Decide(c), b.Decide(c)
		if da.Outcome != db.Outcome {
			if bad++; bad <= 10 {
				t.Errorf("%s %s %s:%s @%s: original %v, pulled %v", c.User.Key, c.Action, c.Resource.Type, c.Resource.Key, c.Resource.Tenant, da.Outcome, db.Outcome)
			}
		}
		if da.Allowed() {
			allows++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d checks decided differently", bad, len(checks))
	}
	return allows
}

func TestRoundTripDemo(t *testing.T) {
	orig := freshDemo(t)
	srv := standin.New(orig, testKey)
	defer srv.Close()
	got, p := pullFile(t, srv)
	allows := sameDecisions(t, orig, p, 0)
	if allows == 0 {
		t.Error("no check was allowed: the comparison shows nothing")
	}
	if len(got.NotKept) != 0 {
		t.Errorf("the demo policy lost something on the way: %q", got.NotKept)
	}
	if p.Source == nil || p.Source.Environment.Key != "production" || p.Source.Project.Key != "web" || p.Source.APIURL != srv.URL {
		t.Errorf("source header %+v", p.Source)
	}
	if got.Requests != int64(srv.Pages(100)+3) {
		t.Errorf("%d requests for %d pages and 3 to resolve the environment", got.Requests, srv.Pages(100))
	}
}

// An interrupted pull returns an error and nothing is written: the file a
// previous pull wrote stays as it was.
func TestInterruptedPullKeepsTheOldFile(t *testing.T) {
	srv := standin.New(freshDemo(t), testKey)
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "env.json")
	_, first := pullFile(t, srv)
	data, _ := Encode(first)
	if err := WriteFile(path, data); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv.Fault = func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		if strings.HasSuffix(r.URL.Path, "/relationship_tuples") {
			cancel()
			<-r.Context().Done()
			return true
		}
		return false
	}
	got, err := Run(ctx, client(t, srv.URL, nil), Options{})
	if err == nil || got != nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("Run = %v, %v", got, err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(data) {
		t.Error("the previous file changed")
	}
}

// WriteFile replaces a file in one step and keeps its mode; a write that
// cannot happen leaves no temporary file behind.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "env.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	b, _ := os.ReadFile(path)
	if string(b) != "new" || st.Mode().Perm() != 0o600 {
		t.Errorf("%q %v", b, st.Mode())
	}
	if err := WriteFile(dir, []byte("x")); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("writing over a directory: %v", err)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "env.json"), []byte("x")); err == nil {
		t.Error("writing into a missing directory worked")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

// freshDemo is a copy of the demo policy of the test's own: policy.Demo is
// shared, and the stand-in orders what it serves in place.
func freshDemo(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(policy.DemoName, policy.DemoSource)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
