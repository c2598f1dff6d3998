package ui

import "github.com/pdpx/pdpx/ui/bigtype"

// bigText renders an outcome word and its mark in block letters, three rows
// tall, so the verdict reads at a glance and without colour.
func bigText(s string) []string { return bigtype.Half(bigtype.Pixels(s)) }
