package bigtype

import (
	"strings"
	"testing"
)

func TestWordSizes(t *testing.T) {
	px := Pixels("✗ DENY")
	n := len(px[0])
	for i := range px {
		if len(px[i]) != n {
			t.Fatalf("pixel rows differ in width: %q", px)
		}
	}
	if got := Word("✗ DENY", 2*n, true); len(got) != 5 {
		t.Errorf("tall: %d rows", len(got))
	}
	if got := Word("✗ DENY", n, true); len(got) != 3 {
		t.Errorf("half when tall does not fit: %d rows", len(got))
	}
	if got := Word("✗ DENY", n-1, false); len(got) != 1 || got[0] != "✗ DENY" {
		t.Errorf("plain when nothing fits: %q", got)
	}
}

// The letters are blocks, not colour: the half-block D of DENY has ink in
// its first column on every row.
func TestHalfBlocksInk(t *testing.T) {
	for i, row := range Half(Pixels("D")) {
		if !strings.ContainsAny(row[:3], "█▀▄") {
			t.Errorf("row %d has no ink in the first column: %q", i, row)
		}
	}
}
