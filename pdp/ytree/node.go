package ytree

import "strconv"

// Kind is what a node holds.
type Kind uint8

// The kinds of node. String, Number and Bool are the scalars JSON has;
// Unreadable is a scalar JSON cannot hold (.inf, .nan, 1e400, a value
// tagged !!int that is not a number), kept so that the reader can say where
// it is and what it expected there.
const (
	Null Kind = iota
	String
	Number
	Bool
	Map
	List
	Unreadable
)

// Node is a value with its position. Maps keep their entries in file order,
// with merge keys (<<) expanded and duplicates dropped (Parse reports them);
// an alias is a node of its own, at the alias, sharing the anchored node's
// entries or items.
type Node struct {
	Kind Kind
	// Quoted is set for a scalar written in quotes, as a block scalar or
	// tagged !!str: "3" is a string the author meant as a string.
	Quoted bool
	// Truth is the value of a Bool.
	Truth     bool
	Line, Col int
	// Text is a scalar as written (escapes decoded); for a String it is the
	// value. It is empty for maps, lists and a null written as nothing.
	Text string
	// Num is the value of a Number.
	Num     float64
	Entries []Entry
	Items   []*Node
}

// Entry is one key: value pair of a map, with the key's position.
type Entry struct {
	Key       string
	Line, Col int
	Val       *Node
}

// IsScalar reports whether n is a string, number, bool or unreadable scalar.
func (n *Node) IsScalar() bool {
	if n == nil {
		return false
	}
	switch n.Kind {
	case String, Number, Bool, Unreadable:
		return true
	}
	return false
}

// Describe names what a node holds, for "must be X, not Y" messages.
func (n *Node) Describe() string {
	if n == nil {
		return "null"
	}
	switch n.Kind {
	case Map:
		return "a mapping"
	case List:
		return "a list"
	case String:
		return "a string"
	case Number:
		return "a number"
	case Bool:
		return "a bool"
	case Unreadable:
		return "an unreadable value"
	}
	return "null"
}

// String returns a string scalar and whether the node is one.
func (n *Node) String() (string, bool) {
	if n == nil || n.Kind != String {
		return "", false
	}
	return n.Text, true
}

// AsText returns a scalar written as text whatever YAML typed it as, so that
// a user key 12345 or a tenant "true" still reads as the name it is. ok is
// false for maps, lists, null and unreadable values.
func (n *Node) AsText() (string, bool) {
	if n == nil {
		return "", false
	}
	switch n.Kind {
	case String:
		return n.Text, true
	case Bool:
		return strconv.FormatBool(n.Truth), true
	case Number:
		return strconv.FormatFloat(n.Num, 'f', -1, 64), true
	}
	return "", false
}

// Value is a scalar's value as encoding/json would give it: string,
// float64, bool, or nil for null and anything that is not a readable scalar.
func (n *Node) Value() any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case String:
		return n.Text
	case Number:
		return n.Num
	case Bool:
		return n.Truth
	}
	return nil
}

// JSON converts the node to the value encoding/json would produce for the
// same JSON: map[string]any, []any, string, float64, bool or nil. An
// unreadable scalar becomes nil; use FindUnreadable to report it first.
func (n *Node) JSON() any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case Map:
		m := make(map[string]any, len(n.Entries))
		for _, e := range n.Entries {
			m[e.Key] = e.Val.JSON()
		}
		return m
	case List:
		l := make([]any, len(n.Items))
		for i, it := range n.Items {
			l[i] = it.JSON()
		}
		return l
	}
	return n.Value()
}

// FindUnreadable returns the first unreadable scalar at or below n, or nil.
func (n *Node) FindUnreadable() *Node {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case Unreadable:
		return n
	case Map:
		for _, e := range n.Entries {
			if u := e.Val.FindUnreadable(); u != nil {
				return u
			}
		}
	case List:
		for _, it := range n.Items {
			if u := it.FindUnreadable(); u != nil {
				return u
			}
		}
	}
	return nil
}

// Get returns the value of key in a map node, or nil.
func (n *Node) Get(key string) *Node {
	if e := n.Entry(key); e != nil {
		return e.Val
	}
	return nil
}

// Entry returns the entry of key in a map node, or nil.
func (n *Node) Entry(key string) *Entry {
	if n == nil || n.Kind != Map {
		return nil
	}
	for i := range n.Entries {
		if n.Entries[i].Key == key {
			return &n.Entries[i]
		}
	}
	return nil
}
