package present

import "strings"

// font is a 5-pixel-high font for the verdicts: one string per pixel row,
// '#' is ink. The explorer has a font of its own (ui/bigtext.go, not
// exported); this one is drawn larger, for a screen seen across a room.
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

// pixels lays s out in the font, one column of space between glyphs.
func pixels(s string) [5]string {
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

// bigWord draws s as large as fits in w cells: each pixel two cells wide and
// a row tall (five rows; only when tall is set), else one cell per pixel
// with half blocks (three rows), else the plain word. The words stay
// readable without colour.
func bigWord(s string, w int, tall bool) []string {
	px := pixels(s)
	n := len(px[0])
	switch {
	case tall && 2*n <= w:
		out := make([]string, 5)
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
	case n <= w:
		out := make([]string, 3)
		for line := range 3 {
			top, bottom := px[line*2], ""
			if line*2+1 < 5 {
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
	return []string{s}
}
