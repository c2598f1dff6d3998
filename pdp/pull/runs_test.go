package pull

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pdpx/pdpx/pdp/policy"
)

// TestSortedRunsSortAsOneSortDoes: whatever the number of tuples and the
// pages they come in, the runs merged are the tuples sorted. The types
// include ones whose "type:" orders otherwise than the type alone ("doc2"
// < "doc:" but "doc" < "doc2"), the keys ones that tie on the bytes the
// sort keys hold, or differ only after them, or only by a zero byte; and
// some tuples have no key (a type or relation the ranks do not hold). The
// runs are settled before the end when as many tuples as expected come, or
// more (the settling then ends before the lists grow), and not when fewer
// come.
func TestSortedRunsSortAsOneSortDoes(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	const size = 1000
	types := []string{"doc", "doc2", "doc-x", "a", "ab", "b"}
	ids := []string{"d1", "d1\x00", "d10", "x", "abcdef", "abcdefghij", "abcdefghijk", "abcdefghijj", "abcdefghi", "abcdefg", "abcdeg", "é", "\xff"}
	relations := []string{"parent", "owner", "own", "parent2"}
	pick := func(list []string) string { return list[rnd.IntN(len(list))] }
	for _, mode := range []string{"ranked", "unranked", "some unranked"} {
		for _, c := range []struct {
			n      int
			expect float64
		}{{0, 1}, {1, 1}, {99, 1}, {size - 1, 1}, {size, 1}, {size + 1, 1}, {3*size + 17, 1}, {5 * size, 1},
			{37 * size, 1}, {37*size + 500, 1}, {8 * size, 1}, {37 * size, 0.5}, {37 * size, 2}, {37 * size, 0}} {
			n := c.n
			type ref struct{ typ, id, subjType, subjID string }
			var all []policy.Relationship
			var refs []ref
			for range n {
				// Few distinct values, so that ties on every field are common.
				f := ref{pick(types), pick(ids), pick(types), pick(ids)}
				if mode == "some unranked" && rnd.IntN(10) == 0 {
					f.typ = "zz"
				}
				all = append(all, policy.Relationship{Subject: f.subjType + ":" + f.subjID, Relation: pick(relations), Object: f.typ + ":" + f.id})
				refs = append(refs, f)
			}
			expected := int(float64(n) * c.expect)
			r := newSortedRuns(types, relations, expected)
			if mode == "unranked" {
				r.types = nil // as for more types than the keys can rank
			}
			r.size = size
			r.expect(expected)
			settled := false
			for i, rel := range all {
				f := refs[i]
				r.add(rel, f.id, f.subjID, r.ranksOf(f.typ, f.subjType, rel.Relation))
				settled = settled || r.settling != nil
			}
			if want := expected >= 2*settleAhead*size && n >= expected-settleAhead*size; settled != want {
				t.Errorf("%d tuples, %d expected (%s): settled %v, want %v", n, expected, mode, settled, want)
			}
			want := slices.Clone(all)
			slices.SortFunc(want, compareRels)
			if got := r.sorted(); !slices.Equal(got, want) {
				t.Errorf("%d tuples, %d expected (%s): the merged runs are not the tuples sorted", n, expected, mode)
			}
		}
	}
}

// BenchmarkSortedRuns sorts tuples shaped as the large generated
// environment's (documents related at random), a page at a time; the
// baseline is one sort of them all once they are in.
func BenchmarkSortedRuns(b *testing.B) {
	rnd := rand.New(rand.NewPCG(1, 2))
	all := make([]policy.Relationship, 200_000)
	for i := range all {
		all[i] = policy.Relationship{
			Subject:  fmt.Sprintf("document:d%d", rnd.IntN(50_000)),
			Relation: "related",
			Object:   fmt.Sprintf("document:d%d", rnd.IntN(50_000)),
		}
	}
	b.Run("runs", func(b *testing.B) {
		for b.Loop() {
			r := newSortedRuns([]string{"document"}, []string{"related"}, len(all))
			for _, rel := range all {
				typ, id, _ := policy.SplitRef(rel.Object)
				st, sid, _ := policy.SplitRef(rel.Subject)
				r.add(rel, id, sid, r.ranksOf(typ, st, rel.Relation))
			}
			r.sorted()
		}
	})
	b.Run("one-sort", func(b *testing.B) {
		for b.Loop() {
			slices.SortFunc(slices.Clone(all), compareRels)
		}
	})
}
