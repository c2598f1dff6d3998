package ui

import (
	"fmt"
	"os"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

func TestPreview(t *testing.T) {
	if os.Getenv("PREVIEW") == "" {
		t.Skip()
	}
	tg := engine.NewTarget(engine.New(policy.Demo()), "demo policy", "")
	h := newHarness(t, New(Options{Target: tg}), 80, 24, true)
	h.typeText("bob@acme.io")
	h.key("tab")
	h.key("tab")
	h.typeText("delete")
	h.key("tab")
	h.typeText("document")
	h.key("enter")
	fmt.Println(h.m.View().Content)
	h.send(tea.WindowSizeMsg{Width: 140, Height: 40})
	fmt.Println(h.m.View().Content)
}
