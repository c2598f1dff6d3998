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
// left to do alongside. So the tuples are sorted while the pages arrive: a
// run at a time, and two runs of about one size are merged as soon as there
// are, as a binary counter carries (sortedRuns). Once the last page is in,
// what is left is to merge a few runs of falling sizes, about one pass over
// the tuples.

// runLen is how many tuples are sorted at a time: the last run is sorted
// after the last page, so it is short; merging as the runs come makes a
// short run cost no more in all than a long one.
const runLen = 8 << 10

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
// appended are sorted as one run, and merged with the run before when that
// is no longer, so that the runs' sizes fall from the first to the last and
// there are few of them.
type sortedRuns struct {
	items []policy.Relationship
	// ends are the ends of the runs sorted so far.
	ends []int
	// size is the length of a run (runLen when 0).
	size int
	// buf holds the left run of a merge.
	buf []policy.Relationship
}

// add appends items and sorts the run they complete, if they do.
func (r *sortedRuns) add(items ...policy.Relationship) {
	r.items = append(r.items, items...)
	if start := r.start(); len(r.items)-start >= cmp.Or(r.size, runLen) {
		r.seal(start)
	}
}

// start is where the run not yet sorted starts.
func (r *sortedRuns) start() int {
	if len(r.ends) == 0 {
		return 0
	}
	return r.ends[len(r.ends)-1]
}

// seal sorts the run from start to the end and merges it with the runs
// before that are no longer than it.
func (r *sortedRuns) seal(start int) {
	slices.SortFunc(r.items[start:], compareRels)
	r.ends = append(r.ends, len(r.items))
	for len(r.ends) >= 2 && r.runLen(len(r.ends)-2) <= r.runLen(len(r.ends)-1) {
		r.mergeLast()
	}
}

// runLen is the length of run i.
func (r *sortedRuns) runLen(i int) int {
	if i == 0 {
		return r.ends[0]
	}
	return r.ends[i] - r.ends[i-1]
}

// mergeLast merges the last two runs into one.
func (r *sortedRuns) mergeLast() {
	n := len(r.ends)
	start := 0
	if n >= 3 {
		start = r.ends[n-3]
	}
	mid, end := r.ends[n-2], r.ends[n-1]
	r.buf = append(r.buf[:0], r.items[start:mid]...)
	merge(r.items[start:end], r.buf, r.items[mid:end], compareRels)
	clear(r.buf)
	r.ends = append(r.ends[:n-2], end)
}

// sorted sorts what is not yet and merges the runs, the shortest first:
// the items, sorted.
func (r *sortedRuns) sorted() []policy.Relationship {
	if start := r.start(); start < len(r.items) {
		r.seal(start)
	}
	for len(r.ends) > 1 {
		r.mergeLast()
	}
	items := r.items
	*r = sortedRuns{}
	return items
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
