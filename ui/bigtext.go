package ui

import "strings"

// glyphs is a 5-pixel-high font for the outcome words and marks. Each
// string is one pixel row; '#' is ink. bigText packs two pixel rows into
// one terminal row with half blocks, so a word is three rows tall and stays
// readable without colour.
var glyphs = map[rune][5]string{
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

// bigText renders s in the glyph font as three lines. Runes without a glyph
// are skipped, so callers pass only outcome words and marks.
func bigText(s string) []string {
	var px [5]strings.Builder
	first := true
	for _, r := range s {
		g, ok := glyphs[r]
		if !ok {
			continue
		}
		for i := range px {
			if !first {
				px[i].WriteByte('.')
			}
			px[i].WriteString(g[i])
		}
		first = false
	}
	rows := [5]string{}
	for i := range px {
		rows[i] = px[i].String()
	}
	out := make([]string, 3)
	for line := range 3 {
		top := rows[line*2]
		bottom := ""
		if line*2+1 < 5 {
			bottom = rows[line*2+1]
		}
		var b strings.Builder
		for x := 0; x < len(top); x++ {
			t := top[x] == '#'
			d := x < len(bottom) && bottom[x] == '#'
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
