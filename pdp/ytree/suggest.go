package ytree

import (
	"sort"
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
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted) // ties go to the alphabetically first: stable hints
	n := utf8.RuneCountInString(name)
	limit := max(1, n/3)
	lower := strings.ToLower(name)
	best, bestD := "", limit+1
	for _, c := range sorted {
		if c == name {
			return ""
		}
		d := distance(lower, strings.ToLower(c))
		if d < bestD && d < n {
			best, bestD = c, d
		}
	}
	if best != "" {
		return best
	}
	if n < 3 {
		return ""
	}
	var prefixed []string
	for _, c := range sorted {
		if strings.HasPrefix(strings.ToLower(c), lower) {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	return ""
}

// DidYouMean formats Suggest's answer as the tail of a message:
// ` (did you mean "x"?)`, or "" when there is no suggestion.
func DidYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" {
		return ` (did you mean "` + s + `"?)`
	}
	return ""
}

// distance is the optimal-string-alignment distance between a and b in runes:
// insertions, deletions, substitutions and transpositions of adjacent runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rolling rows: the transposition step looks two rows back.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
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
	return prev[len(rb)]
}
