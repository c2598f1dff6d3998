package policy

import (
	"bytes"
	"context"
	"strings"

	"github.com/pdpx/pdpx/pdp/ytree"
)

// Load reads and checks the policy file at path (YAML or JSON). When the
// file has any problem, the error is Problems listing all of them and the
// Policy is nil; a file that cannot be read gives the os error, and one
// larger than MaxFileSize a *pdp.TooLargeError.
func Load(path string) (*Policy, error) {
	return LoadContext(context.Background(), path)
}

// Parse reads and checks a policy from data, YAML or JSON (JSON is YAML);
// filename is used only in problem messages. When there is any problem, the
// error is Problems listing every one found, with positions, sorted, and
// the Policy is nil: a half-read policy would decide checks wrongly.
//
// Positions are needed only to report problems, so a valid file pays
// little for them: valid JSON is decoded by encoding/json, and a value's
// position is looked up in the tree only when a problem is reported there.
func Parse(filename string, data []byte) (*Policy, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if looksLikeJSON(data) {
		if p := parseJSONFast(data); p != nil {
			return p, nil
		}
		return parseSlow(filename, data)
	}
	root, probs := ytree.Parse(filename, data, readOptions)
	return positioned(filename, root, probs)
}

// parseSlow reads data into a tree and decodes it keeping every position.
func parseSlow(filename string, data []byte) (*Policy, error) {
	root, probs := ytree.Parse(filename, data, readOptions)
	return positioned(filename, root, probs)
}

// positioned decodes a tree keeping every position and reports every
// problem, those the tree came with first.
func positioned(filename string, root *ytree.Node, probs Problems) (*Policy, error) {
	if root == nil {
		return nil, probs.Err()
	}
	p, src, more := decodePolicy(filename, root)
	probs = append(probs, more...)
	// The cross-reference checks run even after structural problems so
	// that one pass shows the author everything.
	probs = append(probs, validate(p, src, filename)...)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// SplitRef splits an instance reference "type:key" into its parts. ok is
// false unless there is exactly one ':' with a non-empty part on each side,
// as Permit's SDKs read "document:d1".
func SplitRef(ref string) (typ, key string, ok bool) {
	typ, key, found := strings.Cut(ref, ":")
	if !found || typ == "" || key == "" || strings.Contains(key, ":") {
		return typ, key, false
	}
	return typ, key, true
}

// ResourceTypes returns the resource type keys, sorted.
func (p *Policy) ResourceTypes() []string { return sortedKeys(p.Resources) }

// TenantKeys returns the tenant keys, sorted.
func (p *Policy) TenantKeys() []string { return sortedKeys(p.Tenants) }

// UserKeys returns the keys of the users the policy defines, sorted.
func (p *Policy) UserKeys() []string { return sortedKeys(p.Users) }

// RoleKeys returns the tenant role keys, sorted.
func (p *Policy) RoleKeys() []string { return sortedKeys(p.Roles) }

// Actions returns the actions of resource type typ in the order the policy
// lists them, or nil for an unknown type.
func (p *Policy) Actions(typ string) []string {
	r, ok := p.Resources[typ]
	if !ok {
		return nil
	}
	return append([]string(nil), r.Actions...)
}

// InstanceKeys returns the "type:key" references of the listed resource
// instances, sorted.
func (p *Policy) InstanceKeys() []string { return sortedKeys(p.ResourceInstances) }

// ResourceRoles returns the role keys of resource type typ, sorted.
func (p *Policy) ResourceRoles(typ string) []string {
	r, ok := p.Resources[typ]
	if !ok {
		return nil
	}
	return sortedKeys(r.Roles)
}
