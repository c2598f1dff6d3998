package policy

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pdpx/pdpx/pdp"
)

func (v *validator) userSets() {
	for _, key := range sortedKeys(v.p.UserSets) {
		base := []string{"user_sets", key}
		if _, clash := v.p.Roles[key]; clash {
			v.keyErrorf(base, "user set %q has the key of a role: a rule naming %q would be ambiguous, rename one", key, key)
		}
		if c := v.p.UserSets[key].Conditions; c != nil {
			v.condition(c, join(base, "conditions"), "", nil)
		}
		if parent := v.p.UserSets[key].Parent; parent != "" {
			if _, ok := v.p.UserSets[parent]; !ok || parent == key {
				v.errorf(join(base, "parent"), "user set %q names parent %q, which is not another user set%s", key, parent, v.unknownHint(parent, sortedKeys(v.p.UserSets), "user sets"))
			}
		}
	}
}

func (v *validator) resourceSets() {
	for _, key := range sortedKeys(v.p.ResourceSets) {
		rs := v.p.ResourceSets[key]
		base := []string{"resource_sets", key}
		if _, clash := v.p.Resources[key]; clash {
			v.keyErrorf(base, "resource set %q has the key of a resource type: a rule naming %q would be ambiguous, rename one", key, key)
		}
		var schema map[string]string
		switch r, ok := v.p.Resources[rs.Resource]; {
		case v.missing(rs.Resource, base, "resource"):
			v.errorf(base, "resource set %q has no resource: name the resource type its conditions are about", key)
		case rs.Resource != "" && !ok:
			v.errorf(join(base, "resource"), "resource set %q names unknown resource type %q%s", key, rs.Resource,
				v.unknownHint(rs.Resource, v.resourceTypes(), "resource types"))
		case ok:
			schema = r.Attributes
		}
		if rs.Conditions != nil {
			v.condition(rs.Conditions, join(base, "conditions"), rs.Resource, schema)
		}
		if rs.Parent != "" {
			if _, ok := v.p.ResourceSets[rs.Parent]; !ok || rs.Parent == key {
				v.errorf(join(base, "parent"), "resource set %q names parent %q, which is not another resource set%s", key, rs.Parent, v.unknownHint(rs.Parent, sortedKeys(v.p.ResourceSets), "resource sets"))
			}
		}
	}
}

func (v *validator) rules() {
	for i, rule := range v.p.ConditionSetRules {
		at := []string{"condition_set_rules", strconv.Itoa(i)}
		for _, f := range []struct{ key, val string }{{"user_set", rule.UserSet}, {"permission", rule.Permission}, {"resource_set", rule.ResourceSet}} {
			if v.missing(f.val, at, f.key) {
				v.errorf(at, "condition set rule has no %s", f.key)
			}
		}
		if us := rule.UserSet; us != "" {
			_, isSet := v.p.UserSets[us]
			_, isRole := v.p.Roles[us]
			if !isSet && !isRole {
				if v.ruleUserSets == nil {
					v.ruleUserSets = append(sortedKeys(v.p.UserSets), sortedKeys(v.p.Roles)...)
				}
				cands := v.ruleUserSets
				v.errorf(join(at, "user_set"), "rule names unknown user set %q%s", us, v.unknownHint(us, cands, "user sets and roles"))
			}
		}
		var permType string
		if rule.Permission != "" {
			permType, _ = v.permission(rule.Permission, join(at, "permission"), "the rule")
		}
		rsKey := rule.ResourceSet
		if rsKey == "" {
			continue
		}
		rs, isSet := v.p.ResourceSets[rsKey]
		_, isType := v.p.Resources[rsKey]
		switch {
		case isSet:
			if permType != "" && rs.Resource != "" && rs.Resource != permType {
				v.errorf(join(at, "resource_set"), "resource set %q is a set of %s, but the permission %q is on %s", rsKey, rs.Resource, rule.Permission, permType)
			}
		case isType:
			if permType != "" && rsKey != permType {
				v.errorf(join(at, "resource_set"), "resource set %q (every %s) does not match the permission %q on %s", rsKey, rsKey, rule.Permission, permType)
			}
		default:
			if v.ruleResourceSets == nil {
				v.ruleResourceSets = append(sortedKeys(v.p.ResourceSets), v.resourceTypes()...)
			}
			cands := v.ruleResourceSets
			v.errorf(join(at, "resource_set"), "rule names unknown resource set %q%s", rsKey, v.unknownHint(rsKey, cands, "resource sets and resource types"))
		}
	}
}

// condition checks a condition tree: each node exactly one kind, known
// operators, well-formed paths and references. In a resource set over a type
// with an attribute schema (schema != nil), resource attributes must be in
// the schema and literals compared with them must have the declared type.
func (v *validator) condition(c *Condition, at []string, typ string, schema map[string]string) {
	if v.bad(at...) {
		return
	}
	if c == nil {
		v.errorf(at, "empty condition: write allOf, anyOf, not or {path: {operator: value}}")
		return
	}
	kinds := 0
	for _, set := range []bool{c.AllOf != nil, c.AnyOf != nil, c.Not != nil, c.Path != "" || c.Operator != ""} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds == 0:
		v.errorf(at, "empty condition: write allOf, anyOf, not or {path: {operator: value}}")
		return
	case kinds > 1:
		v.errorf(at, "a condition node must be exactly one of allOf, anyOf, not or a leaf {path: {operator: value}}")
		return
	}
	for _, inner := range []struct {
		key  string
		list []*Condition
	}{{KeyAllOf, c.AllOf}, {KeyAnyOf, c.AnyOf}, {KeyNot, c.Not}} {
		for i, child := range inner.list {
			v.condition(child, join(at, inner.key, strconv.Itoa(i)), typ, schema)
		}
	}
	if c.Path == "" && c.Operator == "" {
		return
	}
	pathOK := v.conditionPath(c.Path, join(at, atPath), "condition path", typ, schema)
	if !contains(Operators, c.Operator) {
		v.errorf(join(at, atOp), "unknown operator %q%s", c.Operator, v.unknownHint(c.Operator, Operators, "operators"))
		return
	}
	if c.Ref != "" {
		v.conditionPath(c.Ref, join(at, atRef), "ref", typ, schema)
		return
	}
	switch {
	case listOperators[c.Operator]:
		if _, ok := c.Value.([]any); !ok {
			v.errorf(join(at, atValue), "operator %q takes a list, not %s", c.Operator, withArticle(pdp.TypeName(c.Value)))
		}
	case c.Operator == "contains":
		if _, ok := c.Value.(string); !ok {
			v.errorf(join(at, atValue), "operator \"contains\" takes a string, not %s (for lists use array_contains)", withArticle(pdp.TypeName(c.Value)))
		}
	case pathOK && schema != nil && c.Value != nil:
		// Comparing a declared string with a bool is the classic way to get
		// a deny that looks impossible: hasApproval "true" versus true.
		if _, attr, _ := SplitPath(c.Path); strings.HasPrefix(c.Path, "resource.") && !strings.Contains(attr, ".") {
			want, declared := schema[attr]
			got := pdp.TypeName(c.Value)
			if declared && !schemaAccepts(want, got) {
				v.errorf(join(at, atValue), "%s is a %s in %s's attribute schema, but this condition compares it with %s",
					c.Path, want, typ, withArticle(got))
			}
		}
	}
}

// conditionPath checks a path (of a leaf or a ref) and reports whether it is fine.
func (v *validator) conditionPath(path string, at []string, what, typ string, schema map[string]string) bool {
	root, attr, ok := SplitPath(path)
	if !ok {
		hint := ""
		if s := Suggest(root, PathRoots); s != "" && attr != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s+"."+attr)
		}
		if contains(PathRoots, root) {
			v.errorf(at, "%s %q names no attribute: write %s.<attribute>", what, path, root)
		} else {
			v.errorf(at, "%s %q must start with user., resource., tenant., context. or role.%s", what, path, hint)
		}
		return false
	}
	if root != "resource" || schema == nil {
		return true
	}
	first, _, _ := strings.Cut(attr, ".")
	if _, declared := schema[first]; declared || first == "type" {
		return true
	}
	v.errorf(at, "%s %q names attribute %q, which is not in %s's attribute schema%s",
		what, path, first, typ, v.unknownHint(first, sortedKeys(schema), typ+" attributes"))
	return false
}
