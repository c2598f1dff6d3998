package pull

import (
	"cmp"
	"encoding/binary"
	"math"
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
// are, as a binary counter carries (sortedRuns). A little before the last
// page, the runs so far are merged and their tuples put in order, on a
// goroutine of their own (settle); once the last page is in, what is left
// is to merge the few runs after them, and them into the front.
//
// What is sorted is not the tuples but a key of each (relKey): 24 bytes
// with no pointer in them, that order most pairs of tuples without reading
// their strings. Sorting the tuples themselves cost most of its time in
// moving three strings at a time (the collector, which runs often in a
// pull, has to hear of every pointer moved) and in reading strings
// scattered over the heap.

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

// relKey is where a tuple sorts, as far as the starts of its strings tell,
// and the tuple's index.
//
// Objects and subjects are "type:key": their order is the order of "type:"
// (a type holds no colon, so of two types' "type:" neither is the start of
// the other, and they differ where the refs do) and then of the key. So
// obj is the rank of the object's "type:" among the resource types' and
// the first six bytes of its key; objLo the next three and the key's
// length up to shortKey; rest the rank of the relation among the relations'
// names, of the subject's "type:", and the first four bytes of the
// subject's key; bytes past a key's end are zero. Where two keys differ
// they order their tuples as compareRels does: object keys that agree on
// their first nine bytes and are shorter than shortKey differ only in
// length, the shorter one being the start of the other. Where they tie,
// the strings decide; a tie of objects shorter than shortKey says they are
// equal.
//
// A tuple whose ref or relation the ranks do not hold has no key (objLo
// is 0: a key's length is at least 1) and is compared by its strings.
type relKey struct {
	obj, rest uint64
	objLo     uint32
	at        uint32 // index of the tuple in sortedRuns.items
}

// shortKey is the length in a relKey at and above which object keys are
// compared whole when their first nine bytes tie.
const shortKey = 10

// sortedRuns is a list of relationships being sorted as it grows: every
// runLen added are sorted (by key) as one run, and merged with the run
// before when that is no longer, so that the runs' sizes fall from the
// first to the last and there are few of them.
type sortedRuns struct {
	// items are the relationships as added.
	items []policy.Relationship
	// keys are the items' keys, sorted in runs; ends are the ends of the
	// runs sorted so far.
	keys []relKey
	ends []int
	// types rank the resource types' "type:", relations the relations'
	// names (nil when there are more than sixteen bits can rank).
	types, relations map[string]uint64
	// size is the length of a run (runLen when 0).
	size int
	// buf holds the left run of a merge.
	buf []relKey
	// settleAt is the length at which the runs so far are settled (0:
	// never); settled is how many items, from the first, a settle has
	// taken, and settling is closed once it has put them in order (nil
	// while none has started).
	settleAt, settled int
	settling          chan struct{}
}

// settleAhead is how many runs before the expected end the runs are
// settled: about a tenth of a second of pages in the large generated
// environment, long enough for the settling to end first.
const settleAhead = 4

// newSortedRuns sorts relationships between instances of types by
// relations, sizing for n of them.
func newSortedRuns(types, relations []string, n int) sortedRuns {
	colon := make([]string, len(types))
	for i, t := range types {
		colon[i] = t + ":"
	}
	r := sortedRuns{items: make([]policy.Relationship, 0, n), keys: make([]relKey, 0, n)}
	r.types = ranks(colon, ":")
	r.relations = ranks(relations, "")
	r.expect(n)
	return r
}

// expect sets when the runs are settled, for n tuples expected: only a
// list of many runs is worth it.
func (r *sortedRuns) expect(n int) {
	ahead := settleAhead * cmp.Or(r.size, runLen)
	r.settleAt = 0
	if n >= 2*ahead {
		r.settleAt = n - ahead
	}
}

// ranks are the places of names in their sorted order, by name less
// suffix; nil when there are too many for sixteen bits.
func ranks(names []string, suffix string) map[string]uint64 {
	if len(names) > 1<<16 {
		return nil
	}
	names = slices.Clone(names)
	slices.Sort(names)
	out := make(map[string]uint64, len(names))
	for i, n := range slices.Compact(names) {
		out[strings.TrimSuffix(n, suffix)] = uint64(i)
	}
	return out
}

// relRanks are the ranks a tuple's key holds: its object's type's, its
// subject's type's and its relation's; ok is false when the ranks do not
// hold one of them (the tuple then has no key).
type relRanks struct {
	obj, subj, rel uint64
	ok             bool
}

// ranksOf are the ranks of a tuple between an instance of subjType and one
// of typ by relation.
func (r *sortedRuns) ranksOf(typ, subjType, relation string) relRanks {
	ot, ok1 := r.types[typ]
	st, ok2 := r.types[subjType]
	rr, ok3 := r.relations[relation]
	return relRanks{obj: ot, subj: st, rel: rr, ok: ok1 && ok2 && ok3}
}

// add appends rel, whose object's key is id and subject's subjID, with
// the ranks ranksOf gave for its types and relation, and sorts the run it
// completes, if it does.
func (r *sortedRuns) add(rel policy.Relationship, id, subjID string, ranks relRanks) {
	k := relKey{at: uint32(len(r.items))}
	if ranks.ok && id != "" {
		var b [10]byte
		copy(b[:9], id)
		b[9] = byte(min(len(id), shortKey))
		k.obj = ranks.obj<<48 | uint64(binary.BigEndian.Uint16(b[0:]))<<32 | uint64(binary.BigEndian.Uint32(b[2:]))
		k.objLo = binary.BigEndian.Uint32(b[6:])
		var sb [4]byte
		copy(sb[:], subjID)
		k.rest = ranks.rel<<48 | ranks.subj<<32 | uint64(binary.BigEndian.Uint32(sb[:]))
	}
	if r.settling != nil && (len(r.items) == cap(r.items) || len(r.keys) == cap(r.keys)) {
		// Growing would move the front the settling works on.
		<-r.settling
	}
	r.items = append(r.items, rel)
	r.keys = append(r.keys, k)
	if start := r.start(); len(r.keys)-start >= cmp.Or(r.size, runLen) {
		r.seal(start)
	}
}

// compare orders two tuples by their keys, as far as they tell, then by
// their strings: always as compareRels does.
func (r *sortedRuns) compare(a, b relKey) int {
	return compareKeyed(a, &r.items[a.at], b, &r.items[b.at])
}

// compareKeyed orders tuple x, whose key is a, and y, whose key is b.
func compareKeyed(a relKey, x *policy.Relationship, b relKey, y *policy.Relationship) int {
	if a.objLo == 0 || b.objLo == 0 {
		return compareRels(*x, *y)
	}
	if a.obj != b.obj {
		return cmp.Compare(a.obj, b.obj)
	}
	if a.objLo != b.objLo {
		return cmp.Compare(a.objLo, b.objLo)
	}
	if a.objLo&0xff == shortKey {
		if c := strings.Compare(x.Object, y.Object); c != 0 {
			return c
		}
	}
	if a.rest != b.rest {
		return cmp.Compare(a.rest, b.rest)
	}
	// Equal relations (their ranks tie), subjects of one type.
	return strings.Compare(x.Subject, y.Subject)
}

// start is where the run not yet sorted starts.
func (r *sortedRuns) start() int {
	if len(r.ends) == 0 {
		return r.settled
	}
	return r.ends[len(r.ends)-1]
}

// seal sorts the run from start to the end and merges it with the runs
// before that are no longer than it.
func (r *sortedRuns) seal(start int) {
	slices.SortFunc(r.keys[start:], r.compare)
	r.ends = append(r.ends, len(r.keys))
	for len(r.ends) >= 2 && r.runLen(len(r.ends)-2) <= r.runLen(len(r.ends)-1) {
		r.mergeLast()
	}
	if r.settling == nil && r.settleAt > 0 && len(r.keys) >= r.settleAt {
		r.settle()
	}
}

// runLen is the length of run i.
func (r *sortedRuns) runLen(i int) int {
	if i == 0 {
		return r.ends[0] - r.settled
	}
	return r.ends[i] - r.ends[i-1]
}

// mergeLast merges the last two runs into one.
func (r *sortedRuns) mergeLast() {
	r.ends, r.buf = mergeLastRuns(r.keys, r.ends, r.settled, r.buf, r.compare)
}

// mergeLastRuns merges the last two of the runs of keys that end at ends
// (the first starting at from) and returns the ends left; buf holds the
// left run, and is returned for the next.
func mergeLastRuns(keys []relKey, ends []int, from int, buf []relKey, compare func(a, b relKey) int) ([]int, []relKey) {
	n := len(ends)
	start := from
	if n >= 3 {
		start = ends[n-3]
	}
	mid, end := ends[n-2], ends[n-1]
	buf = append(buf[:0], keys[start:mid]...)
	merge(keys[start:end], buf, keys[mid:end], compare)
	return append(ends[:n-2], end), buf
}

// settle puts the tuples of the runs sealed so far in order, on a goroutine
// of its own, while the last pages come: merging them into one run and
// putting the tuples in its order was most of what was left after the last
// page. The runs after them are sorted as before, and merged with them at
// the end (sorted). The goroutine works on the front of items and keys
// only, and add waits for it before it would move them (growing them).
func (r *sortedRuns) settle() {
	s := r.start()
	items, keys, ends := r.items[:s], r.keys[:s], r.ends
	done := make(chan struct{})
	r.settling, r.settled, r.ends = done, s, nil
	go func() {
		defer close(done)
		compare := func(a, b relKey) int { return compareKeyed(a, &items[a.at], b, &items[b.at]) }
		var buf []relKey
		for len(ends) > 1 {
			ends, buf = mergeLastRuns(keys, ends, 0, buf, compare)
		}
		inOrder(items, keys, 0)
	}()
}

// sorted sorts what is not yet and merges the runs, the shortest first,
// and puts the items in the order of their keys: the items, sorted.
func (r *sortedRuns) sorted() []policy.Relationship {
	if start := r.start(); start < len(r.keys) {
		r.seal(start)
	}
	for len(r.ends) > 1 {
		r.mergeLast()
	}
	if r.settling != nil {
		<-r.settling
	}
	items, keys, s := r.items, r.keys, r.settled
	*r = sortedRuns{}
	inOrder(items[s:], keys[s:], s)
	if s == 0 || s == len(items) {
		return items
	}
	// The settled front and the rest, each in order, merged from the back:
	// the rest is copied aside, and the front moves up into its place.
	restItems, restKeys := slices.Clone(items[s:]), slices.Clone(keys[s:])
	i, j := s-1, len(restItems)-1
	for k := len(items) - 1; j >= 0; k-- {
		if i >= 0 && compareKeyed(keys[i], &items[i], restKeys[j], &restItems[j]) > 0 {
			items[k] = items[i]
			i--
		} else {
			items[k] = restItems[j]
			j--
		}
	}
	return items
}

// inOrder puts items (whose first is the base-th of the list) in the
// order of keys, sorted: place i takes the item keys[i].at names. The
// places form cycles; each is walked once, marking its keys done, with one
// item held aside. The keys are then the items', place by place, their at
// spent.
func inOrder(items []policy.Relationship, keys []relKey, base int) {
	const done = math.MaxUint32
	for i := range keys {
		if keys[i].at == done {
			continue
		}
		held, j := items[i], i
		for {
			from := int(keys[j].at) - base
			keys[j].at = done
			if from == i {
				items[j] = held
				break
			}
			items[j] = items[from]
			j = from
		}
	}
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
