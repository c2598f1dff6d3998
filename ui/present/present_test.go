package present

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/state/scenario"
	"github.com/pdpx/pdpx/ui/targets"
)

func demoFile(t *testing.T) *scenario.File {
	t.Helper()
	f, err := scenario.Load("../../scenarios/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func demoTarget() pdp.Target {
	return engine.NewTarget(engine.New(policy.Demo()), policy.DemoName, "")
}

// drive runs a Cmd and feeds its message back, as the program would; a
// batch is run part by part.
func drive(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return
	}
	msg := cmd()
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			drive(t, m, c)
		}
	case decidedMsg:
		_, next := m.Update(msg)
		drive(t, m, next)
	}
}

func press(t *testing.T, m *Model, key string) {
	t.Helper()
	var k tea.KeyPressMsg
	switch key {
	case "space":
		k = tea.KeyPressMsg{Code: ' ', Text: " "}
	case "right":
		k = tea.KeyPressMsg{Code: tea.KeyRight}
	case "left":
		k = tea.KeyPressMsg{Code: tea.KeyLeft}
	case "end":
		k = tea.KeyPressMsg{Code: tea.KeyEnd}
	default:
		k = tea.KeyPressMsg{Code: rune(key[0]), Text: key}
	}
	_, cmd := m.Update(k)
	drive(t, m, cmd)
}

func newModel(t *testing.T, w, h int, dark bool) *Model {
	m := New(context.Background(), demoFile(t), demoTarget())
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	bg := color.Color(color.White)
	if dark {
		bg = color.Black
	}
	m.Update(tea.BackgroundColorMsg{Color: bg})
	drive(t, m, m.Init())
	return m
}

func TestStepsForwardAndBack(t *testing.T) {
	m := newModel(t, 80, 24, true)
	screen := ansi.Strip(m.Render())
	for _, want := range []string{"Permit's quickstart, offline", "1 / 7", "john can create documents", "✓ expected allow · rbac:allow", "John is an admin"} {
		if !strings.Contains(screen, want) {
			t.Errorf("first step lacks %q:\n%s", want, screen)
		}
	}
	// The expected code is said once, not again among the engines' codes.
	if n := strings.Count(screen, "rbac:allow"); n != 1 {
		t.Errorf("rbac:allow shown %d times on the first step:\n%s", n, screen)
	}
	press(t, m, "space")
	press(t, m, "right")
	if m.Step() != 2 {
		t.Fatalf("step %d", m.Step())
	}
	screen = ansi.Strip(m.Render())
	// The tenant went from awesome_inc back to default: marked changed.
	if !strings.Contains(screen, "▸ tenant") || strings.Contains(screen, "▸ user") || strings.Contains(screen, "▸ action") {
		t.Errorf("change marks on step 3:\n%s", screen)
	}
	if !strings.Contains(screen, "expected deny · rbac:no_role_in_tenant") {
		t.Errorf("step 3:\n%s", screen)
	}
	press(t, m, "left")
	if m.Step() != 1 {
		t.Errorf("back: step %d", m.Step())
	}
	press(t, m, "end")
	press(t, m, "space") // past the end stays on the last step
	if m.Step() != 6 {
		t.Errorf("end: step %d", m.Step())
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if cmd == nil {
		t.Fatal("q does not quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("q does not quit")
	}
	// Every screen fits its size.
	for _, line := range strings.Split(m.Render(), "\n") {
		if w := ansi.StringWidth(line); w > 80 {
			t.Errorf("line of %d cells: %q", w, ansi.Strip(line))
		}
	}
	if n := strings.Count(m.Render(), "\n") + 1; n != 24 {
		t.Errorf("%d lines", n)
	}
}

// The attribute that changed is marked: hasApproval "true" → true.
func TestChangedAttributeIsMarked(t *testing.T) {
	m := newModel(t, 80, 24, true)
	for range 4 {
		press(t, m, "space")
	}
	screen := ansi.Strip(m.Render())
	if !strings.Contains(screen, "▸   attrs    hasApproval=true") {
		t.Errorf("the resource attribute is not marked:\n%s", screen)
	}
	if strings.Contains(screen, "▸   attrs    department") {
		t.Errorf("an unchanged user attribute is marked:\n%s", screen)
	}
	// And the next step drops both attribute lists: listed as removed.
	press(t, m, "space")
	screen = ansi.Strip(m.Render())
	for _, want := range []string{"▸   attrs    department removed", "hasApproval removed", "▸ user", "▸ resource"} {
		if !strings.Contains(screen, want) {
			t.Errorf("step 6 lacks %q:\n%s", want, screen)
		}
	}
}

// An unreachable PDP shows an error, and never the token.
func TestErrorShowsNoSecrets(t *testing.T) {
	c, err := targets.Build(pdp.TargetSpec{Kind: pdp.KindPDP, URL: "http://127.0.0.1:1", Token: "token-secret", Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), demoFile(t), c)
	m.Update(tea.WindowSizeMsg{Width: 140, Height: 40})
	drive(t, m, m.Init())
	screen := ansi.Strip(m.Render())
	if !strings.Contains(screen, "expected allow, got an error") {
		t.Errorf("error step:\n%s", screen)
	}
	if strings.Contains(screen, "token-secret") {
		t.Errorf("a secret is on screen:\n%s", screen)
	}
}

func TestGoldenScreens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {140, 40}} {
		for _, dark := range []bool{false, true} {
			theme := "light"
			if dark {
				theme = "dark"
			}
			for _, step := range []int{0, 4} {
				name := fmt.Sprintf("step%d-%dx%d-%s", step+1, size[0], size[1], theme)
				t.Run(name, func(t *testing.T) {
					m := newModel(t, size[0], size[1], dark)
					for range step {
						press(t, m, "space")
					}
					golden.RequireEqual(t, []byte(m.Render()))
				})
			}
		}
	}
}
