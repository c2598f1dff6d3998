package ytree

import "testing"

// operators is the policy format's list of condition operators, the names
// the hints are most often asked about.
var operators = []string{
	"equals", "not-equals",
	"greater-than", "greater-than-equals", "less-than", "less-than-equals",
	"contains", "in", "array_contains", "array_intersect", "array_subset", "array_superset",
}

func TestSuggest(t *testing.T) {
	for _, tc := range []struct {
		name       string
		candidates []string
		want       string
	}{
		{"relatoins", []string{"name", "actions", "attributes", "relations", "roles"}, "relations"},
		{"acmee", []string{"acme", "globex"}, "acme"},
		{"raed", []string{"read", "update"}, "read"},
		{"Read", []string{"read"}, "read"},
		{"not_equals", operators, "not-equals"},
		{"equal", operators, "equals"},
		{"arraycontains", operators, "array_contains"},
		{"doc", []string{"document", "folder"}, "document"},
		{"doc", []string{"document", "docket"}, ""}, // two prefixes: no guess
		{"read", []string{"read", "reed"}, ""},      // exact: nothing to suggest
		{"x", []string{"y"}, ""},
		{"owner", []string{"editor", "viewer"}, ""},
		{"", []string{"a"}, ""},
		{"a", nil, ""},
		{"viewr", []string{"viewer", "viewers"}, "viewer"}, // closest wins
		{"ab", []string{"ba", "ac"}, "ac"},                 // a tie goes to the first in order
	} {
		if got := Suggest(tc.name, tc.candidates); got != tc.want {
			t.Errorf("Suggest(%q, %v) = %q, want %q", tc.name, tc.candidates, got, tc.want)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"kitten", "sitting", 3},
		{"ab", "ba", 1}, {"relatoins", "relations", 1}, {"ca", "abc", 3}, {"héllo", "hello", 1},
	} {
		if got := distance(tc.a, tc.b); got != tc.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
