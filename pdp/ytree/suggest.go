package ytree

import (
	"strings"
	"unicode/utf8"
)

// Suggest returns the candidate closest to name, for a "did you mean X?"
// hint, or "" when none is close enough to be a plausible typo. Closeness is
// the optimal-string-alignment (restricted Damerau-Levenshtein) distance,
// ignoring case, so a swapped pair ("relatoins") costs one edit like a wrong
// letter does. A name that is a candidate exactly gets "".
//
// The allowed distance grows with the name's length (one edit up to five
// runes, then one more per three) because short names differ from each other
// in few letters anyway and a wild guess is worse than no hint. When no
// candidate is that close, a name of three or more runes that begins exactly
// one candidate ("doc" for "document") still gets that candidate.
func Suggest(name string, candidates []string) string {
	if name == "" || len(candidates) == 0 {
		return ""
	}
	n := utf8.RuneCountInString(name)
	limit := max(1, n/3)
	lower := strings.ToLower(name)
	var buf distanceBuf
	best, bestD := "", limit+1
	for _, c := range candidates {
		if c == name {
			return ""
		}
		// The distance is at least the difference in length: most
		// candidates of a long list are ruled out without computing it.
		if diff := utf8.RuneCountInString(c) - n; diff >= bestD || -diff >= bestD {
			continue
		}
		d := buf.distance(lower, strings.ToLower(c))
		// Ties go to the alphabetically first: stable hints.
		if d < n && (d < bestD || d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if best != "" {
		return best
	}
	if n < 3 {
		return ""
	}
	prefixed := ""
	for _, c := range candidates {
		if strings.HasPrefix(strings.ToLower(c), lower) && c != prefixed {
			if prefixed != "" {
				return "" // two prefixes: no guess
			}
			prefixed = c
		}
	}
	return prefixed
}

// DidYouMean formats Suggest's answer as the tail of a message:
// ` (did you mean "x"?)`, or "" when there is no suggestion.
func DidYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" {
		return ` (did you mean "` + s + `"?)`
	}
	return ""
}

// distanceBuf holds the rows distance works in, so that one Suggest over
// thousands of candidates does not allocate for each.
type distanceBuf struct {
	ra, rb           []rune
	prev2, prev, cur []int
}

// distance is the optimal-string-alignment distance between a and b in runes:
// insertions, deletions, substitutions and transpositions of adjacent runes.
func distance(a, b string) int {
	var buf distanceBuf
	return buf.distance(a, b)
}

func (buf *distanceBuf) distance(a, b string) int {
	buf.ra, buf.rb = buf.ra[:0], buf.rb[:0]
	for _, r := range a {
		buf.ra = append(buf.ra, r)
	}
	for _, r := range b {
		buf.rb = append(buf.rb, r)
	}
	ra, rb := buf.ra, buf.rb
	grow := func(s []int) []int {
		if cap(s) < len(rb)+1 {
			return make([]int, len(rb)+1)
		}
		return s[:len(rb)+1]
	}
	// Three rolling rows: the transposition step looks two rows back.
	prev2, prev, cur := grow(buf.prev2), grow(buf.prev), grow(buf.cur)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	buf.prev2, buf.prev, buf.cur = prev2, prev, cur
	return prev[len(rb)]
}
