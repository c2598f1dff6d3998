package policy

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestAnchorsAndMergeKeys(t *testing.T) {
	p := mustLoad(t, "testdata/anchors.yaml")
	if got := p.Actions("folder"); !reflect.DeepEqual(got, []string{"read", "create", "update", "delete"}) {
		t.Errorf("alias: folder actions = %v", got)
	}
	if a := p.Roles["auditor"]; a.Name != "Auditor" || len(a.Permissions) != 2 {
		t.Errorf("merge key: auditor = %+v", a)
	}
	if !reflect.DeepEqual(p.Tenants["other"].Attributes, map[string]any{"plan": "pro", "seats": float64(3)}) {
		t.Errorf("alias of attributes: %v", p.Tenants["other"].Attributes)
	}
}

// TestNumbersAreFloat64: every number in attributes and condition values is
// a float64, as encoding/json would make it, whatever YAML spelling it had.
func TestNumbersAreFloat64(t *testing.T) {
	src := `version: 1
tenants:
  t:
    attributes:
      int: 3
      neg: -7
      float: 2.5
      exp: 1e3
      hex: 0x10
      big: 18446744073709551615
      list: [1, 2.0, {n: 4}]
      quoted: "3"
      tagged: !!str 3
user_sets:
  s:
    conditions:
      allOf:
        - user.n: {equals: 3}
        - user.l: {in: [1, 2]}
        - user.o: {equals: {deep: {n: 5}}}
`
	p, err := Parse("n.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"int": float64(3), "neg": float64(-7), "float": 2.5, "exp": float64(1000), "hex": float64(16),
		"big": float64(18446744073709551615), "list": []any{float64(1), float64(2), map[string]any{"n": float64(4)}},
		"quoted": "3", "tagged": "3",
	}
	if got := p.Tenants["t"].Attributes; !reflect.DeepEqual(got, want) {
		t.Errorf("attributes:\n got %#v\nwant %#v", got, want)
	}
	conds := p.UserSets["s"].Conditions.AllOf
	for i, want := range []any{float64(3), []any{float64(1), float64(2)}, map[string]any{"deep": map[string]any{"n": float64(5)}}} {
		if !reflect.DeepEqual(conds[i].Value, want) {
			t.Errorf("condition %d value: got %#v, want %#v", i, conds[i].Value, want)
		}
	}
	if p.Version != 1 {
		t.Errorf("version = %d", p.Version)
	}
}

// TestFlowListInFlowMapping guards against goccy/go-yaml reading
// {permissions: [document:read]} as a list holding the mapping {document: read}.
func TestFlowListInFlowMapping(t *testing.T) {
	src := "version: 1\nresources: {document: {actions: [read]}}\nroles:\n  r: {permissions: [document:read, \"document:read\"]}\nusers:\n  u: {roles: [{role: r, tenant: t}], attributes: {tags: [a:b, 'c:d', x: y]}}\ntenants: {t: {}}\n"
	p, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Roles["r"].Permissions; !reflect.DeepEqual(got, []string{"document:read", "document:read"}) {
		t.Errorf("permissions = %#v", got)
	}
	// "x: y" with a space is a one-entry mapping, as YAML says.
	want := []any{"a:b", "c:d", map[string]any{"x": "y"}}
	if got := p.Users["u"].Attributes["tags"]; !reflect.DeepEqual(got, want) {
		t.Errorf("tags = %#v, want %#v", got, want)
	}
}

func TestNullMeansEmpty(t *testing.T) {
	p, err := Parse("p.yaml", []byte("version: 1\ntenants:\n  default:\n  other: ~\nusers:\n  bob:\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Tenants["default"] == nil || p.Tenants["other"] == nil || p.Users["bob"] == nil {
		t.Errorf("a bare key must give an empty entry, not a nil one: %+v %+v", p.Tenants, p.Users)
	}
}

// TestRunawayAliases: an alias inside its own anchor, or aliases that expand
// exponentially, end with a problem rather than a hang or a crash.
func TestRunawayAliases(t *testing.T) {
	bomb := "version: 1\ntenants:\n  t:\n    attributes:\n      a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 1; i <= 8; i++ {
		bomb += fmt.Sprintf("      a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	want := map[string]string{
		"self":  "alias *a expands without end or to too many values",
		"bomb":  "the aliases of this file expand to more than 100000 values",
		"nests": "the policy nests more than 200 levels deep",
	}
	for name, src := range map[string]string{
		"self":  "version: 1\ntenants:\n  t:\n    attributes: &a {x: *a}\n",
		"bomb":  bomb,
		"nests": "version: 1\ntenants:\n  t:\n    attributes: {x: " + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "}\n",
	} {
		t.Run(name, func(t *testing.T) {
			probs := problemsOf(t, "r.yaml", []byte(src))
			if len(probs) != 1 || !strings.Contains(probs[0].Msg, want[name]) {
				t.Errorf("got %v", probs)
			}
		})
	}
}

// TestYAMLForms: the YAML spellings a person may use read as the JSON they
// stand for.
func TestYAMLForms(t *testing.T) {
	src := `version: 1.0
resources:
  document:
    actions: [read]
    attributes: {created: time, size: number}
    roles: {editor: {permissions: [read]}}
tenants:
  base: &base {attributes: {plan: free, seats: 1}}
  2024:
    <<: [*base, {name: ignored, attributes: {x: 1}}]
    name: |
      Twenty
      Twenty-Four
  true: {name: !!str 3}
resource_instances:
  "document:d1": {attributes: {created: "2024-01-01T00:00:00Z", size: 1e2}}
`
	p, err := Parse("forms.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != 1 {
		t.Errorf("version 1.0 = %d", p.Version)
	}
	if got := p.TenantKeys(); !reflect.DeepEqual(got, []string{"2024", "base", "true"}) {
		t.Errorf("keys = %v", got)
	}
	if got := p.Tenants["2024"]; got.Name != "Twenty\nTwenty-Four\n" || !reflect.DeepEqual(got.Attributes, map[string]any{"plan": "free", "seats": 1.0}) {
		t.Errorf("merged tenant = %+v", got)
	}
	if got := p.Tenants["true"].Name; got != "3" {
		t.Errorf("!!str 3 = %q", got)
	}
	if got := p.ResourceInstances["document:d1"].Attributes["size"]; got != 100.0 {
		t.Errorf("1e2 = %#v", got)
	}
	// A time attribute holds a string; a number there is a mistake.
	bad := strings.Replace(src, `created: "2024-01-01T00:00:00Z"`, `created: 2024`, 1)
	checkProblems(t, problemsOf(t, "forms.yaml", []byte(bad)), []string{
		`forms.yaml:16:41: attribute "created" of document:d1 is a number, but document's schema declares it a time`,
	})
	// A resource role assigned as a tenant role gets told how to hold it.
	bad = src + "users:\n  u: {roles: [{role: editor, tenant: base}]}\n"
	checkProblems(t, problemsOf(t, "forms.yaml", []byte(bad)), []string{
		`forms.yaml:18:22: role assignment names unknown role "editor": "editor" is a role of document, held on an instance: write resource: "document:<key>" instead of a tenant`,
	})
}

// TestByteOrderMark: a file an editor saved with a UTF-8 byte order mark
// reads as the same file without one, YAML and JSON alike.
func TestByteOrderMark(t *testing.T) {
	for name, src := range map[string]string{
		"p.yaml": "\uFEFFversion: 1\ntenants: {t: {}}\n",
		"p.json": "\uFEFF{\"version\": 1, \"tenants\": {\"t\": {}}}",
	} {
		p, err := Parse(name, []byte(src))
		if err != nil || p.Tenants["t"] == nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Positions are the file's own: the mark takes no column.
	probs := problemsOf(t, "p.yaml", []byte("\uFEFFversion: 1\ntenant: {}\n"))
	checkProblems(t, probs, []string{`p.yaml:2:1: unknown key "tenant" in the policy (did you mean "tenants"?)`})
}

// TestDeepNestingRefused: a policy nested past the limit is refused with
// one problem at the line where the limit is passed, whatever the style.
func TestDeepNestingRefused(t *testing.T) {
	block := "version: 1\ntenants:\n  t:\n    attributes:\n"
	for i := range 300 {
		block += strings.Repeat("  ", i+3) + "k:\n"
	}
	for name, tc := range map[string]struct {
		src       string
		line, col int
	}{
		"flow":     {"version: 1\ntenants:\n  t:\n    attributes: {x: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "}\n", 4, 217},
		"block":    {block, 202, 401},
		"json":     {`{"version": 1, "tenants": {"t": {"attributes": {"x": ` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "}}}}", 1, 250},
		"sequence": {"version: 1\ntenants:\n  t:\n    attributes:\n      x:\n        " + strings.Repeat("- ", 100_000) + "x\n", 6, 401},
	} {
		probs := problemsOf(t, "deep.yaml", []byte(tc.src))
		want := Problem{File: "deep.yaml", Line: tc.line, Col: tc.col, Msg: "the policy nests more than 200 levels deep"}
		if len(probs) != 1 || probs[0] != want {
			t.Errorf("%s: got %v, want %v", name, probs, want)
		}
	}
}

// TestNumberPastFloat64: 1e400 is valid JSON that no float64 holds; it is
// reported where it is, as what it is.
func TestNumberPastFloat64(t *testing.T) {
	for name, src := range map[string]string{
		"p.json": `{"version": 1, "tenants": {"t": {"attributes": {"x": 1e400}}}}`,
		"p.yaml": "version: 1\ntenants: {t: {attributes: {x: 1e400}}}\n",
	} {
		probs := problemsOf(t, name, []byte(src))
		if len(probs) != 1 || !strings.Contains(probs[0].Msg, `"x" must be a JSON value (string, number, bool, list, mapping or null), not 1e400`) {
			t.Errorf("%s: got %v", name, probs)
		}
	}
}
