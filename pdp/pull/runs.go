package pull

import (
	"cmp"
	"slices"
	"strings"

	"github.com/pdpx/pdpx/pdp/policy"
)

// The relationship tuples are most of an environment (200,000 in the large
// generated one) and the file lists them sorted, so that two pulls of one
// environment compare line by line. Sorting them all once the last page is
// in was a tenth of a second at the end of a pull, when nothing else is
// left to do alongside. So the tuples are sorted a run at a time while the
// pages arrive (sortedRuns), and the runs are merged at the end, which costs
// a few passes over them rather than a sort.

// runLen is how many tuples are sorted at a time: large enough that few
// runs are left to merge, small enough that sorting one holds up the
// tuples' reading for a few milliseconds only.
const runLen = 32 << 10

// compareRels orders relationships by object, relation, then subject: the
// order of the file.
func compareRels(a, b policy.Relationship) int {
	if c := strings.Compare(a.Object, b.Object); c != 0 {
		return c
	}
	if c := strings.Compare(a.Relation, b.Relation); c != 0 {
		return c
	}
	return strings.Compare(a.Subject, b.Subject)
}

// sortedRuns is a list being sorted as it grows: every runLen items
// appended are sorted as one run.
type sortedRuns struct {
	items []policy.Relationship
	// ends are the ends of the runs sorted so far.
	ends []int
	// size is the length of a run (runLen when 0).
	size int
}

// add appends items and sorts the run they complete, if they do.
func (r *sortedRuns) add(items ...policy.Relationship) {
	r.items = append(r.items, items...)
	if start := r.start(); len(r.items)-start >= cmp.Or(r.size, runLen) {
		r.seal(start)
	}
}

func (r *sortedRuns) start() int {
	if len(r.ends) == 0 {
		return 0
	}
	return r.ends[len(r.ends)-1]
}

func (r *sortedRuns) seal(start int) {
	slices.SortFunc(r.items[start:], compareRels)
	r.ends = append(r.ends, len(r.items))
}

// sorted sorts what is not yet and merges the runs: the items, sorted.
func (r *sortedRuns) sorted() []policy.Relationship {
	if start := r.start(); start < len(r.items) {
		r.seal(start)
	}
	mergeRuns(r.items, r.ends, compareRels)
	items := r.items
	*r = sortedRuns{}
	return items
}

// mergeRuns merges the sorted runs of s (ends are their ends) pairwise,
// pass after pass, until s is sorted. It needs room for half of s at most:
// the left run of each pair is moved aside and merged back with the right.
func mergeRuns[T any](s []T, ends []int, compare func(a, b T) int) {
	var buf []T
	ends = slices.Clone(ends)
	for len(ends) > 1 {
		next := ends[:0]
		start := 0
		for i := 0; i < len(ends); i += 2 {
			if i+1 == len(ends) {
				next = append(next, ends[i])
				break
			}
			mid, end := ends[i], ends[i+1]
			buf = append(buf[:0], s[start:mid]...)
			merge(s[start:end], buf, s[mid:end], compare)
			next = append(next, end)
			start = end
		}
		ends = next
	}
	clear(buf[:cap(buf)])
}

// merge merges the sorted a (a copy of the front of dst) and b (the back
// of dst) into dst. Writing never overtakes b's reading: at any point
// fewer items have been written than have been read from a and b.
func merge[T any](dst, a, b []T, compare func(a, b T) int) {
	i, j, k := 0, 0, 0
	for i < len(a) && j < len(b) {
		if compare(b[j], a[i]) < 0 {
			dst[k] = b[j]
			j++
		} else {
			dst[k] = a[i]
			i++
		}
		k++
	}
	// What is left of b is in place already.
	copy(dst[k:], a[i:])
}
