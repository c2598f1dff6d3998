package policy

import (
	"bytes"
	"encoding/json"
	"io"
)

// parseJSONFast decodes a JSON policy with encoding/json and validates it
// without positions, returning nil when the file is not JSON or has any
// problem at all. A correct file — the generated environments of tens of
// megabytes especially — never pays for a tree; a file with problems is
// read again by the positioned path, which reports them all.
//
// One difference stays: encoding/json keeps the last of two equal keys in an
// object where the positioned path reports the duplicate.
func parseJSONFast(data []byte) *Policy {
	if !looksLikeJSON(data) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Policy
	if err := dec.Decode(&p); err != nil {
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil // trailing data
	}
	if !complete(&p) {
		return nil
	}
	ok := func() (ok bool) {
		// The validator was written for the positioned path; a shape it
		// does not expect must send the file there, not crash the load.
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
		return len(validate(&p, newSourceMap(), "")) == 0
	}()
	if !ok {
		return nil
	}
	return &p
}

// looksLikeJSON reports whether data starts as a JSON policy does.
func looksLikeJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// complete reports whether no entry decoded as null: JSON null becomes a nil
// pointer that the positioned path reports and the engine must never see.
func complete(p *Policy) bool {
	for _, r := range p.Resources {
		if r == nil {
			return false
		}
		for _, rr := range r.Roles {
			if rr == nil {
				return false
			}
		}
	}
	for _, m := range []func() bool{
		func() bool { return noNil(p.Roles) },
		func() bool { return noNil(p.Tenants) },
		func() bool { return noNil(p.Users) },
		func() bool { return noNil(p.ResourceInstances) },
	} {
		if !m() {
			return false
		}
	}
	for _, s := range p.UserSets {
		if s == nil || !condComplete(s.Conditions) {
			return false
		}
	}
	for _, s := range p.ResourceSets {
		if s == nil || !condComplete(s.Conditions) {
			return false
		}
	}
	return true
}

func noNil[V any](m map[string]*V) bool {
	for _, v := range m {
		if v == nil {
			return false
		}
	}
	return true
}

func condComplete(c *Condition) bool {
	if c == nil {
		return true
	}
	for _, list := range [][]*Condition{c.AllOf, c.AnyOf, c.Not} {
		for _, ch := range list {
			if ch == nil || !condComplete(ch) {
				return false
			}
		}
	}
	return true
}
