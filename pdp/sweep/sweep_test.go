package sweep

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/permit"
	"github.com/pdpx/pdpx/pdp/policy"
)

func demo() *engine.Target { return engine.NewTarget(engine.New(policy.Demo()), "demo policy", "") }

func mustAxis(t testing.TB, kind, spec string) Axis {
	t.Helper()
	a, err := ParseAxis(kind, spec)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestParseAxis(t *testing.T) {
	a := mustAxis(t, "--attr", `resource.hasApproval="true",true`)
	if a.Kind != Attribute || a.Attr != "resource.hasApproval" || len(a.Values) != 2 {
		t.Fatalf("%+v", a)
	}
	for _, bad := range [][2]string{
		{"colours", "a"}, {"users", ""}, {"users", "a,a"}, {"resources", "a:b:c"},
		{"attr", "department=x"}, {"attr", "user.=x"}, {"attr", "nope"},
	} {
		if _, err := ParseAxis(bad[0], bad[1]); err == nil {
			t.Errorf("ParseAxis(%q, %q) = nil error", bad[0], bad[1])
		}
	}
}

func TestMatrixTypedAttributes(t *testing.T) {
	base, _ := pdp.NewCheck("check@permit.io", "publish", "document", "", false)
	base.User.Attributes = map[string]any{"location": "England"}
	m, err := New(base, mustAxis(t, "attr", "user.department=Engineering,Sales"), mustAxis(t, "attr", `resource.hasApproval="true",true`))
	if err != nil {
		t.Fatal(err)
	}
	Fill(context.Background(), demo(), m)
	want := [][]pdp.Outcome{{pdp.Allow, pdp.Deny}, {pdp.Deny, pdp.Deny}}
	for r, row := range want {
		for c, o := range row {
			if got := m.Cells[r][c].Decision.Outcome; got != o {
				t.Errorf("cell %d,%d = %v, want %v (%s)", r, c, got, o, m.Cells[r][c].Check)
			}
		}
	}
	if got := m.Cells[0][0].Check.User.Attributes["location"]; got != "England" {
		t.Errorf("the base's own attributes were lost: %v", m.Cells[0][0].Check.User.Attributes)
	}
	if got := m.Cells[0][1].Check.Resource.Attributes["hasApproval"]; got != true {
		t.Errorf("true was not typed as a bool: %#v", got)
	}
	if _, err := New(base, mustAxis(t, "users", "a"), mustAxis(t, "users", "b")); err == nil {
		t.Error("two user axes accepted")
	}
}

func TestTenantsEmbedded(t *testing.T) {
	c, _ := pdp.NewCheck("john@permit.io", "read", "document", "", false)
	sw := InTenants(context.Background(), demo(), c)
	got := map[string]pdp.Outcome{}
	for _, r := range sw.Results {
		got[r.Tenant] = r.Decision.Outcome
	}
	if got["awesome_inc"] != pdp.Allow || got["default"] != pdp.Deny || len(got) != 2 {
		t.Fatalf("%v via %s", got, sw.Via)
	}
	if sw.Via != "all-tenants + bulk" {
		t.Errorf("via %q", sw.Via)
	}
}

func TestGrantAndWhoRows(t *testing.T) {
	e := demo()
	ps, _ := e.UserPermissions(context.Background(), pdp.PermissionsQuery{User: pdp.User{Key: "jane@permit.io"}})
	rows := GrantRows(ps, e.Engine().Policy())
	var saw bool
	for _, g := range rows {
		if g.Key == "document:roadmap" && g.Permission == "document:update" {
			saw = len(g.Roles) == 1 && g.Roles[0] == "editor"
		}
	}
	if !saw {
		t.Fatalf("no editor row for document:roadmap update: %+v", rows)
	}
	au, _ := e.AuthorizedUsers(context.Background(), pdp.AuthorizedUsersQuery{Action: "update", Resource: pdp.Resource{Type: "document", Key: "roadmap", Tenant: "default"}})
	who := WhoRows(au)
	if len(who) < 2 || who[0].User != "jane@permit.io" && who[0].User != "john@smith.com" {
		t.Fatalf("%+v", who)
	}
}

// bulkPDP answers /allowed/bulk (allow for "read", deny otherwise) and
// counts the requests and checks it got.
func bulkPDP(t testing.TB) (*permit.Client, *atomic.Int64, *atomic.Int64) {
	var reqs, checks atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/allowed/bulk" {
			http.Error(w, "only bulk here", http.StatusNotFound)
			return
		}
		reqs.Add(1)
		b, _ := io.ReadAll(r.Body)
		cs, err := pdp.DecodeChecks(b)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		checks.Add(int64(len(cs)))
		out := make([]map[string]any, len(cs))
		for i, c := range cs {
			out[i] = map[string]any{"allow": c.Action == "read"}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"allow": out})
	}))
	t.Cleanup(srv.Close)
	c, err := permit.New(srv.URL, "k")
	if err != nil {
		t.Fatal(err)
	}
	return c, &reqs, &checks
}

func TestRemoteMatrixIsChunkedBulk(t *testing.T) {
	c, reqs, checks := bulkPDP(t)
	base, _ := pdp.NewCheck("u", "read", "document", "", false)
	var users []string
	for i := range 50 {
		users = append(users, "user"+string(rune('a'+i%26))+strings.Repeat("x", i/26))
	}
	actions := "read,create,update,delete,publish,a6,a7,a8,a9,a10,a11,a12,a13,a14,a15,a16,a17,a18,a19,a20"
	m, err := New(base, mustAxis(t, "users", strings.Join(users, ",")), mustAxis(t, "actions", actions))
	if err != nil {
		t.Fatal(err)
	}
	Fill(context.Background(), c, m)
	if reqs.Load() != 10 || checks.Load() != 1000 {
		t.Fatalf("%d requests with %d checks, want 10 with 1000", reqs.Load(), checks.Load())
	}
	a, d, e := m.Counts()
	if a != 50 || d != 950 || e != 0 {
		t.Fatalf("allow %d deny %d error %d", a, d, e)
	}
}

func TestFailedBulkIsErrorNotDeny(t *testing.T) {
	c, err := permit.New("http://127.0.0.1:1", "k")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := pdp.NewCheck("u", "read", "document", "", false)
	m, _ := New(base, mustAxis(t, "users", "a,b"), mustAxis(t, "actions", "read"))
	Fill(context.Background(), c, m)
	for i := range m.Len() {
		if d := m.At(i).Decision; d.Outcome != pdp.Error || d.Err == nil {
			t.Fatalf("cell %d: %v %v", i, d.Outcome, d.Err)
		}
	}
	r := NewReport(m, "x")
	if r.Counts["error"] != 2 || r.Cells[0][0].Error == "" {
		t.Fatalf("%+v", r.Counts)
	}
}
