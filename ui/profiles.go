package ui

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/paired"
)

// Profile is a config file profile as the switcher lists it: where it
// points and where its API key comes from, never the key itself.
type Profile struct {
	Name string
	Kind pdp.Kind
	// Where is the policy file, or the PDP's URL without credentials.
	Where string
	// TokenSource says where the key comes from ("env $PERMIT_API_KEY",
	// "command: op read …"); "" for an embedded profile or one that names
	// no source, which then takes $PERMIT_API_KEY or a key typed in the
	// switcher.
	TokenSource string
	// DefaultTenant is the tenant of checks that name none ("" for
	// Permit's "default").
	DefaultTenant string
	// Default marks the config's default profile.
	Default bool
	// Environment and PulledAt are what the header of the profile's pulled
	// file (its policy, or its snapshot) says: "web · production" and when
	// it was pulled; empty and zero when it has none.
	Environment string
	PulledAt    time.Time
}

// pulled says where the profile's pulled file came from and how old it
// is, as of now: "web · production · pulled 2 h ago", with "(stale)" past
// staleAfter; "" for a profile without a pulled file.
func (p Profile) pulled(now time.Time, staleAfter time.Duration) string {
	out := p.Environment
	if !p.PulledAt.IsZero() {
		age := now.Sub(p.PulledAt)
		out = strings.TrimPrefix(out+" · pulled "+paired.Age(age)+" ago", " · ")
		if age > staleAfter {
			out += " (stale)"
		}
	}
	return out
}

// remote reports whether the profile's target takes an API key.
func (p Profile) remote() bool {
	return p.Kind == pdp.KindPDP || p.Kind == pdp.KindCloud || p.Kind == pdp.KindAuthZEN
}

// Profiles is the config file as the switcher shows it.
type Profiles struct {
	// Path is the config file; Exists is false when there is none there.
	Path   string
	Exists bool
	List   []Profile
	// Err is why the file cannot be used, every problem with its line
	// ("config.yaml:7:5: unknown key …"). The switcher shows it in place
	// of the list.
	Err string
}

// ProfilesFunc reads the config file for the switcher. It runs in a
// tea.Cmd each time the switcher opens, so that an edit to the file shows
// without a restart; it must not resolve tokens (no token_command runs
// until a profile is chosen).
type ProfilesFunc func() Profiles

// profilesMsg answers a read of the config file.
type profilesMsg struct{ p Profiles }

// readProfiles reads the config file with f in a Cmd; nil for no f.
func readProfiles(f ProfilesFunc) tea.Cmd {
	if f == nil {
		return nil
	}
	return func() tea.Msg { return profilesMsg{p: f()} }
}

// setProfiles shows the config file as just read, now, with pulled files
// older than staleAfter marked stale.
func (s *switcher) setProfiles(p Profiles, now time.Time, staleAfter time.Duration) {
	s.profLoading = false
	s.now, s.staleAfter = now, staleAfter
	// The selection stays on the same row by name when the list changes
	// under it (the file was edited), else it goes back to the kinds.
	var selName string
	if p, ok := s.profile(); ok {
		selName = p.Name
	}
	s.profs = p
	s.sel = min(s.sel, len(choices)-1)
	want := selName
	if want == "" && s.at == 0 && s.note == "" {
		want = s.current // open on the profile in use
	}
	for i, p := range s.profs.List {
		if p.Name == want && want != "" {
			s.sel = len(choices) + i
		}
	}
	s.at = min(s.at, len(s.visible()))
	s.focusInputs()
}

// openSwitcher opens the target switcher and reads the config's profiles
// for it, in a Cmd: the file may have changed since it last opened.
func (m *Model) openSwitcher(note string) tea.Cmd {
	m.sw.open(m.cur.info, m.cur.profile, note)
	read := readProfiles(m.opts.Profiles)
	m.sw.profLoading = read != nil
	return tea.Batch(m.openDialog(m.sw), m.sw.focusCmd(), read)
}
