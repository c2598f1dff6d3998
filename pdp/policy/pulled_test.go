package policy

import (
	"errors"
	"strings"
	"testing"
)

// pulledCases break, once each, the parts of the format that pdpx pull
// writes: extends, parent sets, the user attribute schema and the source.
var pulledCases = []ruleCase{
	{name: "tenant role extends unknown role", src: "  admin: {permissions: [document:read], extends: [viewr]}\n",
		line: 1, col: 51, msg: `role "admin" extends unknown role "viewr" (did you mean "viewer"?)`},
	{name: "tenant role extends without the permissions", src: "  admin: {permissions: [document:update], extends: [viewer]}\n",
		line: 1, col: 53, msg: `role "admin" extends "viewer" but does not list its permissions document:read: add them to permissions (a role's permissions include those of the roles it extends)`},
	{name: "tenant role extends itself", src: "  admin: {permissions: [document:read], extends: [admin]}\n",
		line: 1, col: 51, msg: `role "admin" extends itself`},
	{name: "resource role extends unknown role", full: true, src: strings.Replace(ruleBase, "editor: {permissions: [read]}\n  folder", "editor: {permissions: [read], extends: [owner]}\n  folder", 1),
		line: 8, col: 47, msg: `resource role "editor" of document extends unknown role "owner" (document roles: editor)`},
	{name: "user set parent", src: "user_sets:\n  a: {parent: b, conditions: {user.x: {equals: 1}}}\n",
		line: 2, col: 15, msg: `user set "a" names parent "b", which is not another user set (user sets: a)`},
	{name: "resource set parent", src: "resource_sets:\n  a: {resource: document, parent: a}\n",
		line: 2, col: 35, msg: `resource set "a" names parent "a", which is not another resource set (resource sets: a)`},
	{name: "user attribute type", src: "user_attributes:\n  level: integer\n",
		line: 2, col: 10, msg: `user attribute "level" has unknown type "integer": use one of string, number, bool, array, object, time, json, object_array`},
	{name: "source time", src: "source:\n  pulled_at: yesterday\n",
		line: 2, col: 14, msg: `source.pulled_at "yesterday" is not an RFC 3339 time like 2025-01-31T09:00:00Z`},
	{name: "source unknown key", src: "source:\n  api_key: x\n",
		line: 2, col: 3, msg: `unknown key "api_key" in "source"; expected one of api_url, project, environment, pulled_at, pdpx_version, counts, not_kept`},
}

func TestPulledRules(t *testing.T) {
	baseLines := strings.Count(ruleBase, "\n")
	for _, tc := range pulledCases {
		t.Run(tc.name, func(t *testing.T) {
			src, line := tc.src, tc.line
			if !tc.full {
				// Tenant role cases add a role under the base's roles:.
				if strings.HasPrefix(tc.src, "  admin") {
					src = strings.Replace(ruleBase, "roles:\n  viewer", "roles:\n"+strings.TrimSuffix(tc.src, "\n")+"\n  viewer", 1)
					line = strings.Count(ruleBase[:strings.Index(ruleBase, "roles:\n  viewer")], "\n") + 1 + tc.line
				} else {
					src, line = ruleBase+tc.src, baseLines+tc.line
				}
			}
			_, err := Parse("p.yaml", []byte(src))
			var probs Problems
			if !errors.As(err, &probs) {
				t.Fatalf("want Problems, got %v", err)
			}
			want := Problem{File: "p.yaml", Line: line, Col: tc.col, Msg: tc.msg}
			if len(probs) != 1 || probs[0] != want {
				t.Errorf("problems:\n%v\nwant exactly:\n%v", probs, want)
			}
		})
	}
}

// TestPulledFormatValid: everything pull writes, used rightly, loads.
func TestPulledFormatValid(t *testing.T) {
	src := ruleBase + `user_attributes: {level: number, profile: json, shifts: object_array}
source:
  api_url: https://api.permit.io
  project: {key: web, id: p1}
  environment: {key: production, id: e1, name: Production}
  pulled_at: 2025-01-31T09:00:00Z
  pdpx_version: v1.0.0
  counts: {users: 0}
  not_kept: [descriptions]
user_sets:
  eng: {conditions: {user.dept: {equals: Engineering}}}
  eng_uk: {parent: eng, conditions: {user.location: {equals: UK}}}
`
	src = strings.Replace(src, "roles:\n  viewer", "roles:\n  admin: {permissions: [document:read, document:update], extends: [viewer]}\n  viewer", 1)
	p, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if p.Source == nil || p.Source.Environment.Key != "production" || p.Source.Counts["users"] != 0 || p.UserSets["eng_uk"].Parent != "eng" ||
		len(p.Roles["admin"].Extends) != 1 || p.UserAttributes["shifts"] != "object_array" {
		t.Errorf("decoded %+v", p)
	}
}
