package policy

import (
	"fmt"
	"strings"
	"testing"
)

// hostileFiles are files of about 1 MB (one of 40 KB) that cost a YAML
// library time and memory growing faster than their size: nesting, and
// flow collections with many entries on one line.
func hostileFiles() map[string][]byte {
	const size = 1 << 20
	files := map[string][]byte{}
	n := size / 2
	files["flow-nesting-40KB"] = []byte("version: 1\ntenants: {t: {attributes: {x: " + strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000) + "}}}\n")
	files["flow-nesting-1MB"] = []byte("version: 1\ntenants: {t: {attributes: {x: " + strings.Repeat("[", n) + strings.Repeat("]", n) + "}}}\n")
	files["sequence-nesting-1MB"] = []byte("version: 1\ntenants:\n  t:\n    attributes:\n      x: \n" + strings.Repeat("- ", n) + "x\n")
	var block strings.Builder
	block.WriteString("version: 1\ntenants:\n  t:\n    attributes:\n")
	for i := 0; block.Len() < size; i++ {
		fmt.Fprintf(&block, "%sk%d:\n", strings.Repeat(" ", 6+2*i), i)
	}
	files["block-nesting-1MB"] = []byte(block.String())
	var wide strings.Builder
	wide.WriteString("version: 1\ntenants: {t: {attributes: {")
	for i := 0; wide.Len() < size; i++ {
		fmt.Fprintf(&wide, "key%d: value%d, ", i, i)
	}
	wide.WriteString("last: 1}}}\n")
	files["wide-flow-mapping-1MB"] = []byte(wide.String())
	// Thousands of unknown names among thousands of declared ones: every
	// problem asks for a "did you mean" among all the tenants.
	var mistakes strings.Builder
	mistakes.WriteString("version: 1\ntenants:\n")
	for i := 0; mistakes.Len() < size/2; i++ {
		fmt.Fprintf(&mistakes, "  t%d: {}\n", i)
	}
	mistakes.WriteString("users:\n")
	for i := 0; mistakes.Len() < size; i++ {
		fmt.Fprintf(&mistakes, "  u%d: {tenants: [x%d]}\n", i, i)
	}
	files["many-mistakes-1MB"] = []byte(mistakes.String())
	return files
}

// plainFile is a valid policy of about 1 MB written in block style, the
// baseline the hostile files are compared with.
func plainFile() []byte {
	var b strings.Builder
	b.WriteString("version: 1\ntenants:\n")
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "  tenant%d:\n    name: Tenant %d\n    attributes: {plan: pro, seats: %d}\n", i, i, i)
	}
	return []byte(b.String())
}

// BenchmarkHostileFile: every file of 1 MB or less is validated or refused
// in well under a second and 200 MB, nesting first of all, which is refused
// before any YAML parser sees it.
func BenchmarkHostileFile(b *testing.B) {
	plain := plainFile()
	b.Run("baseline=valid-1MB", func(b *testing.B) {
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			if _, err := Parse("plain.yaml", plain); err != nil {
				b.Fatal(err)
			}
		}
	})
	for name, data := range hostileFiles() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				_, _ = Parse(name+".yaml", data)
			}
		})
	}
}
