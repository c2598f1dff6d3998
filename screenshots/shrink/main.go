// Command shrink scales freeze's PNGs down by an integer factor with a box
// filter and recompresses them. freeze draws at 4× scale, which makes a
// 140×40 screen a 1.1 MB picture; at 2× it is still sharp on a high-density
// display and a quarter of the size. Standard library only, so the
// screenshot script needs nothing but Go and freeze.
//
//	go run ./screenshots/shrink [-by 2] FILE.png...
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
)

func main() {
	by := flag.Int("by", 2, "divide width and height by this")
	flag.Parse()
	for _, path := range flag.Args() {
		if err := shrink(path, *by); err != nil {
			fmt.Fprintln(os.Stderr, "shrink:", err)
			os.Exit(1)
		}
	}
}

func shrink(path string, by int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	src, err := png.Decode(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	b := src.Bounds()
	w, h := b.Dx()/by, b.Dy()/by
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	n := uint32(by * by)
	for y := range h {
		for x := range w {
			var r, g, bl, a uint32
			for dy := range by {
				for dx := range by {
					cr, cg, cb, ca := src.At(b.Min.X+x*by+dx, b.Min.Y+y*by+dy).RGBA()
					r, g, bl, a = r+cr, g+cg, bl+cb, a+ca
				}
			}
			r, g, bl, a = r/n, g/n, bl/n, a/n
			if a == 0 {
				dst.SetNRGBA(x, y, color.NRGBA{})
				continue
			}
			// Un-premultiply: RGBA() is alpha-premultiplied, NRGBA is not.
			dst.SetNRGBA(x, y, color.NRGBA{
				R: uint8(r * 0xffff / a >> 8), G: uint8(g * 0xffff / a >> 8),
				B: uint8(bl * 0xffff / a >> 8), A: uint8(a >> 8),
			})
		}
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(out, dst); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
