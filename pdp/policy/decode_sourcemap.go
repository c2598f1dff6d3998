package policy

import (
	"strconv"
	"strings"

	"github.com/pdpx/pdpx/pdp/ytree"
)

// pos is a 1-based position in the source; the zero pos means "unknown".
type pos struct{ line, col int }

func at(n *ytree.Node) pos {
	if n == nil {
		return pos{}
	}
	return pos{n.Line, n.Col}
}

// sourceMap finds where each value of a decoded Policy was written, so
// that the cross-reference checks, which run on the Policy itself, can point
// into the file. Paths are the keys and list indexes leading to a value;
// they are looked up in the tree only when a problem is reported, so a valid
// file pays nothing for its positions.
type sourceMap struct {
	root *ytree.Node // nil for a policy built in Go
	// bad marks values already reported as malformed, so that the checks do
	// not pile a second, confusing message ("has no role") on the first.
	bad map[string]bool
	// unknown marks mappings that had an unknown key: a "missing key"
	// message there would only repeat the typo.
	unknown map[string]bool
	// index finds the entries of large mappings by key.
	index map[*ytree.Node]map[string]int
}

func newSourceMap() *sourceMap {
	return &sourceMap{bad: map[string]bool{}, unknown: map[string]bool{}}
}

// Positions of a leaf's parts are found under these extra path segments of
// the leaf's own path; "@" cannot start a YAML plain key by accident.
const (
	atPath  = "@path"
	atOp    = "@op"
	atValue = "@value"
	atRef   = "@ref"
)

// lookup returns the position of the value at path, or with key set of its
// key, and whether the file has it.
func (s *sourceMap) lookup(path []string, key bool) (pos, bool) {
	n := s.root
	if n == nil {
		return pos{}, false
	}
	var last *ytree.Entry
	for _, seg := range path {
		last = nil
		switch {
		case seg == atPath || seg == atOp || seg == atValue || seg == atRef:
			// The parts of a leaf {path: {operator: value}}: the path's key,
			// the operator's key, the value, the value of {ref: ...}.
			if n == nil || n.Kind != ytree.Map || len(n.Entries) == 0 {
				return pos{}, false
			}
			e := &n.Entries[0]
			if seg == atPath {
				last, n = e, nil
				break
			}
			ops := e.Val
			if ops == nil || ops.Kind != ytree.Map || len(ops.Entries) == 0 {
				return pos{}, false
			}
			op := &ops.Entries[0]
			switch seg {
			case atOp:
				last, n = op, nil
			case atValue:
				n = op.Val
			case atRef:
				if op.Val == nil || op.Val.Kind != ytree.Map || len(op.Val.Entries) == 0 {
					return pos{}, false
				}
				n = op.Val.Entries[0].Val
			}
		case n == nil:
			return pos{}, false
		case n.Kind == ytree.Map:
			i := s.find(n, seg)
			if i < 0 {
				return pos{}, false
			}
			last, n = &n.Entries[i], n.Entries[i].Val
		case n.Kind == ytree.List:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(n.Items) {
				return pos{}, false
			}
			n = n.Items[i]
		default:
			return pos{}, false
		}
	}
	switch {
	case key && last == nil:
		return pos{}, false
	case key, last != nil && (n == nil || isNull(n)):
		// A bare "key:" has its null at the end of the line; the key is
		// the better place to point at.
		return keyPos(*last), true
	case n == nil:
		return pos{}, false
	}
	return at(n), true
}

// find is the index of key among a mapping's entries, or -1.
func (s *sourceMap) find(n *ytree.Node, key string) int {
	if len(n.Entries) < 16 {
		for i, e := range n.Entries {
			if e.Key == key {
				return i
			}
		}
		return -1
	}
	idx, ok := s.index[n]
	if !ok {
		if s.index == nil {
			s.index = map[*ytree.Node]map[string]int{}
		}
		idx = make(map[string]int, len(n.Entries))
		for i, e := range n.Entries {
			idx[e.Key] = i
		}
		s.index[n] = idx
	}
	if i, ok := idx[key]; ok {
		return i
	}
	return -1
}

// pathKey joins path segments with a byte no key in a sane file contains.
func pathKey(path []string) string { return strings.Join(path, "\x1f") }

// join returns path extended by more segments, never sharing path's array:
// sibling paths built from one parent must not overwrite each other.
func join(path []string, more ...string) []string {
	out := make([]string, 0, len(path)+len(more))
	return append(append(out, path...), more...)
}
