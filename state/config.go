package state

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/ytree"
)

// EnvConfig names the environment variable that overrides the config path.
const EnvConfig = "PDPX_CONFIG"

// TokenCommandTimeout bounds a profile's token_command: a password manager
// waiting for a touch that never comes must not hang pdpx.
const TokenCommandTimeout = 15 * time.Second

// Problem and Problems are line-numbered mistakes in a config or scenario
// file, printed "file:line:col: message" like the policy's.
type (
	Problem  = ytree.Problem
	Problems = ytree.Problems
)

// ConfigPath is where the config lives: the flag (--config) if given, else
// $PDPX_CONFIG, else $XDG_CONFIG_HOME/pdpx/config.yaml, else
// ~/.config/pdpx/config.yaml. explicit reports a path someone named, which
// must then exist; the default path may be missing (no profiles). XDG is
// spelled out because os.UserConfigDir answers ~/Library/... on macOS.
func ConfigPath(flag string) (path string, explicit bool, err error) {
	if flag != "" {
		return flag, true, nil
	}
	if p := os.Getenv(EnvConfig); p != "" {
		return p, true, nil
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "pdpx", "config.yaml"), false, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", false, fmt.Errorf("no config location: %w (set %s or use --config)", err, EnvConfig)
	}
	return filepath.Join(home, ".config", "pdpx", "config.yaml"), false, nil
}

// Profile is one named target in the config file: a pdp.TargetSpec with a
// name, where its API key comes from and a default tenant.
type Profile struct {
	Name string
	// TargetSpec is where the profile points: Kind, URL (pdp, cloud),
	// Policy (embedded; "" is the demo policy; relative to the config file
	// in the file, absolute once loaded) and Timeout (0: the default).
	// Token is a literal API key written in the file: it is accepted only
	// from a file no one else can read (see LoadConfig).
	pdp.TargetSpec
	// TokenEnv names an environment variable holding the key and
	// TokenCommand a command printing it. At most one of Token, TokenEnv
	// and TokenCommand is set.
	TokenEnv, TokenCommand string
	// DefaultTenant replaces "default" as the tenant of checks that name none.
	DefaultTenant string
	// Line is where the profile is written, for messages.
	Line int
}

// Spec is the target the profile names, with its name as Profile and the
// URL its kind's default when the file gives none. It holds no key, not
// even a literal one: ResolveToken says the key, when one is needed.
func (p Profile) Spec() pdp.TargetSpec {
	s := p.TargetSpec
	s.Token, s.KeepToken, s.Profile = "", false, p.Name
	return s.WithDefaults()
}

// Config is the parsed config file: profiles and the default one.
type Config struct {
	// Path is the file it was read from; Exists is false when that file was
	// missing (an empty config).
	Path     string
	Exists   bool
	Default  string
	Profiles []Profile
	// StaleAfter is the age past which a pulled policy file or snapshot is
	// marked stale (stale_after:); 0 means DefaultStaleAfter.
	StaleAfter time.Duration
}

// DefaultStaleAfter is the age past which a pulled policy file or snapshot
// is marked stale when the config says nothing: a day's changes in Permit
// are enough to make its explanations doubtful.
const DefaultStaleAfter = 24 * time.Hour

// MaxConfigSize is the largest config file pdpx reads; a config of many
// profiles is a few KiB.
const MaxConfigSize = 8 << 20

// ErrUnsafeConfig is wrapped by the error LoadConfig returns for a config
// file that others can read and that holds a literal token.
var ErrUnsafeConfig = errors.New("config file readable by others holds a literal token")

// LoadConfig reads the config at path. A missing file is an empty config
// unless mustExist (a path the user named). A malformed file is Problems,
// every mistake with its line. A file that group or others may read
// (mode&0o077 != 0) and that holds a literal token: is refused, naming the
// fix, because the key would be readable by every account on the machine;
// the same token in a 0600 file is the user's own business, as with ~/.netrc.
func LoadConfig(path string, mustExist bool) (*Config, error) {
	data, err := pdp.ReadFile(context.Background(), path, MaxConfigSize, "a config file")
	if errors.Is(err, fs.ErrNotExist) && !mustExist {
		return &Config{Path: path}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := ParseConfig(path, data)
	if err != nil {
		return nil, err
	}
	c.Exists = true
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		for _, p := range c.Profiles {
			if p.Token != "" {
				return nil, fmt.Errorf("%w: %s:%d: profile %q has a literal token: and the file's mode is %04o, so other accounts can read it; run `chmod 600 %s`, or better replace token: with token_env: PERMIT_API_KEY (or token_command:)",
					ErrUnsafeConfig, path, p.Line, p.Name, st.Mode().Perm(), path)
			}
		}
	}
	// A relative policy path means relative to the config file, not to
	// wherever pdpx happens to run.
	for i := range c.Profiles {
		if p := c.Profiles[i].Policy; p != "" && !filepath.IsAbs(p) {
			c.Profiles[i].Policy = filepath.Join(filepath.Dir(path), p)
		}
		if p := c.Profiles[i].Snapshot; p != "" && !filepath.IsAbs(p) {
			c.Profiles[i].Snapshot = filepath.Join(filepath.Dir(path), p)
		}
	}
	return c, nil
}

var (
	configKeys  = []string{"version", "default", "stale_after", "profiles"}
	profileKeys = []string{"kind", "url", "policy", "snapshot", "token", "token_env", "token_command", "timeout", "default_tenant"}
)

// configRead is how a config file is read: it is short and written by hand.
var configRead = ytree.Options{Kind: "config", Root: "the config", MaxDepth: 100, MaxExpansion: 10_000}

// ParseConfig reads a config from data; file names it in problems.
func ParseConfig(file string, data []byte) (*Config, error) {
	root, probs := ytree.Parse(file, data, configRead)
	r := &ytree.Reader{File: file, Probs: probs}
	c := &Config{Path: file}
	if root == nil {
		return nil, r.Probs.Err()
	}
	entries, _ := r.Entries(root, "the config", configKeys)
	var defNode *ytree.Node
	// names holds every profile written, even one with problems, so that
	// default naming it is not reported as a second mistake.
	var names []string
	for _, e := range entries {
		switch e.Key {
		case "version":
			if e.Val.Kind != ytree.Number || e.Val.Num != 1 {
				r.Errorf(e.Val, "version must be 1")
			}
		case "default":
			c.Default, _ = r.String(e.Val, `"default"`)
			defNode = e.Val
		case "stale_after":
			c.StaleAfter = parseStaleAfter(r, e.Val)
		case "profiles":
			pes, _ := r.Entries(e.Val, `"profiles"`, nil)
			for _, pe := range pes {
				names = append(names, pe.Key)
				if p, ok := parseProfile(r, pe); ok {
					c.Profiles = append(c.Profiles, p)
				}
			}
		}
	}
	if c.Default != "" {
		if !slices.Contains(names, c.Default) {
			r.Errorf(defNode, "default names profile %q, which is not in profiles%s", c.Default, hint(c.Default, names))
		}
	}
	if err := r.Probs.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Stale is the age past which a pulled file is marked stale: stale_after,
// or DefaultStaleAfter.
func (c *Config) Stale() time.Duration {
	if c == nil || c.StaleAfter <= 0 {
		return DefaultStaleAfter
	}
	return c.StaleAfter
}

// Names lists the profiles' names in file order.
func (c *Config) Names() []string {
	out := make([]string, len(c.Profiles))
	for i, p := range c.Profiles {
		out[i] = p.Name
	}
	return out
}

func (c *Config) find(name string) (Profile, bool) {
	for _, p := range c.Profiles {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

// Profile returns the named profile, or an error listing the profiles.
func (c *Config) Profile(name string) (Profile, error) {
	if p, ok := c.find(name); ok {
		return p, nil
	}
	if !c.Exists {
		return Profile{}, fmt.Errorf("profile %q: there is no config file at %s (pdpx config init writes one)", name, c.Path)
	}
	return Profile{}, fmt.Errorf("profile %q is not in %s%s", name, c.Path, hint(name, c.Names()))
}

// Selected returns the profile named, or the default one when name is "";
// ok is false when neither is set.
func (c *Config) Selected(name string) (p Profile, ok bool, err error) {
	if name == "" {
		name = c.Default
	}
	if name == "" {
		return Profile{}, false, nil
	}
	p, err = c.Profile(name)
	return p, err == nil, err
}

// TokenSource says where the profile's token comes from, never its value.
func (p Profile) TokenSource() string {
	switch {
	case p.Token != "":
		return "literal token in the config file"
	case p.TokenEnv != "":
		return "env $" + p.TokenEnv
	case p.TokenCommand != "":
		return "command: " + p.TokenCommand
	}
	return "none"
}

// ResolveToken returns the profile's API key: the literal token, the
// variable TokenEnv names, or the trimmed standard output of TokenCommand
// (run by the shell, bounded by TokenCommandTimeout). "" with a nil error
// means the profile names no source. Errors name the profile and the
// variable or command but never include the command's output, which may be
// the secret itself or part of it. The token is held in memory only.
func (p Profile) ResolveToken(ctx context.Context) (string, error) {
	switch {
	case p.Token != "":
		return p.Token, nil
	case p.TokenEnv != "":
		v := strings.TrimSpace(os.Getenv(p.TokenEnv))
		if v == "" {
			return "", fmt.Errorf("profile %q: token_env %s is not set (export it, or pass --token)", p.Name, p.TokenEnv)
		}
		return v, nil
	case p.TokenCommand != "":
		return runTokenCommand(ctx, p.Name, p.TokenCommand)
	}
	return "", nil
}

func runTokenCommand(ctx context.Context, profile, command string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, TokenCommandTimeout)
	defer cancel()
	var cmd *exec.Cmd
	if runtime.GOOS == "windows" {
		cmd = exec.CommandContext(ctx, "cmd", "/C", command)
	} else {
		cmd = exec.CommandContext(ctx, "sh", "-c", command)
	}
	// Stderr is left out on purpose: a failing secret tool may echo what
	// it was given, and pdpx promises never to print the command's output.
	cmd.Stdin, cmd.Stderr = nil, nil
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if ctx.Err() == context.DeadlineExceeded {
		return "", fmt.Errorf("profile %q: token_command %q did not finish within %s", profile, command, TokenCommandTimeout)
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("profile %q: token_command %q failed with exit code %d (its output is not shown)", profile, command, ee.ExitCode())
		}
		return "", fmt.Errorf("profile %q: token_command %q could not run: %v", profile, command, err)
	}
	tok := strings.TrimSpace(string(out))
	if tok == "" {
		return "", fmt.Errorf("profile %q: token_command %q printed nothing", profile, command)
	}
	if strings.ContainsAny(tok, "\r\n") {
		return "", fmt.Errorf("profile %q: token_command %q printed more than one line; it must print the key alone", profile, command)
	}
	return tok, nil
}

// ExampleConfig is what `pdpx config init` writes: every key, commented.
const ExampleConfig = `# pdpx config: named targets ("profiles"). pdpx --profile NAME uses one;
# "default" is used when no --profile, --policy, --pdp, --cloud or --authzen is given.
# Flags given on the command line override the profile.
#
# pdpx never writes a token to disk. Give a profile's API key with
#   token_env:     the environment variable holding it, or
#   token_command: a command printing it (a password manager), run with a
#                  15s limit; its output is never printed.
# A literal "token:" is refused unless this file is private (chmod 600).
version: 1
default: demo

profiles:
  # The embedded engine on the built-in demo policy: no account, no network.
  demo:
    kind: embedded

  # The embedded engine on a policy file (relative to this file).
  # mine:
  #   kind: embedded
  #   policy: ./env.yaml
  #   default_tenant: acme          # the tenant of checks that name none

  # Permit's PDP container, or pdpx serve, on this machine.
  local:
    kind: pdp
    url: http://localhost:7766
    token_env: PERMIT_API_KEY
    timeout: 5s

  # Any PDP that speaks AuthZEN 1.0 (Cerbos, Topaz, pdpx serve, ...).
  # Its key, if it takes one, comes from token_env or token_command; it is
  # never sent $PERMIT_API_KEY unasked.
  # interop:
  #   kind: authzen
  #   url: http://localhost:8080
  #   token_env: AUTHZEN_PDP_API_KEY

  # Permit's cloud PDP (RBAC and ReBAC; no ABAC).
  cloud:
    kind: cloud
    url: https://cloudpdp.api.permit.io
    token_command: op read op://dev/permit/api-key   # or: token_env: PERMIT_API_KEY
    timeout: 10s
`

// WriteExampleConfig writes ExampleConfig to path (mode 0600, directories
// 0700), refusing to replace an existing file unless force.
func WriteExampleConfig(path string, force bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("config init: %w", err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("config init: %s exists; pass --force to replace it", path)
	}
	if err != nil {
		return fmt.Errorf("config init: %w", err)
	}
	if _, err := f.WriteString(ExampleConfig); err != nil {
		f.Close()
		return fmt.Errorf("config init: %w", err)
	}
	return f.Close()
}
