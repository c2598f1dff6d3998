package policy

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one mistake in a policy file, at a 1-based line and column.
// Line and Col are 0 for a policy that was built in Go rather than read from
// a file (see Policy.Validate); Msg then starts with the dotted path of the
// offending value instead.
type Problem struct {
	File      string
	Line, Col int
	Msg       string
}

// String formats the problem as compilers do, "file:line:col: message", so
// editors and terminals can jump to it.
func (p Problem) String() string {
	file := p.File
	if file == "" {
		file = "policy"
	}
	if p.Line == 0 {
		return file + ": " + p.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", file, p.Line, p.Col, p.Msg)
}

// Problems is every mistake found in a policy, sorted by position. It is the
// error Load, Parse and Validate return, so a caller gets all of them at once.
type Problems []Problem

// Error lists the problems one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sortByPosition orders problems by file, line and column. The sort is stable
// so that problems found at one spot keep the order they were found in.
func (ps Problems) sortByPosition() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// err returns ps as an error, or nil when there is no problem: a nil
// Problems stored in an error interface would not compare equal to nil.
func (ps Problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	ps.sortByPosition()
	return ps
}
