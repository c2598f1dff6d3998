package engine

import (
	"strconv"
	"sync"

	"github.com/pdpx/pdpx/pdp"
)

// sentence writes a debug reason into a pooled buffer, so that a reason
// costs one allocation, its final string, however many parts it has
// (fmt.Sprintf and nested concatenations cost one per part and box every
// argument). The methods chain: newSentence().w("user ").q(key).done().
type sentence struct{ b []byte }

var sentencePool = sync.Pool{New: func() any { return &sentence{b: make([]byte, 0, 256)} }}

func newSentence() *sentence {
	s := sentencePool.Get().(*sentence)
	s.b = s.b[:0]
	return s
}

// done returns the sentence and recycles the buffer. Buffers that grew past
// a few reasons' worth are dropped so that one huge list does not stay
// pinned in the pool.
func (s *sentence) done() string {
	out := string(s.b)
	if cap(s.b) <= 4<<10 {
		sentencePool.Put(s)
	}
	return out
}

// w writes text as is.
func (s *sentence) w(text string) *sentence {
	s.b = append(s.b, text...)
	return s
}

// q writes a quoted name: 'john@permit.io' (what q returns, without its allocation).
func (s *sentence) q(name string) *sentence {
	s.b = append(s.b, '\'')
	s.b = append(s.b, name...)
	s.b = append(s.b, '\'')
	return s
}

// list writes names as list joins them: at most maxListed, "none" for no names.
func (s *sentence) list(items []string) *sentence { return s.items(items, false) }

// items writes a list of names, quoted or not, as list (of quoted names) would.
func (s *sentence) items(items []string, quoted bool) *sentence {
	return s.listOf(len(items), func(s *sentence, i int) {
		if quoted {
			s.q(items[i])
		} else {
			s.w(items[i])
		}
	})
}

// listOf writes n items as list joins them, item(s, i) writing the i-th:
// at most maxListed of them, "none" for none.
func (s *sentence) listOf(n int, item func(s *sentence, i int)) *sentence {
	if n == 0 {
		return s.w("none")
	}
	for i := range min(n, maxListed) {
		if i > 0 {
			s.b = append(s.b, ", "...)
		}
		item(s, i)
	}
	if n > maxListed {
		s.b = append(s.b, " and "...)
		s.b = strconv.AppendInt(s.b, int64(n-maxListed), 10)
		s.b = append(s.b, " more"...)
	}
	return s
}

// plural names a kind of thing with its quoted keys: "role 'admin'" or
// "roles 'admin', 'editor'" (at most maxListed of them).
func (s *sentence) plural(kind string, keys []string) *sentence {
	return s.pluralOf(kind, len(keys), func(i int) string { return keys[i] })
}

// pluralOf is plural over n keys that key(i) gives.
func (s *sentence) pluralOf(kind string, n int, key func(i int) string) *sentence {
	s.w(kind)
	if n == 1 {
		return s.w(" ").q(key(0))
	}
	return s.w("s ").listOf(n, func(s *sentence, i int) { s.q(key(i)) })
}

// supportLink is pdp.SupportLink(code) without an allocation for the codes
// the engine gives (TestSupportLinks keeps them equal).
func supportLink(code string) string {
	switch code {
	case "no_such_resource":
		return "https://docs.permit.io/errors/no_such_resource"
	case "no_such_action":
		return "https://docs.permit.io/errors/no_such_action"
	case "no_such_tenant":
		return "https://docs.permit.io/errors/no_such_tenant"
	case "user_not_synced":
		return "https://docs.permit.io/errors/user_not_synced"
	case "no_user_roles":
		return "https://docs.permit.io/errors/no_user_roles"
	case "no_role_in_tenant":
		return "https://docs.permit.io/errors/no_role_in_tenant"
	case "no_permission":
		return "https://docs.permit.io/errors/no_permission"
	case "disabled":
		return "https://docs.permit.io/errors/disabled"
	case "no_matching_usersets":
		return "https://docs.permit.io/errors/no_matching_usersets"
	case "no_matching_resourcesets":
		return "https://docs.permit.io/errors/no_matching_resourcesets"
	case "no_matching_rules":
		return "https://docs.permit.io/errors/no_matching_rules"
	}
	return pdp.SupportLink(code)
}
