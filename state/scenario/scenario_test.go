package scenario

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/state"
)

func demo() pdp.Target {
	return engine.NewTarget(engine.New(policy.Demo()), policy.DemoName, "")
}

// The repo's own scenario file passes on the demo policy, every check.
func TestDemoScenarioPasses(t *testing.T) {
	f, err := Load("../../scenarios/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 7 || f.Title == "" {
		t.Fatalf("%d cases, title %q", len(f.Cases), f.Title)
	}
	for _, r := range Run(context.Background(), demo(), f) {
		if !r.Pass {
			t.Errorf("%s (line %d): %s", r.Case.Name, r.Case.Line, r.Why)
		}
		if r.Case.ExpectCode == "" || r.Case.Narration == "" {
			t.Errorf("%s: every demo check has expect_code and narration", r.Case.Name)
		}
	}
}

func TestParseShapes(t *testing.T) {
	src := `version: 1
tenant: acme
checks:
  - user: alice
    action: read
    resource: document:d1
    expect: deny
  - name: full
    user: {key: bob, first_name: Bob, attributes: {age: 30, vip: true}}
    action: read
    resource: {type: document, key: d2, tenant: globex, attributes: {hasApproval: "true"}}
    tenant_attributes: {plan: pro}
    context: {ip: 10.0.0.1}
    expect: error
  - name: no tenant
    user: carol
    action: read
    resource: document
    tenant: null
    expect: allow
`
	f, err := Parse("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	a := f.Cases[0]
	if a.Name != "alice read document:d1 @acme" || a.Check.Resource.Tenant != "acme" || a.Expect != pdp.Deny || a.Line != 4 {
		t.Errorf("case 1: %+v", a)
	}
	b := f.Cases[1].Check
	want := pdp.Check{
		User:             pdp.User{Key: "bob", FirstName: "Bob", Attributes: map[string]any{"age": 30.0, "vip": true}},
		Action:           "read",
		Resource:         pdp.Resource{Type: "document", Key: "d2", Tenant: "globex", Attributes: map[string]any{"hasApproval": "true"}},
		Context:          map[string]any{"ip": "10.0.0.1"},
		TenantAttributes: map[string]any{"plan": "pro"},
	}
	if !reflect.DeepEqual(b, want) || f.Cases[1].Expect != pdp.Error {
		t.Errorf("case 2:\n got %#v\nwant %#v", b, want)
	}
	if c := f.Cases[2].Check; c.Resource.Tenant != "" {
		t.Errorf("tenant: null sends no tenant, got %q", c.Resource.Tenant)
	}
}

func TestParseEveryProblemWithItsLine(t *testing.T) {
	src := `version: 2
checks:
  - name: one
    user: alice
    acton: read
    resource: document
    expect: allow
  - name: two
    user: {attributes: {a: 1}}
    action: read
    resource: "a:b:c"
    expect: maybe
  - name: one
    user: bob
    action: read
    resource: document
    expect: deny
  - name: clash
    user: bob
    action: read
    resource: {type: document, tenant: x}
    tenant: y
    expect: deny
`
	_, err := Parse("bad.yaml", []byte(src))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want Problems, got %v", err)
	}
	for _, w := range []string{
		"bad.yaml:1:10: version must be 1",
		`bad.yaml:5:5: unknown key "acton" in check "one" (did you mean "action"?)`,
		`bad.yaml:3:5: check "one" has no action`,
		`bad.yaml:9:11: check "two": user has no key`,
		`bad.yaml:11:15: check "two": resource: resource "a:b:c" has more than one ':'`,
		`bad.yaml:12:13: check "two": expect must be allow, deny or error, not "maybe"`,
		`bad.yaml:13:5: check "one" has the name of the check at line 3`,
		`bad.yaml:18:5: check "clash" names tenant "y" and resource tenant "x": keep one`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in:\n%s", w, err)
		}
	}
}

func TestParseEmptyAndSyntax(t *testing.T) {
	for src, want := range map[string]string{
		"":                         "empty",
		"version: 1\n":             "checks is missing",
		"version: 1\nchecks: []\n": "checks is empty",
		"version: 1\nchecks: [\n":  "syntax",
		"- a\n- b\n":               "must be a mapping",
	} {
		_, err := Parse("f.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "f.yaml:") {
			t.Errorf("%q: got %v, want %q", src, err, want)
		}
	}
}

// An error is never a passing deny; it passes only a check expecting error.
func TestJudgeErrorIsNotADeny(t *testing.T) {
	errDecision := pdp.Decision{Outcome: pdp.Error, Err: errors.New("connection refused")}
	r := Judge(Case{Expect: pdp.Deny}, errDecision)
	if r.Pass || !strings.Contains(r.Why, "got an error: connection refused") {
		t.Errorf("deny vs error: %+v", r)
	}
	if r := Judge(Case{Expect: pdp.Error}, errDecision); !r.Pass {
		t.Errorf("error vs error: %+v", r)
	}
	deny := pdp.Decision{Outcome: pdp.Deny, Debug: &pdp.Debug{RBAC: &pdp.Reason{Code: "no_permission"}, ABAC: &pdp.Reason{Code: "disabled"}}}
	if r := Judge(Case{Expect: pdp.Deny, ExpectCode: "disabled"}, deny); !r.Pass {
		t.Errorf("bare code from abac: %+v", r)
	}
	if r := Judge(Case{Expect: pdp.Deny, ExpectCode: "rbac:disabled"}, deny); r.Pass || !strings.Contains(r.Why, "rbac:no_permission, abac:disabled") {
		t.Errorf("qualified code from the wrong model: %+v", r)
	}
	if r := Judge(Case{Expect: pdp.Deny, ExpectCode: "x"}, pdp.Decision{Outcome: pdp.Deny}); r.Pass || !strings.Contains(r.Why, "PDP_DEBUG") {
		t.Errorf("no debug object: %+v", r)
	}
	if r := Judge(Case{Expect: pdp.Allow}, deny); r.Pass || r.Why != "expected allow, got deny" {
		t.Errorf("mismatch: %+v", r)
	}
}

func TestFromEntriesRoundTrip(t *testing.T) {
	ctx := context.Background()
	tgt := demo()
	checks := []pdp.Check{
		{User: pdp.User{Key: "john@permit.io"}, Action: "read", Resource: pdp.Resource{Type: "document", Tenant: "default"}},
		{User: pdp.User{Key: "check@permit.io", Attributes: map[string]any{"location": "England", "department": "Engineering", "tags": []any{"a", 1.0}}},
			Action: "publish", Resource: pdp.Resource{Type: "document", Tenant: "default", Attributes: map[string]any{"hasApproval": "true", "note": `say "yes": now`}},
			Context: map[string]any{"true": "yes"}, TenantAttributes: map[string]any{"plan": "pro"}},
		{User: pdp.User{Key: "true"}, Action: "read", Resource: pdp.Resource{Type: "document", Key: "d: 1"}},
		{User: pdp.User{Key: "john@permit.io"}, Action: "read", Resource: pdp.Resource{Type: "document", Tenant: "default"}},
	}
	var entries []state.Entry
	for i, c := range checks {
		entries = append(entries, state.Entry{ID: int64(10 - i), Time: time.Now(), Check: c, Decision: tgt.Check(ctx, c)})
	}
	entries = append(entries, state.Entry{ID: 1, Check: checks[0], Decision: pdp.Decision{Outcome: pdp.Error, Err: errors.New("refused")}, Note: "the PDP was down"})
	text := FromEntries("pins", entries)
	f, err := Parse("pins.yaml", text)
	if err != nil {
		t.Fatalf("exported file does not parse: %v\n%s", err, text)
	}
	if f.Title != "pins" || len(f.Cases) != 5 {
		t.Fatalf("title %q, %d cases\n%s", f.Title, len(f.Cases), text)
	}
	// Oldest (lowest ID) first: the error entry, then checks in reverse.
	if f.Cases[0].Expect != pdp.Error || f.Cases[0].Narration != "the PDP was down" {
		t.Errorf("first case: %+v", f.Cases[0])
	}
	for i, c := range f.Cases[1:] {
		orig := checks[len(checks)-1-i]
		if !reflect.DeepEqual(c.Check, orig) {
			t.Errorf("case %d:\n got %#v\nwant %#v\n%s", i+1, c.Check, orig, text)
		}
	}
	if f.Cases[4].Name == f.Cases[1].Name {
		t.Error("duplicate names were not made unique")
	}
	// Running the export on the same target passes: it expects what was seen.
	for _, r := range Run(ctx, tgt, &File{Cases: f.Cases[1:]}) {
		if !r.Pass {
			t.Errorf("%s: %s", r.Case.Name, r.Why)
		}
	}
	if !bytes.Contains(text, []byte("expect_code: no_role_in_tenant")) {
		t.Errorf("a denial keeps its code:\n%s", text)
	}
}

func TestJUnitAndJSON(t *testing.T) {
	f, err := Load("../../scenarios/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f.Cases[2].Expect = pdp.Allow // one failure
	res := Run(context.Background(), demo(), f)
	res = append(res, Judge(Case{Name: "down", Expect: pdp.Deny}, pdp.Decision{Outcome: pdp.Error, Err: errors.New("refused")}))
	all := []FileResults{{Path: "demo.yaml", Results: res}}
	if p, fl, e := Counts(all); p != 6 || fl != 2 || e != 1 {
		t.Errorf("counts %d %d %d", p, fl, e)
	}
	var b bytes.Buffer
	if err := WriteJUnit(&b, all); err != nil {
		t.Fatal(err)
	}
	var parsed junitSuites
	if err := xml.Unmarshal(b.Bytes(), &parsed); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if parsed.Tests != 8 || parsed.Failures != 1 || parsed.Errors != 1 || len(parsed.Suites[0].Cases) != 8 {
		t.Errorf("junit: %+v", parsed)
	}
	if c := parsed.Suites[0].Cases[2]; c.Failure == nil || !strings.Contains(c.Failure.Message, "expected allow, got deny") {
		t.Errorf("failure case: %+v", c)
	}
	b.Reset()
	if err := WriteJSON(&b, "embedded: demo policy", all); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"passed": 6`, `"failed": 2`, `"expect_code": "no_role_in_tenant"`, `"error": "refused"`} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("json lacks %s", w)
		}
	}
}
