package ytree

import (
	"fmt"
	"slices"
	"strings"
)

// Reader collects problems while a caller walks a tree, so that a file's
// every mistake is reported in one go.
type Reader struct {
	File  string
	Probs Problems
}

// Errorf records a problem at n (or at the file's start when n is nil).
func (r *Reader) Errorf(n *Node, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Col
	}
	r.Probs = append(r.Probs, Problem{File: r.File, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// ErrorAt records a problem at an entry's key.
func (r *Reader) ErrorAt(e Entry, format string, args ...any) {
	r.Probs = append(r.Probs, Problem{File: r.File, Line: e.Line, Col: e.Col, Msg: fmt.Sprintf(format, args...)})
}

// Entries returns a map node's entries, reporting a node that is not a
// mapping (null is an empty one) and, when allowed is not nil, keys not in
// it, with a "did you mean" when one is close. label names the mapping in
// messages.
func (r *Reader) Entries(n *Node, label string, allowed []string) ([]Entry, bool) {
	if n == nil || n.Kind == Null {
		return nil, true
	}
	if n.Kind != Map {
		r.Errorf(n, "%s must be a mapping, not %s", label, n.Describe())
		return nil, false
	}
	if allowed == nil {
		return n.Entries, true
	}
	var out []Entry
	for _, e := range n.Entries {
		if !slices.Contains(allowed, e.Key) {
			hint := DidYouMean(e.Key, allowed)
			if hint == "" {
				hint = "; expected one of " + strings.Join(allowed, ", ")
			}
			r.ErrorAt(e, "unknown key %q in %s%s", e.Key, label, hint)
			continue
		}
		out = append(out, e)
	}
	return out, true
}

// String reads a scalar as text (see Node.AsText), reporting anything else.
func (r *Reader) String(n *Node, label string) (string, bool) {
	s, ok := n.AsText()
	if !ok {
		r.Errorf(n, "%s must be a string, not %s", label, n.Describe())
	}
	return s, ok
}

// Object reads a mapping as a JSON object (nil for null or an empty one).
func (r *Reader) Object(n *Node, label string) (map[string]any, bool) {
	if n == nil || n.Kind == Null {
		return nil, true
	}
	if n.Kind != Map {
		r.Errorf(n, "%s must be a mapping of names to values, not %s", label, n.Describe())
		return nil, false
	}
	if u := n.FindUnreadable(); u != nil {
		r.Errorf(u, "%s holds %s, which is not a value JSON can hold", label, u.Text)
		return nil, false
	}
	m, _ := n.JSON().(map[string]any)
	if len(m) == 0 {
		return nil, true
	}
	return m, true
}
