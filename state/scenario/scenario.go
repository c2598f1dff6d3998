// Package scenario reads, runs and writes scenario files: named checks with
// the outcome each must have, for `pdpx test` in CI, for `pdpx present`, and
// for the explorer's export of pinned history entries.
//
//	version: 1
//	title: The quickstart story        # optional, shown by pdpx present
//	tenant: default                    # optional: the tenant of checks that name none
//	checks:
//	  - name: john can create documents
//	    user: john@smith.com           # or {key, first_name, last_name, email, attributes}
//	    action: create
//	    resource: document             # or "document:key", or {type, key, tenant, attributes, context}
//	    tenant: default                # optional; null sends no tenant
//	    tenant_attributes: {}          # optional JIT tenant attributes
//	    context: {}                    # optional
//	    expect: allow                  # allow | deny | error
//	    expect_code: no_role_in_tenant # optional: a debug code that must be present
//	    narration: John is an admin.   # optional, shown by pdpx present
//
// An error outcome (a refused key, a timeout) passes only a check that
// expects error: it never passes as a deny.
package scenario

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/ytree"
)

// Problem and Problems are line-numbered mistakes in a scenario file.
type (
	Problem  = ytree.Problem
	Problems = ytree.Problems
)

// File is a parsed scenario file.
type File struct {
	Path  string
	Title string
	Cases []Case
}

// Case is one named check and what it must give.
type Case struct {
	Name  string
	Check pdp.Check
	// Expect is Allow, Deny or Error.
	Expect pdp.Outcome
	// ExpectCode, when set, must be the code of one of the decision's
	// rbac, abac or rebac reasons.
	ExpectCode string
	Narration  string
	// Line is where the case starts in the file.
	Line int
}

var (
	fileKeys = []string{"version", "title", "tenant", "checks"}
	caseKeys = []string{"name", "user", "action", "resource", "tenant", "tenant_attributes", "context",
		"expect", "expect_code", "narration"}
	userKeys     = []string{"key", "first_name", "last_name", "email", "attributes"}
	resourceKeys = []string{"type", "key", "tenant", "attributes", "context"}
)

// MaxFileSize is the largest scenario file pdpx reads: a scenario of
// thousands of checks is a few hundred KiB.
const MaxFileSize = 8 << 20

// Load reads and parses the scenario file at path.
func Load(path string) (*File, error) {
	return LoadContext(context.Background(), path)
}

// LoadContext is Load that stops reading when ctx is done. A file larger
// than MaxFileSize is a *pdp.TooLargeError naming it and the cap.
func LoadContext(ctx context.Context, path string) (*File, error) {
	data, err := pdp.ReadFile(ctx, path, MaxFileSize, "a scenario file")
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// scenarioRead is how a scenario file is read. It may be exported from a
// long history, so its aliases may stand for as many values as a policy's.
var scenarioRead = ytree.Options{Kind: "scenario", Root: "the scenario file", MaxDepth: 100, MaxExpansion: 100_000}

// Parse reads a scenario file from data; name is used in problems. Every
// mistake is reported at once, each with its line and column.
func Parse(name string, data []byte) (*File, error) {
	root, probs := ytree.Parse(name, data, scenarioRead)
	r := &ytree.Reader{File: name, Probs: probs}
	f := &File{Path: name}
	if root == nil {
		return nil, r.Probs.Err()
	}
	if root.Kind == ytree.Null {
		r.Errorf(&ytree.Node{Line: 1, Col: 1}, "the file is empty: it needs \"version: 1\" and a list of checks")
		return nil, r.Probs.Err()
	}
	entries, _ := r.Entries(root, "the scenario file", fileKeys)
	// The tenant of checks that name none: "default", as in Permit's SDKs,
	// unless the file says otherwise (null: no tenant).
	defTenant := pdp.DefaultTenant
	var checks *ytree.Node
	sawVersion := false
	for _, e := range entries {
		switch e.Key {
		case "version":
			sawVersion = true
			if e.Val.Kind != ytree.Number || e.Val.Num != 1 {
				r.Errorf(e.Val, "version must be 1")
			}
		case "title":
			f.Title, _ = r.String(e.Val, `"title"`)
		case "tenant":
			if e.Val.Kind == ytree.Null {
				defTenant = ""
			} else {
				defTenant, _ = r.String(e.Val, `"tenant"`)
			}
		case "checks":
			checks = e.Val
		}
	}
	if !sawVersion && root.Kind == ytree.Map {
		r.Errorf(root, "version is missing: start the file with \"version: 1\"")
	}
	switch {
	case checks == nil && root.Kind == ytree.Map:
		r.Errorf(root, "checks is missing: add a list of checks")
	case checks == nil:
	case checks.Kind != ytree.List:
		r.Errorf(checks, "checks must be a list, not %s", checks.Describe())
	case len(checks.Items) == 0:
		r.Errorf(checks, "checks is empty: add at least one check")
	default:
		names := map[string]int{}
		for i, item := range checks.Items {
			c, ok := parseCase(r, item, i+1, defTenant)
			if c.Name != "" {
				if first, dup := names[c.Name]; dup {
					r.Errorf(item, "check %q has the name of the check at line %d: names must be unique (they name the results)", c.Name, first)
					continue
				}
				names[c.Name] = c.Line
			}
			if ok {
				f.Cases = append(f.Cases, c)
			}
		}
	}
	if err := r.Probs.Err(); err != nil {
		return nil, err
	}
	return f, nil
}

func parseCase(r *ytree.Reader, n *ytree.Node, index int, defTenant string) (Case, bool) {
	before := len(r.Probs)
	c := Case{Line: n.Line}
	label := fmt.Sprintf("check %d", index)
	if nm := n.Get("name"); nm != nil && n.Kind == ytree.Map {
		if s, ok := nm.AsText(); ok && s != "" {
			label = fmt.Sprintf("check %q", s)
		}
	}
	entries, ok := r.Entries(n, label, caseKeys)
	if !ok {
		return c, false
	}
	have := map[string]bool{}
	tenant, tenantSet := defTenant, false
	for _, e := range entries {
		have[e.Key] = true
		field := label + ": " + e.Key
		switch e.Key {
		case "name":
			c.Name, _ = r.String(e.Val, field)
		case "user":
			c.Check.User, _ = parseUser(r, e.Val, field)
		case "action":
			if s, ok := r.String(e.Val, field); ok {
				if strings.TrimSpace(s) == "" {
					r.Errorf(e.Val, "%s is empty", field)
				}
				c.Check.Action = s
			}
		case "resource":
			c.Check.Resource, _ = parseResource(r, e.Val, field)
		case "tenant":
			tenantSet = true
			if e.Val.Kind == ytree.Null {
				tenant = ""
			} else {
				tenant, _ = r.String(e.Val, field)
			}
		case "tenant_attributes":
			c.Check.TenantAttributes, _ = r.Object(e.Val, field)
		case "context":
			c.Check.Context, _ = r.Object(e.Val, field)
		case "expect":
			s, _ := e.Val.AsText()
			switch s {
			case "allow":
				c.Expect = pdp.Allow
			case "deny":
				c.Expect = pdp.Deny
			case "error":
				c.Expect = pdp.Error
			default:
				r.Errorf(e.Val, "%s must be allow, deny or error, not %s", field, describeValue(e.Val))
			}
		case "expect_code":
			c.ExpectCode, _ = r.String(e.Val, field)
		case "narration":
			c.Narration, _ = r.String(e.Val, field)
		}
	}
	at := &ytree.Node{Line: n.Line, Col: n.Col}
	for _, k := range []string{"user", "action", "resource", "expect"} {
		if !have[k] {
			r.Errorf(at, "%s has no %s", label, k)
		}
	}
	// The resource's own tenant wins over the file's default; two explicit
	// tenants that disagree are a mistake.
	switch rt := c.Check.Resource.Tenant; {
	case rt != "" && tenantSet && rt != tenant:
		r.Errorf(at, "%s names tenant %q and resource tenant %q: keep one", label, tenant, rt)
	case rt == "":
		c.Check.Resource.Tenant = tenant
	}
	if c.Name == "" && have["user"] && have["action"] && have["resource"] {
		// A check without a name is named by what it asks.
		c.Name = c.Check.String()
	}
	return c, len(r.Probs) == before
}

func describeValue(n *ytree.Node) string {
	if s, ok := n.AsText(); ok {
		return fmt.Sprintf("%q", s)
	}
	return n.Describe()
}

func parseUser(r *ytree.Reader, n *ytree.Node, field string) (pdp.User, bool) {
	var u pdp.User
	if s, ok := n.AsText(); ok {
		if strings.TrimSpace(s) == "" {
			r.Errorf(n, "%s is empty: give the user's key", field)
			return u, false
		}
		u.Key = s
		return u, true
	}
	if n.Kind != ytree.Map {
		r.Errorf(n, "%s must be a key or a mapping {key, attributes}, not %s", field, n.Describe())
		return u, false
	}
	entries, _ := r.Entries(n, field, userKeys)
	for _, e := range entries {
		sub := field + "." + e.Key
		switch e.Key {
		case "key":
			u.Key, _ = r.String(e.Val, sub)
		case "first_name":
			u.FirstName, _ = r.String(e.Val, sub)
		case "last_name":
			u.LastName, _ = r.String(e.Val, sub)
		case "email":
			u.Email, _ = r.String(e.Val, sub)
		case "attributes":
			u.Attributes, _ = r.Object(e.Val, sub)
		}
	}
	if u.Key == "" {
		r.Errorf(n, "%s has no key", field)
		return u, false
	}
	return u, true
}

func parseResource(r *ytree.Reader, n *ytree.Node, field string) (pdp.Resource, bool) {
	var res pdp.Resource
	if s, ok := n.AsText(); ok {
		typ, key, err := pdp.ParseResource(s)
		if err != nil {
			r.Errorf(n, "%s: %v", field, err)
			return res, false
		}
		res.Type, res.Key = typ, key
		return res, true
	}
	if n.Kind != ytree.Map {
		r.Errorf(n, "%s must be \"type\", \"type:key\" or a mapping {type, key, tenant, attributes}, not %s", field, n.Describe())
		return res, false
	}
	entries, _ := r.Entries(n, field, resourceKeys)
	for _, e := range entries {
		sub := field + "." + e.Key
		switch e.Key {
		case "type":
			res.Type, _ = r.String(e.Val, sub)
		case "key":
			if e.Val.Kind != ytree.Null {
				res.Key, _ = r.String(e.Val, sub)
			}
		case "tenant":
			if e.Val.Kind != ytree.Null {
				res.Tenant, _ = r.String(e.Val, sub)
			}
		case "attributes":
			res.Attributes, _ = r.Object(e.Val, sub)
		case "context":
			res.Context, _ = r.Object(e.Val, sub)
		}
	}
	if res.Type == "" {
		r.Errorf(n, "%s has no type", field)
		return res, false
	}
	return res, true
}

// Result is what one case gave.
type Result struct {
	Case     Case
	Decision pdp.Decision
	// Pass is true when the outcome and the code are as expected.
	Pass bool
	// Why says what did not match ("" when Pass).
	Why string
}

// Codes lists the decision's reason codes as "rbac:code", in rbac, abac,
// rebac order.
func Codes(d pdp.Decision) []string {
	if d.Debug == nil {
		return nil
	}
	var out []string
	for _, m := range []struct {
		name string
		r    *pdp.Reason
	}{{"rbac", d.Debug.RBAC}, {"abac", d.Debug.ABAC}, {"rebac", d.Debug.ReBAC}} {
		if m.r != nil && m.r.Code != "" {
			out = append(out, m.name+":"+m.r.Code)
		}
	}
	return out
}

// Judge compares a decision with what the case expects.
func Judge(c Case, d pdp.Decision) Result {
	res := Result{Case: c, Decision: d}
	switch {
	case d.Outcome != c.Expect && d.Outcome == pdp.Error:
		// Said in words: an error is not the deny a check may have wanted.
		res.Why = fmt.Sprintf("expected %s, got an error: %s", c.Expect, d.ErrorText())
	case d.Outcome != c.Expect:
		res.Why = fmt.Sprintf("expected %s, got %s", c.Expect, d.Outcome)
	case c.ExpectCode != "" && !hasCode(d, c.ExpectCode):
		if d.Debug == nil {
			res.Why = fmt.Sprintf("expected code %s, but the target returned no debug object (a PDP needs PDP_DEBUG=true)", c.ExpectCode)
		} else {
			res.Why = fmt.Sprintf("expected code %s, got %s", c.ExpectCode, strings.Join(Codes(d), ", "))
		}
	default:
		res.Pass = true
	}
	return res
}

// hasCode accepts a bare code ("no_role_in_tenant") from any model, or one
// qualified with its model ("rbac:no_role_in_tenant").
func hasCode(d pdp.Decision, want string) bool {
	for _, c := range Codes(d) {
		if c == want || strings.SplitN(c, ":", 2)[1] == want {
			return true
		}
	}
	return false
}

// Run decides every case of f on t, in order, and judges each. A cancelled
// ctx stops the run; the results so far are returned.
func Run(ctx context.Context, t pdp.Target, f *File) []Result {
	out := make([]Result, 0, len(f.Cases))
	for _, c := range f.Cases {
		if ctx.Err() != nil {
			break
		}
		start := time.Now()
		d := t.Check(ctx, c.Check)
		if d.Latency == 0 {
			d.Latency = time.Since(start)
		}
		out = append(out, Judge(c, d))
	}
	return out
}
