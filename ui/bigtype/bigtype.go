// Package bigtype draws the outcome words (ALLOW, DENY, ERROR and their
// marks) in large block letters, for the explorer's decision pane and the
// presenter. The letters are made of blocks, not colour, so they stay
// readable with NO_COLOR.
package bigtype

import "strings"

// font is 5 pixels high: one string per pixel row, '#' is ink. It holds the
// letters of the outcome words and their marks only.
var font = map[rune][5]string{
	'A': {".##.", "#..#", "####", "#..#", "#..#"},
	'L': {"#...", "#...", "#...", "#...", "####"},
	'O': {".##.", "#..#", "#..#", "#..#", ".##."},
	'W': {"#...#", "#...#", "#.#.#", "#.#.#", ".#.#."},
	'D': {"###.", "#..#", "#..#", "#..#", "###."},
	'E': {"####", "#...", "###.", "#...", "####"},
	'N': {"#..#", "##.#", "#.##", "#..#", "#..#"},
	'Y': {"#...#", ".#.#.", "..#..", "..#..", "..#.."},
	'R': {"###.", "#..#", "###.", "#.#.", "#..#"},
	'✓': {"....#", "...#.", "#.#..", ".#...", "....."},
	'✗': {"#...#", ".#.#.", "..#..", ".#.#.", "#...#"},
	'!': {"#", "#", "#", ".", "#"},
	' ': {"..", "..", "..", "..", ".."},
}

// Pixels lays s out in the font, one column of space between glyphs. Runes
// the font lacks are skipped, so callers pass outcome words and marks.
func Pixels(s string) [5]string {
	var rows [5]strings.Builder
	first := true
	for _, r := range s {
		g, ok := font[r]
		if !ok {
			continue
		}
		for i := range rows {
			if !first {
				rows[i].WriteByte('.')
			}
			rows[i].WriteString(g[i])
		}
		first = false
	}
	var out [5]string
	for i := range rows {
		out[i] = rows[i].String()
	}
	return out
}

// Half draws pixels one cell each, two pixel rows to a terminal row with
// half blocks: three rows, as wide as the pixels.
func Half(px [5]string) []string {
	out := make([]string, 3)
	for line := range 3 {
		top, bottom := px[line*2], ""
		if line*2+1 < len(px) {
			bottom = px[line*2+1]
		}
		var b strings.Builder
		for x := 0; x < len(top); x++ {
			t, d := top[x] == '#', x < len(bottom) && bottom[x] == '#'
			switch {
			case t && d:
				b.WriteString("█")
			case t:
				b.WriteString("▀")
			case d:
				b.WriteString("▄")
			default:
				b.WriteByte(' ')
			}
		}
		out[line] = strings.TrimRight(b.String(), " ")
	}
	return out
}

// Tall draws each pixel two cells wide and a row tall: five rows, twice as
// wide as the pixels, for a screen seen across a room.
func Tall(px [5]string) []string {
	out := make([]string, len(px))
	for i, row := range px {
		var b strings.Builder
		for _, c := range row {
			if c == '#' {
				b.WriteString("██")
			} else {
				b.WriteString("  ")
			}
		}
		out[i] = strings.TrimRight(b.String(), " ")
	}
	return out
}

// Word draws s as large as fits in w cells: Tall when tall is set and it
// fits, else Half when it fits, else the plain word.
func Word(s string, w int, tall bool) []string {
	px := Pixels(s)
	n := len(px[0])
	switch {
	case tall && 2*n <= w:
		return Tall(px)
	case n <= w:
		return Half(px)
	}
	return []string{s}
}
