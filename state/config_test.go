package state

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

func writeConfig(t *testing.T, text string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask may have masked bits
		t.Fatal(err)
	}
	return path
}

func TestConfigPathPrecedence(t *testing.T) {
	t.Setenv(EnvConfig, "")
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	if p, explicit, _ := ConfigPath("flag.yaml"); p != "flag.yaml" || !explicit {
		t.Errorf("flag: %s %v", p, explicit)
	}
	if p, explicit, _ := ConfigPath(""); p != "/xdg/pdpx/config.yaml" || explicit {
		t.Errorf("xdg: %s %v", p, explicit)
	}
	t.Setenv("XDG_CONFIG_HOME", "relative") // not absolute: ignored, as XDG says
	t.Setenv("HOME", "/home/u")
	if p, _, _ := ConfigPath(""); p != "/home/u/.config/pdpx/config.yaml" {
		t.Errorf("home fallback: %s", p)
	}
	t.Setenv(EnvConfig, "/env.yaml")
	if p, explicit, _ := ConfigPath(""); p != "/env.yaml" || !explicit {
		t.Errorf("env: %s %v", p, explicit)
	}
}

func TestParseConfigExample(t *testing.T) {
	c, err := ParseConfig("ex.yaml", []byte(ExampleConfig))
	if err != nil {
		t.Fatalf("the example config does not parse:\n%v", err)
	}
	if c.Default != "demo" || strings.Join(c.Names(), ",") != "demo,local,cloud" {
		t.Fatalf("default %q, profiles %v", c.Default, c.Names())
	}
	local, _ := c.Profile("local")
	if local.Kind != pdp.KindPDP || local.URL != "http://localhost:7766" || local.TokenEnv != "PERMIT_API_KEY" || local.Timeout != 5*time.Second {
		t.Errorf("local: %+v", local)
	}
	cloud, _ := c.Profile("cloud")
	if cloud.Kind != pdp.KindCloud || cloud.TokenCommand == "" || cloud.TokenSource() != "command: "+cloud.TokenCommand {
		t.Errorf("cloud: %+v", cloud)
	}
}

func TestParseConfigEveryProblemWithItsLine(t *testing.T) {
	src := `version: 1
default: locl
profiles:
  local:
    kind: pdp
    url: http://localhost:7766
    tokn_env: X
    timeout: soon
  emb:
    kind: embeded
  both:
    kind: pdp
    token_env: A
    token_command: echo b
  wrong:
    kind: embedded
    url: http://x
`
	_, err := ParseConfig("c.yaml", []byte(src))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want Problems, got %v", err)
	}
	want := []string{
		`c.yaml:2:10: default names profile "locl", which is not in profiles (did you mean "local"?)`,
		`c.yaml:7:5: unknown key "tokn_env" in profile "local" (did you mean "token_env"?)`,
		`c.yaml:8:14: profile "local": timeout is "soon": want a positive duration such as 5s or 1m`,
		`c.yaml:10:11: profile "emb": kind is "embeded": want embedded, pdp, cloud or authzen`,
		`c.yaml:11:3: profile "both" has more than one of token, token_env and token_command: keep one`,
		`c.yaml:15:3: profile "wrong" is kind embedded`,
	}
	got := err.Error()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
	if len(ps) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(ps), len(want), got)
	}
}

func TestParseConfigSyntaxError(t *testing.T) {
	_, err := ParseConfig("c.yaml", []byte("profiles:\n  a: [1\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "c.yaml:") || !strings.Contains(err.Error(), "syntax") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadConfigMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.yaml")
	c, err := LoadConfig(path, false)
	if err != nil || c.Exists || len(c.Profiles) != 0 {
		t.Fatalf("missing default path: %v %+v", err, c)
	}
	if _, err := c.Profile("x"); err == nil || !strings.Contains(err.Error(), "config init") {
		t.Errorf("profile on a missing config: %v", err)
	}
	if _, err := LoadConfig(path, true); err == nil {
		t.Error("a named config that is missing must be an error")
	}
}

func TestLoadConfigRefusesReadableLiteralToken(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	src := "profiles:\n  local:\n    kind: pdp\n    token: sk-very-secret\n"
	path := writeConfig(t, src, 0o644)
	_, err := LoadConfig(path, true)
	if !errors.Is(err, ErrUnsafeConfig) {
		t.Fatalf("want ErrUnsafeConfig, got %v", err)
	}
	for _, want := range []string{"chmod 600 " + path, "token_env", ":2:", `"local"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "sk-very-secret") {
		t.Error("the error prints the token")
	}
	// The same file, private: accepted.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(path, true)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := c.Profile("local")
	if tok, _ := p.ResolveToken(context.Background()); tok != "sk-very-secret" {
		t.Errorf("token %q", tok)
	}
	// A readable file without a literal token is fine.
	if _, err := LoadConfig(writeConfig(t, "profiles:\n  l:\n    kind: pdp\n    token_env: K\n", 0o644), true); err != nil {
		t.Errorf("readable file without token: %v", err)
	}
}

func TestLoadConfigPolicyRelativeToFile(t *testing.T) {
	path := writeConfig(t, "profiles:\n  p:\n    policy: env.yaml\n", 0o600)
	c, err := LoadConfig(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Profiles[0].Policy; got != filepath.Join(filepath.Dir(path), "env.yaml") {
		t.Errorf("policy %s", got)
	}
	if c.Profiles[0].Kind != pdp.KindEmbedded {
		t.Errorf("kind %s", c.Profiles[0].Kind)
	}
}

func TestResolveToken(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sh")
	}
	ctx := context.Background()
	t.Setenv("PDPX_TEST_KEY", "  from-env \n")
	if tok, err := (Profile{Name: "e", TokenEnv: "PDPX_TEST_KEY"}).ResolveToken(ctx); tok != "from-env" || err != nil {
		t.Errorf("env: %q %v", tok, err)
	}
	if _, err := (Profile{Name: "e", TokenEnv: "PDPX_TEST_UNSET_KEY"}).ResolveToken(ctx); err == nil || !strings.Contains(err.Error(), "PDPX_TEST_UNSET_KEY") {
		t.Errorf("unset env: %v", err)
	}
	if tok, err := (Profile{Name: "c", TokenCommand: "printf 'cmd-key\\n'"}).ResolveToken(ctx); tok != "cmd-key" || err != nil {
		t.Errorf("command: %q %v", tok, err)
	}
	// A failing command: the error names the profile and the command, and
	// never what it printed.
	t.Setenv("PDPX_TEST_OUT", "leaked-secret")
	_, err := (Profile{Name: "vault", TokenCommand: `echo "$PDPX_TEST_OUT"; echo "$PDPX_TEST_OUT-err" >&2; exit 3`}).ResolveToken(ctx)
	if err == nil || !strings.Contains(err.Error(), `"vault"`) || !strings.Contains(err.Error(), "exit code 3") || strings.Contains(err.Error(), "leaked-") {
		t.Errorf("failing command: %v", err)
	}
	if _, err := (Profile{Name: "m", TokenCommand: "printf 'a\\nb\\n'"}).ResolveToken(ctx); err == nil || strings.Contains(err.Error(), "a\nb") {
		t.Errorf("two lines: %v", err)
	}
	if _, err := (Profile{Name: "n", TokenCommand: "true"}).ResolveToken(ctx); err == nil || !strings.Contains(err.Error(), "printed nothing") {
		t.Errorf("empty: %v", err)
	}
	if tok, err := (Profile{Name: "none"}).ResolveToken(ctx); tok != "" || err != nil {
		t.Errorf("no source: %q %v", tok, err)
	}
}

func TestWriteExampleConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.yaml")
	if err := WriteExampleConfig(path, false); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o600) {
		t.Fatalf("mode %v %v", st.Mode(), err)
	}
	if err := WriteExampleConfig(path, false); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("overwrite without force: %v", err)
	}
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteExampleConfig(path, true); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(path, true); err != nil {
		t.Errorf("the written example does not load: %v", err)
	}
}

// TestParseConfigByteOrderMark: a config an editor saved with a UTF-8 byte
// order mark reads as the same file without one.
func TestParseConfigByteOrderMark(t *testing.T) {
	c, err := ParseConfig("c.yaml", []byte("\uFEFFversion: 1\ndefault: local\nprofiles:\n  local:\n    kind: embedded\n"))
	if err != nil || c.Default != "local" || len(c.Profiles) != 1 {
		t.Fatalf("got %+v, %v", c, err)
	}
}
