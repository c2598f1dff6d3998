package policy

import (
	"errors"
	"strings"
	"testing"
)

// ruleBase is a small valid policy that most rule cases append a section to.
const ruleBase = `version: 1
resources:
  document:
    actions: [read, update]
    attributes: {size: number, owner: string, tags: array}
    relations: {parent: folder}
    roles:
      editor: {permissions: [read]}
  folder:
    actions: [read]
    roles:
      editor: {permissions: [read]}
roles:
  viewer: {permissions: [document:read]}
tenants:
  acme: {}
  globex: {}
`

// ruleCase is one file with one mistake. line is counted in src alone; for
// appended cases the test adds ruleBase's lines.
type ruleCase struct {
	name      string
	src       string
	full      bool // src is the whole file, not appended to ruleBase
	line, col int
	msg       string // the whole message
}

var ruleCases = []ruleCase{
	// version
	{name: "version missing", full: true, src: "resources: {}\n", line: 1, col: 1,
		msg: `version is missing: the file must start with "version: 1"`},
	{name: "version 2", full: true, src: "version: 2\n", line: 1, col: 10,
		msg: `version 2 is not supported: this pdpx reads version 1`},
	{name: "version as string", full: true, src: "version: \"1\"\n", line: 1, col: 10,
		msg: `"version" must be a whole number, not a string`},
	{name: "empty file", full: true, src: "# nothing\n", line: 1, col: 1,
		msg: `the policy is empty: it needs at least "version: 1"`},
	{name: "two documents", full: true, src: "version: 1\n---\nversion: 1\n", line: 3, col: 1,
		msg: `a policy file holds one YAML document, but here another one starts: remove the "---" line or split the file`},
	{name: "not a mapping", full: true, src: "- version: 1\n", line: 1, col: 1,
		msg: `the policy must be a mapping, not a list`},

	// unknown keys and value types
	{name: "unknown top-level key", full: true, src: "version: 1\nrelationship: []\n", line: 2, col: 1,
		msg: `unknown key "relationship" in the policy (did you mean "relationships"?)`},
	{name: "unknown key without a near miss", full: true, src: "version: 1\ntenants:\n  acme: {colour: red}\n", line: 3, col: 10,
		msg: `unknown key "colour" in "acme"; expected one of name, attributes`},
	{name: "duplicate key", full: true, src: "version: 1\ntenants:\n  acme: {}\n  acme: {}\n", line: 4, col: 3,
		msg: `duplicate key "acme" in "tenants" (first at line 3)`},
	{name: "actions not a list", full: true, src: "version: 1\nresources:\n  doc:\n    actions: read\n", line: 4, col: 14,
		msg: `"actions" must be a list, not a string`},
	{name: "action not a string", full: true, src: "version: 1\nresources:\n  doc:\n    actions: [read, 3]\n", line: 4, col: 21,
		msg: `item 2 of "actions" must be a string, not a number (quote it: "3")`},
	{name: "resource not a mapping", full: true, src: "version: 1\nresources:\n  doc: [read]\n", line: 3, col: 8,
		msg: `"doc" must be a mapping, not a list`},
	{name: "when not a bool", full: true, src: "version: 1\nresources:\n  doc:\n    roles:\n      r: {when: {no_direct_roles_on_object: maybe}}\n", line: 5, col: 45,
		msg: `"no_direct_roles_on_object" must be true or false, not a string`},
	{name: "attribute value not JSON", src: "users:\n  alice: {attributes: {x: .inf}}\n", line: 2, col: 27,
		msg: `"x" must be a JSON value (string, number, bool, list, mapping or null), not .inf`},

	// resources
	{name: "duplicate action", full: true, src: "version: 1\nresources:\n  doc:\n    actions: [read, read]\n", line: 4, col: 21,
		msg: `action "read" of doc is listed twice`},
	{name: "resource type with colon", full: true, src: "version: 1\nresources:\n  \"doc:x\": {}\n", line: 3, col: 3,
		msg: `resource type "doc:x" must be a non-empty name without ':' (instances are written type:key)`},
	{name: "attribute schema type", full: true, src: "version: 1\nresources:\n  doc:\n    attributes: {n: integer}\n", line: 4, col: 21,
		msg: `attribute "n" of doc has unknown type "integer": use one of string, number, bool, array, object, time, json, object_array`},
	{name: "relation to unknown type", full: true, src: "version: 1\nresources:\n  doc:\n    relations: {parent: foldr}\n", line: 4, col: 25,
		msg: `relation "parent" of doc names unknown resource type "foldr" (resource types: doc)`},
	{name: "resource role unknown action", full: true, src: "version: 1\nresources:\n  doc:\n    actions: [read]\n    roles:\n      r: {permissions: [raed]}\n", line: 6, col: 25,
		msg: `resource role "r" of doc names unknown action "raed" (did you mean "read"?)`},
	{name: "resource role type:action", full: true, src: "version: 1\nresources:\n  doc:\n    actions: [read]\n    roles:\n      r: {permissions: [\"doc:read\"]}\n", line: 6, col: 25,
		msg: `resource role "r" of doc grants "doc:read": a resource role's permissions are bare actions of its type, write "read"`},

	// derivations
	{name: "derivation unknown role", full: true, src: derivation("{role: edtor, on_resource: folder, linked_by_relation: parent}"), line: 12, col: 36,
		msg: `role derivation for document#editor names unknown role "edtor" of folder (did you mean "editor"?)`},
	{name: "derivation unknown resource", full: true, src: derivation("{role: editor, on_resource: folders, linked_by_relation: parent}"), line: 12, col: 57,
		msg: `role derivation for document#editor names unknown resource type "folders" (did you mean "folder"?)`},
	{name: "derivation unknown relation", full: true, src: derivation("{role: editor, on_resource: folder, linked_by_relation: owner}"), line: 12, col: 85,
		msg: `relation "owner" is not declared on document (document relations: parent)`},
	{name: "derivation relation of another type", full: true, src: derivation("{role: editor, on_resource: document, linked_by_relation: parent}"), line: 12, col: 87,
		msg: `relation "parent" of document links a folder, not a document: on_resource must be folder`},
	{name: "derivation missing field", full: true, src: derivation("{role: editor, on_resource: folder}"), line: 12, col: 29,
		msg: `role derivation for document#editor has no linked_by_relation`},

	// tenant roles
	{name: "role permission unknown type", full: true, src: "version: 1\nresources: {doc: {actions: [read]}}\nroles:\n  r: {permissions: [\"dc:read\"]}\n", line: 4, col: 21,
		msg: `role "r" grants "dc:read" on unknown resource type "dc" (did you mean "doc"?)`},
	{name: "role permission unknown action", full: true, src: "version: 1\nresources: {doc: {actions: [read]}}\nroles:\n  r: {permissions: [\"doc:write\"]}\n", line: 4, col: 21,
		msg: `role "r" grants "doc:write", but doc has no action "write" (doc actions: read)`},
	{name: "role permission bare action", full: true, src: "version: 1\nresources: {doc: {actions: [read]}}\nroles:\n  r: {permissions: [read]}\n", line: 4, col: 21,
		msg: `role "r" grants "read", which is not "type:action" (like "document:read")`},

	// users and role assignments
	{name: "user unknown tenant", src: "users:\n  alice:\n    tenants: [acmee]\n", line: 3, col: 15,
		msg: `user "alice" is a member of unknown tenant "acmee" (did you mean "acme"?)`},
	{name: "assignment unknown role", src: "users:\n  alice:\n    roles: [{role: vewer, tenant: acme}]\n", line: 3, col: 20,
		msg: `role assignment names unknown role "vewer" (did you mean "viewer"?)`},
	{name: "assignment unknown tenant", src: "users:\n  alice:\n    roles: [{role: viewer, tenant: acmee}]\n", line: 3, col: 36,
		msg: `role assignment names unknown tenant "acmee" (did you mean "acme"?)`},
	{name: "assignment without tenant or resource", src: "users:\n  alice:\n    roles: [{role: viewer}]\n", line: 3, col: 13,
		msg: `role assignment needs a tenant (for a tenant role) or a resource "type:key" (for an instance role)`},
	{name: "assignment without role", src: "users:\n  alice:\n    roles: [{tenant: acme}]\n", line: 3, col: 13,
		msg: `role assignment has no role`},
	{name: "instance role malformed ref", src: "users:\n  alice:\n    roles: [{role: editor, resource: document}]\n", line: 3, col: 38,
		msg: `role assignment's resource "document" must be an instance "type:key", like "folder:plans"`},
	{name: "instance role unknown type", src: "users:\n  alice:\n    roles: [{role: editor, resource: \"documnt:d1\"}]\n", line: 3, col: 38,
		msg: `role assignment names unknown resource type "documnt" (did you mean "document"?)`},
	{name: "instance role not a role of the type", src: "users:\n  alice:\n    roles: [{role: viewer, resource: \"document:d1\"}]\n", line: 3, col: 20,
		msg: `role assignment names unknown role "viewer" of document (document roles: editor)`},
	{name: "instance role in another tenant", src: "resource_instances:\n  \"document:d1\": {tenant: acme}\nusers:\n  alice:\n    roles: [{role: editor, resource: \"document:d1\", tenant: globex}]\n", line: 5, col: 61,
		msg: `role assignment puts document:d1 in tenant "globex", but the instance is in tenant "acme"`},

	// resource instances
	{name: "instance key malformed", src: "resource_instances:\n  d1: {tenant: acme}\n", line: 2, col: 3,
		msg: `resource instance "d1" must be keyed "type:key", like "document:roadmap"`},
	{name: "instance unknown type", src: "resource_instances:\n  \"doc:d1\": {}\n", line: 2, col: 3,
		msg: `resource instance "doc:d1" has unknown resource type "doc" (did you mean "document"?)`},
	{name: "instance unknown tenant", src: "resource_instances:\n  \"document:d1\": {tenant: acne}\n", line: 2, col: 27,
		msg: `resource instance "document:d1" names unknown tenant "acne" (did you mean "acme"?)`},
	{name: "instance attribute not in schema", src: "resource_instances:\n  \"document:d1\": {attributes: {sise: 3}}\n", line: 2, col: 32,
		msg: `attribute "sise" of document:d1 is not in document's attribute schema (did you mean "size"?)`},
	{name: "instance attribute of the wrong type", src: "resource_instances:\n  \"document:d1\": {attributes: {size: \"3\"}}\n", line: 2, col: 38,
		msg: `attribute "size" of document:d1 is a string, but document's schema declares it a number`},

	// relationships
	{name: "relationship relation not declared", src: "relationships:\n  - {subject: \"folder:f\", relation: parnt, object: \"document:d\"}\n", line: 2, col: 37,
		msg: `relation "parnt" is not declared on document (did you mean "parent"?)`},
	{name: "relationship subject of the wrong type", src: "relationships:\n  - {subject: \"document:x\", relation: parent, object: \"document:d\"}\n", line: 2, col: 15,
		msg: `relation "parent" of document takes a folder as subject, not document:x`},
	{name: "relationship malformed ref", src: "relationships:\n  - {subject: folder, relation: parent, object: \"document:d\"}\n", line: 2, col: 15,
		msg: `relationship subject "folder" must be an instance "type:key", like "folder:plans"`},
	{name: "relationship unknown type", src: "relationships:\n  - {subject: \"folder:f\", relation: parent, object: \"documents:d\"}\n", line: 2, col: 53,
		msg: `relationship object "documents:d" has unknown resource type "documents" (did you mean "document"?)`},
	{name: "relationship missing field", src: "relationships:\n  - {subject: \"folder:f\", object: \"document:d\"}\n", line: 2, col: 5,
		msg: `relationship has no relation`},

	// conditions
	{name: "unknown operator", src: "user_sets:\n  s:\n    conditions: {user.x: {equal: 1}}\n", line: 3, col: 27,
		msg: `unknown operator "equal" (did you mean "equals"?)`},
	{name: "path without a known root", src: "user_sets:\n  s:\n    conditions: {usr.x: {equals: 1}}\n", line: 3, col: 18,
		msg: `condition path "usr.x" must start with user., resource., tenant., context. or role. (did you mean "user.x"?)`},
	{name: "path without attribute", src: "user_sets:\n  s:\n    conditions: {user.: {equals: 1}}\n", line: 3, col: 18,
		msg: `condition path "user." names no attribute: write user.<attribute>`},
	{name: "bad ref", src: "user_sets:\n  s:\n    conditions: {user.x: {equals: {ref: owner.key}}}\n", line: 3, col: 41,
		msg: `ref "owner.key" must start with user., resource., tenant., context. or role.`},
	{name: "two keys in one node", src: "user_sets:\n  s:\n    conditions:\n      user.a: {equals: 1}\n      user.b: {equals: 2}\n", line: 5, col: 7,
		msg: `a condition holds exactly one key, but "conditions" has 2 (user.a, user.b): list them under allOf`},
	{name: "misspelled allOf", src: "user_sets:\n  s:\n    conditions: {allof: []}\n", line: 3, col: 18,
		msg: `unknown condition key "allof": a condition is allOf, anyOf, not or an attribute path like user.location (did you mean "allOf"?)`},
	{name: "not without a list", src: "user_sets:\n  s:\n    conditions: {not: {user.x: {equals: 1}}}\n", line: 3, col: 23,
		msg: `not takes a list of conditions, not a mapping: write not: [...]`},
	{name: "leaf without operator", src: "user_sets:\n  s:\n    conditions: {user.x: England}\n", line: 3, col: 26,
		msg: `the condition on user.x must be {operator: value}, like {equals: England}, not a string`},
	{name: "leaf with two operators", src: "user_sets:\n  s:\n    conditions: {user.x: {equals: 1, in: [1]}}\n", line: 3, col: 38,
		msg: `the condition on user.x has 2 operators, but a leaf takes one: write one leaf per operator under allOf`},
	{name: "empty condition in a list", src: "user_sets:\n  s:\n    conditions:\n      allOf:\n        - {}\n", line: 5, col: 11,
		msg: `item 1 of allOf is an empty condition: write allOf, anyOf, not or {path: {operator: value}}`},
	{name: "conditions as a list", src: "user_sets:\n  s:\n    conditions:\n      - user.x: {equals: 1}\n", line: 4, col: 7,
		msg: `"conditions" must be one condition, not a list: put the list under allOf (all must hold) or anyOf (one must)`},
	{name: "in without a list", src: "user_sets:\n  s:\n    conditions: {user.x: {in: England}}\n", line: 3, col: 31,
		msg: `operator "in" takes a list, not a string`},
	{name: "contains without a string", src: "user_sets:\n  s:\n    conditions: {user.x: {contains: 3}}\n", line: 3, col: 37,
		msg: `operator "contains" takes a string, not a number (for lists use array_contains)`},

	// user sets and resource sets
	{name: "user set with a role key", src: "user_sets:\n  viewer: {conditions: {user.x: {equals: 1}}}\n", line: 2, col: 3,
		msg: `user set "viewer" has the key of a role: a rule naming "viewer" would be ambiguous, rename one`},
	{name: "resource set with a type key", src: "resource_sets:\n  folder: {resource: folder}\n", line: 2, col: 3,
		msg: `resource set "folder" has the key of a resource type: a rule naming "folder" would be ambiguous, rename one`},
	{name: "resource set unknown resource", src: "resource_sets:\n  big: {resource: documents}\n", line: 2, col: 19,
		msg: `resource set "big" names unknown resource type "documents" (did you mean "document"?)`},
	{name: "resource set without resource", src: "resource_sets:\n  big: {name: Big}\n", line: 2, col: 8,
		msg: `resource set "big" has no resource: name the resource type its conditions are about`},
	{name: "resource set attribute not in schema", src: "resource_sets:\n  big:\n    resource: document\n    conditions: {resource.sise: {greater-than: 3}}\n", line: 4, col: 18,
		msg: `condition path "resource.sise" names attribute "sise", which is not in document's attribute schema (did you mean "size"?)`},
	{name: "resource set ref not in schema", src: "resource_sets:\n  mine:\n    resource: document\n    conditions: {user.key: {equals: {ref: resource.ownr}}}\n", line: 4, col: 43,
		msg: `ref "resource.ownr" names attribute "ownr", which is not in document's attribute schema (did you mean "owner"?)`},
	{name: "resource set compares with the wrong type", src: "resource_sets:\n  big:\n    resource: document\n    conditions: {resource.owner: {equals: true}}\n", line: 4, col: 43,
		msg: `resource.owner is a string in document's attribute schema, but this condition compares it with a bool`},

	// condition set rules
	{name: "rule unknown user set", src: "user_sets:\n  eng: {conditions: {user.x: {equals: 1}}}\ncondition_set_rules:\n  - {user_set: engg, permission: document:read, resource_set: document}\n", line: 4, col: 16,
		msg: `rule names unknown user set "engg" (did you mean "eng"?)`},
	{name: "rule unknown resource set", src: "condition_set_rules:\n  - {user_set: viewer, permission: document:read, resource_set: docs}\n", line: 2, col: 65,
		msg: `rule names unknown resource set "docs" (resource sets and resource types: document, folder)`},
	{name: "rule permission unknown action", src: "condition_set_rules:\n  - {user_set: viewer, permission: document:publish, resource_set: document}\n", line: 2, col: 36,
		msg: `the rule grants "document:publish", but document has no action "publish" (document actions: read, update)`},
	{name: "rule permission malformed", src: "condition_set_rules:\n  - {user_set: viewer, permission: read, resource_set: document}\n", line: 2, col: 36,
		msg: `the rule grants "read", which is not "type:action" (like "document:read")`},
	{name: "rule resource set of another type", src: "resource_sets:\n  docs: {resource: document}\ncondition_set_rules:\n  - {user_set: viewer, permission: folder:read, resource_set: docs}\n", line: 4, col: 63,
		msg: `resource set "docs" is a set of document, but the permission "folder:read" is on folder`},
	{name: "rule resource type of another type", src: "condition_set_rules:\n  - {user_set: viewer, permission: folder:read, resource_set: document}\n", line: 2, col: 63,
		msg: `resource set "document" (every document) does not match the permission "folder:read" on folder`},
	{name: "rule missing field", src: "condition_set_rules:\n  - {user_set: viewer, resource_set: document}\n", line: 2, col: 5,
		msg: `condition set rule has no permission`},
}

// derivation is a file whose document#editor role has one derivation, on line 12.
func derivation(rule string) string {
	return `version: 1
resources:
  folder:
    actions: [read]
    roles: {editor: {permissions: [read]}}
  document:
    actions: [read]
    relations: {parent: folder}
    roles:
      editor:
        granted_to:
          users_with_role: [` + rule + `]
`
}

func TestRuleBaseIsValid(t *testing.T) {
	if _, err := Parse("base.yaml", []byte(ruleBase)); err != nil {
		t.Fatalf("ruleBase is invalid:\n%v", err)
	}
}

// TestEachRule gives every check a file that breaks it once, and wants
// exactly that one problem, at the right place, with the right words.
func TestEachRule(t *testing.T) {
	baseLines := strings.Count(ruleBase, "\n")
	for _, tc := range ruleCases {
		t.Run(tc.name, func(t *testing.T) {
			src, line := tc.src, tc.line
			if !tc.full {
				src, line = ruleBase+tc.src, baseLines+tc.line
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
