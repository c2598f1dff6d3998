package policy

import "github.com/pdpx/pdpx/pdp/ytree"

// Problem is one mistake in a policy file, at a 1-based line and column.
// Line and Col are 0 for a policy that was built in Go rather than read from
// a file (see Policy.Validate); Msg then starts with the dotted path of the
// offending value instead. It is the Problem of every file pdpx reads.
type Problem = ytree.Problem

// Problems is every mistake found in a policy, sorted by position. It is the
// error Load, Parse and Validate return, so a caller gets all of them at once.
type Problems = ytree.Problems

// Suggest returns the candidate closest to name, for a "did you mean X?"
// hint, or "" when none is close enough to be a plausible typo (see
// ytree.Suggest, which every file reader shares).
func Suggest(name string, candidates []string) string { return ytree.Suggest(name, candidates) }

func didYouMean(name string, candidates []string) string { return ytree.DidYouMean(name, candidates) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
