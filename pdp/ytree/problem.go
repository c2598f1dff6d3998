// Package ytree reads YAML and JSON files (policies, the config, scenario
// files) into a tree of values that remember their line and column, so that
// the code reading a file can report every mistake at once, each where it
// was written, as "file:line:col: message". It holds the one Problem type
// those readers share and Suggest, their "did you mean" hint.
//
// Parsing is linear in the size of the file: nesting deeper than the
// reader's limit is refused by a scan of the text before any parser sees
// it, and aliases are shared rather than copied, their expansion counted.
// JSON and the common part of YAML are read by readers of its own, several
// times faster than the YAML parser (go.yaml.in/yaml/v3), which reads the
// rest. See Parse.
package ytree

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one mistake in a file, at a 1-based line and column. Line and
// Col are 0 when the position is unknown. File is empty only for a policy
// built in Go rather than read from a file; such a problem prints as
// "policy: ..." and its message names the offending value's path instead.
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

// Problems is every mistake found in a file, sorted by position by Err. It
// is the error the readers return, so a caller gets all of them at once.
type Problems []Problem

// Error lists the problems one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Err sorts the problems by file, line and column and returns them as an
// error, or nil when there are none: a nil Problems stored in an error
// interface would not compare equal to nil. The sort is stable so that
// problems found at one spot keep the order they were found in.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
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
	return ps
}
