package cli

import (
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestMatrixGrid(t *testing.T) {
	out, code := run(t, "", "matrix", "--users", "john@smith.com,bob@acme.io,jane@permit.io", "--actions", "read,update,delete", "document:roadmap")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{
		`user \ action   read  update  delete`,
		`john@smith.com   ✓      ✓       ✓`,
		`bob@acme.io      ✓      ✗       ✗`,
		`jane@permit.io   ✓      ✓       ✗`,
		`3×3 · 6 allow · 3 deny · 0 error · embedded: demo policy`,
	}
	if len(lines) != len(want) {
		t.Fatalf("got\n%s", out)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %q, want %q", i, lines[i], want[i])
		}
	}
}

func TestMatrixJSONTypedAttributes(t *testing.T) {
	out, code := run(t, "", "matrix", "check@permit.io", "publish", "document", "--user-attr", "location=England",
		"--attr", "user.department=Engineering,Sales", "--attr", `resource.hasApproval="true",true`, "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var r struct {
		RowAxis string   `json:"row_axis"`
		Rows    []string `json:"rows"`
		Cols    []string `json:"cols"`
		Cells   [][]struct {
			Outcome string          `json:"outcome"`
			Allow   bool            `json:"allow"`
			Request json.RawMessage `json:"request"`
			Reasons []struct{ Model, Code string }
		} `json:"cells"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if r.RowAxis != "user.department" || len(r.Rows) != 2 || len(r.Cols) != 2 || r.Cols[0] != `"true"` {
		t.Fatalf("%+v", r)
	}
	got := r.Cells[0][0].Outcome + r.Cells[0][1].Outcome + r.Cells[1][0].Outcome + r.Cells[1][1].Outcome
	if got != "allowdenydenydeny" || !r.Cells[0][0].Allow || len(r.Cells[0][1].Reasons) == 0 {
		t.Fatalf("cells %s", got)
	}
	if !strings.Contains(strings.Join(strings.Fields(string(r.Cells[0][1].Request)), ""), `"hasApproval":true`) {
		t.Errorf("the bool was not sent as a bool: %s", r.Cells[0][1].Request)
	}
}

func TestMatrixCSVAndOrder(t *testing.T) {
	// --tenants comes first, so tenants are the rows.
	out, code := run(t, "", "matrix", "--tenants", "default,awesome_inc", "--users", "john@permit.io,john@smith.com", "read", "document", "--csv")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{`tenant\user`, "john@permit.io", "john@smith.com"}, {"default", "deny", "allow"}, {"awesome_inc", "allow", "deny"}}
	for i := range want {
		if strings.Join(recs[i], ",") != strings.Join(want[i], ",") {
			t.Errorf("row %d = %v, want %v", i, recs[i], want[i])
		}
	}
}

func TestMatrixErrorsAreNotDenials(t *testing.T) {
	out, code := run(t, "", "--pdp", "http://127.0.0.1:1", "--token", "k", "matrix", "--users", "a,b", "--actions", "read", "document")
	if code != 2 || strings.Contains(out, "✗") || strings.Count(out, "!") < 3 || !strings.Contains(out, "(2 cells)") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestMatrixUsage(t *testing.T) {
	for _, args := range [][]string{
		{"matrix", "--users", "a", "read", "document"},
		{"matrix", "--users", "a", "--actions", "read"},
		{"matrix", "--users", "a", "--users", "b", "read", "document"},
		{"matrix", "--users", "a", "--actions", "r", "document", "--json", "--csv"},
	} {
		if out, code := run(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
}

func TestPermissionsAndWho(t *testing.T) {
	out, code := run(t, "", "permissions", "jane@permit.io")
	if code != 0 || !strings.Contains(out, "instance document:roadmap") || !strings.Contains(out, "document:update  via editor") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	out, code = run(t, "", "permissions", "john@permit.io", "--tenant", "awesome_inc", "--json")
	var p struct {
		Grants []struct {
			Scope, Key, Permission string
			Roles                  []string
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &p) != nil || len(p.Grants) == 0 || p.Grants[0].Key != "awesome_inc" || p.Grants[0].Roles[0] != "viewer" {
		t.Fatalf("exit %d\n%s", code, out)
	}
	out, code = run(t, "", "who", "update", "document:roadmap")
	if code != 0 || !strings.Contains(out, "jane@permit.io  editor on document:roadmap") || !strings.Contains(out, "john@smith.com  admin in tenant default") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	out, code = run(t, "", "who", "read", "document", "--tenant", "awesome_inc", "--json")
	var w struct {
		Users []struct{ User, Role string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &w) != nil || len(w.Users) != 1 || w.Users[0].User != "john@permit.io" {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if out, code := run(t, "", "--pdp", "http://127.0.0.1:1", "--token", "k", "who", "read", "document"); code != 2 {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// A user with no role whose rights come from ABAC alone: erin owns
// record:105 (its owner attribute is her key, compared by a resource set
// with {ref: user.key}). What pdpx check allows, permissions and who list.
func TestPermissionsAndWhoByAttributes(t *testing.T) {
	pol := filepath.Join("testdata", "owners.yaml")
	if out, code := run(t, "", "--policy", pol, "check", "erin", "view", "record:105"); code != 0 {
		t.Fatalf("check: exit %d\n%s", code, out)
	}
	out, code := run(t, "", "--policy", pol, "permissions", "erin")
	if code != 0 || !strings.Contains(out, "instance record:105") || !strings.Contains(out, "record:view  attributes (no role)") ||
		strings.Contains(out, "record:106") || strings.Contains(out, "no permissions") {
		t.Fatalf("permissions erin: exit %d\n%s", code, out)
	}
	out, code = run(t, "", "--policy", pol, "permissions", "erin", "--json")
	var p struct {
		Grants []struct{ Scope, Key, Tenant, Permission string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &p) != nil || len(p.Grants) != 2 ||
		p.Grants[1] != (struct{ Scope, Key, Tenant, Permission string }{"instance", "record:105", "default", "record:view"}) {
		t.Fatalf("permissions erin --json: exit %d\n%s", code, out)
	}
	// frank views every record as a clerk (his tenant says so) and edits his own.
	out, code = run(t, "", "--policy", pol, "permissions", "frank")
	if code != 0 || !strings.Contains(out, "tenant default") || !strings.Contains(out, "instance record:106") ||
		!strings.Contains(out, "record:edit  attributes (no role)") || !strings.Contains(out, "record:view  via clerk") || strings.Contains(out, "record:105") {
		t.Fatalf("permissions frank: exit %d\n%s", code, out)
	}

	out, code = run(t, "", "--policy", pol, "who", "view", "record:105")
	if code != 0 || !strings.Contains(out, "erin   user set ops, resource set owned_records") || !strings.Contains(out, "frank  clerk in tenant default") {
		t.Fatalf("who view record:105: exit %d\n%s", code, out)
	}
	out, code = run(t, "", "--policy", pol, "who", "edit", "record:105", "--json")
	var w struct {
		Users []struct {
			User, Role, Resource string
			ABAC                 bool
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &w) != nil || len(w.Users) != 1 || w.Users[0].User != "erin" ||
		w.Users[0].Role != "ops" || w.Users[0].Resource != "owned_records" || !w.Users[0].ABAC {
		t.Fatalf("who edit record:105 --json: exit %d\n%s", code, out)
	}
	if out, code := run(t, "", "--policy", pol, "who", "edit", "record"); code != 0 || !strings.Contains(out, "nobody") {
		t.Fatalf("who edit record: exit %d\n%s", code, out)
	}
}
