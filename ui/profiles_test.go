package ui

import (
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// someProfiles is a config file as ui/cli's ProfilesFunc reads it.
func someProfiles() Profiles {
	return Profiles{Path: "/home/ada/.config/pdpx/config.yaml", Exists: true, List: []Profile{
		{Name: "local", Kind: pdp.KindPDP, Where: "http://localhost:7766", TokenSource: "env $PERMIT_API_KEY", DefaultTenant: "awesome_inc", Default: true},
		{Name: "staging", Kind: pdp.KindCloud, Where: "https://cloudpdp.api.permit.io", TokenSource: "command: op read op://dev/permit/api-key"},
		{Name: "mine", Kind: pdp.KindEmbedded, Where: "/home/ada/policies/env.yaml"},
		{Name: "bare", Kind: pdp.KindPDP, Where: "http://pdp.internal:7766"},
	}}
}

// profileSwitch records the specs it is asked for and builds fake targets.
type profileSwitch struct{ specs []pdp.TargetSpec }

func (ps *profileSwitch) build(s pdp.TargetSpec) (pdp.Target, error) {
	ps.specs = append(ps.specs, s)
	name := "pdp: localhost:7766"
	if s.Kind == pdp.KindEmbedded {
		name = "embedded: env.yaml"
	}
	return &fakeTarget{info: pdp.TargetInfo{Kind: s.Kind, Name: name, ABAC: true, Debug: true}, decide: storyDecision}, nil
}

func profilesScreen(t *testing.T, w, h int, dark bool) *harness {
	ps := &profileSwitch{}
	hs := newHarness(t, New(Options{Target: storyTarget(), Switch: ps.build,
		Profiles: func() Profiles { return someProfiles() }}), w, h, dark)
	hs.key("ctrl+t")
	hs.key("6") // the default profile, with its key source and tenant
	return hs
}

func TestProfilePickerListsAndSwitches(t *testing.T) {
	ps := &profileSwitch{}
	h := newHarness(t, New(Options{Target: storyTarget(), Switch: ps.build,
		Profiles: func() Profiles { return someProfiles() }}), 80, 24, true)
	h.key("ctrl+t")
	v := plain(h.view())
	for _, want := range []string{"Profiles · /home/ada/.config/pdpx/config.yaml", "6 local", "(default) pdp · http://localhost:7766",
		"7 staging", "8 mine", "embedded · /home/ada/policies/env.yaml", "9 bare"} {
		if !strings.Contains(v, want) {
			t.Errorf("switcher lacks %q:\n%s", want, v)
		}
	}
	h.key("7")
	if v := plain(h.view()); !strings.Contains(v, "staging: key from command: op read op://dev/permit/api-key") || !strings.Contains(v, "default tenant default") {
		t.Errorf("no details of the selected profile:\n%s", v)
	}
	// The profile with no key source asks for one in the masked field.
	h.key("9")
	if vis := h.m.sw.visible(); len(vis) != 1 || vis[0] != inToken {
		t.Errorf("bare profile inputs = %v", vis)
	}
	// The default profile: its default tenant fills an empty Tenant field.
	h.key("6")
	h.key("enter")
	if h.m.dialog != nil || h.m.cur.profile != "local" || len(ps.specs) != 1 || ps.specs[0].Profile != "local" {
		t.Fatalf("dialog %v, profile %q, specs %+v, err %q", dialogOf(h.m), h.m.cur.profile, ps.specs, h.m.sw.err)
	}
	if !strings.Contains(h.m.status, "profile local") {
		t.Errorf("status %q", h.m.status)
	}
	h.fill("john@smith.com", "", "create", "document", "", "")
	h.key("enter")
	if got := h.m.dec.entry.Check.Resource.Tenant; got != "awesome_inc" {
		t.Errorf("tenant sent = %q, want the profile's default_tenant", got)
	}
	// Reopened, the switcher stands on the profile in use.
	h.key("ctrl+t")
	if p, ok := h.m.sw.profile(); !ok || p.Name != "local" || !strings.Contains(plain(h.view()), "(in use, default)") {
		t.Errorf("reopened on %+v", p)
	}
	// A target by kind is no profile's: Permit's default tenant again.
	h.key("1")
	h.key("enter")
	if h.m.cur.profile != "" || h.m.form.tenantDefault() != pdp.DefaultTenant {
		t.Errorf("profile %q, default tenant %q", h.m.cur.profile, h.m.form.tenantDefault())
	}
}

func TestProfilePickerShowsABrokenConfig(t *testing.T) {
	broken := Profiles{Path: "/home/ada/.config/pdpx/config.yaml", Exists: true,
		Err: "/home/ada/.config/pdpx/config.yaml:7:5: unknown key \"tokn_env\" in profile \"local\" (did you mean \"token_env\"?)\n/home/ada/.config/pdpx/config.yaml:9:11: profile \"cloud\": kind is \"clod\": want embedded, pdp or cloud"}
	h := newHarness(t, New(Options{Target: storyTarget(), Switch: (&profileSwitch{}).build,
		Profiles: func() Profiles { return broken }}), 140, 40, false)
	h.key("ctrl+t")
	v := plain(h.view())
	for _, want := range []string{"config.yaml:7:5: unknown key \"tokn_env\"", "config.yaml:9:11"} {
		if !strings.Contains(v, want) {
			t.Errorf("switcher lacks %q:\n%s", want, v)
		}
	}
	// The kinds still work.
	for range len(choices) {
		h.key("down")
	}
	if h.m.sw.sel != 0 {
		t.Errorf("sel %d: there are no profile rows to move to", h.m.sw.sel)
	}
}

func TestProfilePickerWithoutAConfigFile(t *testing.T) {
	h := newHarness(t, New(Options{Target: storyTarget(), Switch: (&profileSwitch{}).build,
		Profiles: func() Profiles { return Profiles{Path: "/home/ada/.config/pdpx/config.yaml"} }}), 80, 24, true)
	h.key("ctrl+t")
	if v := plain(h.view()); !strings.Contains(v, "no config file here · pdpx config init writes an example") {
		t.Errorf("no word on the missing file:\n%s", v)
	}
}

// With many profiles the list scrolls inside an 80×24 screen.
func TestProfilePickerScrollsALongList(t *testing.T) {
	var many Profiles
	many.Path, many.Exists = "/c.yaml", true
	for i := range 20 {
		many.List = append(many.List, Profile{Name: "p" + itoa(i), Kind: pdp.KindEmbedded, Where: "demo policy"})
	}
	h := newHarness(t, New(Options{Target: storyTarget(), Switch: (&profileSwitch{}).build,
		Profiles: func() Profiles { return many }}), 80, 24, true)
	h.key("ctrl+t")
	for range 4 + 15 {
		h.key("down")
	}
	v := plain(h.view())
	if !strings.Contains(v, "p15") || !strings.Contains(v, "more") || strings.Count(v, "\n") != 23 {
		t.Errorf("p15 not in sight:\n%s", v)
	}
}
