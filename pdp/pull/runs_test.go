package pull

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pdpx/pdpx/pdp/policy"
)

// TestSortedRunsSortAsOneSortDoes: whatever the number of tuples and the
// pages they come in, the runs merged are the tuples sorted.
func TestSortedRunsSortAsOneSortDoes(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	const size = 1000
	for _, n := range []int{0, 1, 99, size - 1, size, size + 1, 3*size + 17, 5 * size, 37 * size} {
		var all []policy.Relationship
		for range n {
			// Few distinct values, so that ties on every field are common.
			all = append(all, policy.Relationship{
				Subject:  fmt.Sprintf("folder:f%d", rnd.IntN(50)),
				Relation: []string{"parent", "owner"}[rnd.IntN(2)],
				Object:   fmt.Sprintf("document:d%d", rnd.IntN(200)),
			})
		}
		r := sortedRuns{size: size}
		for rest := all; len(rest) > 0; {
			page := min(len(rest), 1+rnd.IntN(150))
			r.add(rest[:page]...)
			rest = rest[page:]
		}
		want := slices.Clone(all)
		slices.SortFunc(want, compareRels)
		if got := r.sorted(); !slices.Equal(got, want) {
			t.Errorf("%d tuples: the merged runs are not the tuples sorted", n)
		}
	}
}
