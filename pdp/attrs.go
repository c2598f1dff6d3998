package pdp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// ParseAttr parses one "k=v" pair as every pdpx front end takes it: v is JSON
// when it parses as JSON (3, true, "true", [1,2], {"a":1}, null) and a plain
// string otherwise (England). The key may be dotted (a.b=1) to reach into
// nested objects; ParseAttrs builds those objects.
func ParseAttr(pair string) (path []string, value any, err error) {
	k, v, ok := strings.Cut(pair, "=")
	if !ok {
		return nil, nil, fmt.Errorf("%q is not a k=v pair: write key=value, for example location=England", pair)
	}
	k = strings.TrimSpace(k)
	if k == "" {
		return nil, nil, fmt.Errorf("%q has no key before '=': write key=value", pair)
	}
	path = strings.Split(k, ".")
	for _, seg := range path {
		if seg == "" {
			return nil, nil, fmt.Errorf("%q has an empty part in its key %q: write a.b=value", pair, k)
		}
	}
	return path, ParseValue(v), nil
}

// ParseValue types a value written after '=': JSON when it parses as JSON,
// the text itself otherwise.
func ParseValue(v string) any {
	t := strings.TrimSpace(v)
	if t == "" {
		return v
	}
	var out any
	dec := json.NewDecoder(strings.NewReader(t))
	if err := dec.Decode(&out); err != nil {
		return v
	}
	// Trailing text ("1 2", "true story") means it was not one JSON value.
	if dec.More() {
		return v
	}
	if _, err := dec.Token(); err == nil {
		return v
	}
	return out
}

// ParseAttrs parses pairs in order into one object; a later pair wins, and
// dotted keys merge into nested objects. A malformed pair is an error naming it.
func ParseAttrs(pairs []string) (map[string]any, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	out := map[string]any{}
	for _, p := range pairs {
		path, v, err := ParseAttr(p)
		if err != nil {
			return nil, err
		}
		if err := setPath(out, path, v); err != nil {
			return nil, fmt.Errorf("%q: %w", p, err)
		}
	}
	return out, nil
}

// SplitPairs splits the text of an attribute field into pairs. Pairs are
// separated by whitespace or commas outside quotes, brackets and braces, so
// `a=1 tags=["x", "y"] name="New York"` is three pairs.
func SplitPairs(s string) ([]string, error) {
	var (
		pairs []string
		cur   strings.Builder
		depth int
		quote bool
		esc   bool
	)
	flush := func() {
		if t := strings.TrimSpace(cur.String()); t != "" {
			pairs = append(pairs, t)
		}
		cur.Reset()
	}
	for _, r := range s {
		switch {
		case esc:
			esc = false
		case quote && r == '\\':
			esc = true
		case r == '"':
			quote = !quote
		case quote:
		case r == '[' || r == '{':
			depth++
		case (r == ']' || r == '}') && depth > 0:
			depth--
		case depth == 0 && (r == ' ' || r == '\t' || r == ',' || r == '\n'):
			flush()
			continue
		}
		cur.WriteRune(r)
	}
	if quote {
		return nil, fmt.Errorf("unclosed quote in %q", s)
	}
	if depth > 0 {
		return nil, fmt.Errorf("unclosed bracket in %q", s)
	}
	flush()
	return pairs, nil
}

// ParseAttrText parses an attribute field's whole text ("a=1 b=x") into an object.
func ParseAttrText(s string) (map[string]any, error) {
	pairs, err := SplitPairs(s)
	if err != nil {
		return nil, err
	}
	return ParseAttrs(pairs)
}

func setPath(m map[string]any, path []string, v any) error {
	for i, seg := range path[:len(path)-1] {
		next, ok := m[seg]
		if !ok {
			child := map[string]any{}
			m[seg] = child
			m = child
			continue
		}
		child, ok := next.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is already %s, not an object", strings.Join(path[:i+1], "."), FormatValue(next))
		}
		m = child
	}
	last := path[len(path)-1]
	if old, ok := m[last].(map[string]any); ok {
		if nv, ok := v.(map[string]any); ok {
			m[last] = MergeAttrs(old, nv)
			return nil
		}
	}
	m[last] = v
	return nil
}

// MergeAttrs merges b over a as Permit's PDP merges attributes: later wins,
// nested objects merge key by key, arrays and scalars are replaced whole.
// Neither input is modified.
func MergeAttrs(a, b map[string]any) map[string]any {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bo, ok := v.(map[string]any); ok {
			if ao, ok := out[k].(map[string]any); ok {
				out[k] = MergeAttrs(ao, bo)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// FormatValue writes an attribute value as it would be typed after '=', so
// that its type shows: "true" (a string) versus true (a bool).
func FormatValue(v any) string {
	if s, ok := v.(string); ok {
		// A string that would parse as something else must be quoted to stay a string.
		if _, isStr := ParseValue(s).(string); isStr && s != "" && !strings.ContainsAny(s, " ,\t\n\"") {
			return s
		}
		b, _ := json.Marshal(s)
		return string(b)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimRight(buf.String(), "\n")
}

// FormatAttrs writes an object back as k=v pairs (sorted, dotted for nested
// objects) that ParseAttrText reads back to the same object.
func FormatAttrs(m map[string]any) string {
	var parts []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := m[k]
			name := prefix + k
			if sub, ok := v.(map[string]any); ok && len(sub) > 0 && !strings.Contains(k, ".") {
				walk(name+".", sub)
				continue
			}
			parts = append(parts, name+"="+FormatValue(v))
		}
	}
	walk("", m)
	return strings.Join(parts, " ")
}

// WithArticle is a type name from TypeName as a sentence says it: "an
// object", "a number", "null".
func WithArticle(typ string) string {
	switch typ {
	case "array", "object":
		return "an " + typ
	case "null":
		return "null"
	}
	return "a " + typ
}

// JSONKind names the kind of JSON value raw holds, with its article ("an
// object", "a number"), from its first character: raw is a part of a
// document that already parsed as JSON, and its kind is known even when Go
// cannot hold its value (1e400 is a number too large for a float64).
func JSONKind(raw []byte) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a bool"
	case 'n':
		return "null"
	}
	return "a number"
}

// TypeName names a JSON value's type as people and the policy schema say it:
// string, number, bool, array, object, null.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case float64, float32, int, int64, int32, json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	default:
		return fmt.Sprintf("%T", v)
	}
}
