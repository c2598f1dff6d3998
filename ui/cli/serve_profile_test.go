package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/permit"
	"github.com/pdpx/pdpx/pdp/policy"
)

// servedOutcome asks the pdpx serve at url whether john@smith.com may
// create a document: ALLOW on the demo policy, DENY on viewerPolicy's.
func servedOutcome(t *testing.T, url string) pdp.Outcome {
	t.Helper()
	c, err := permit.New(url, "k")
	if err != nil {
		t.Fatal(err)
	}
	check, _ := pdp.NewCheck("john@smith.com", "create", "document", "", false)
	return c.Check(context.Background(), check).Outcome
}

// profileConfig writes a config whose "mine" profile is the demo policy
// with john@smith.com a viewer, its "remote" profile a PDP, and default
// names def; it returns the config's path.
func profileConfig(t *testing.T, def string) string {
	t.Helper()
	dir := t.TempDir()
	const from = "roles: [{role: admin, tenant: default}]"
	if !bytes.Contains(policy.DemoSource, []byte(from)) {
		t.Fatal("the demo policy changed: update profileConfig")
	}
	viewer := bytes.Replace(policy.DemoSource, []byte(from), []byte("roles: [{role: viewer, tenant: default}]"), 1)
	if err := os.WriteFile(filepath.Join(dir, "viewer.yaml"), viewer, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := "version: 1\n"
	if def != "" {
		cfg += "default: " + def + "\n"
	}
	cfg += "profiles:\n  mine:\n    kind: embedded\n    policy: ./viewer.yaml\n" +
		"  remote:\n    kind: pdp\n    url: http://localhost:7766\n    token_env: PERMIT_API_KEY\n"
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pdpx serve takes its policy from --profile and --config as pdpx check
// takes its target: an embedded profile's policy, the config's default
// when no flag names one, --policy over both.
func TestServeHonoursProfileAndConfig(t *testing.T) {
	noDefault := profileConfig(t, "")
	for name, tc := range map[string]struct {
		args []string
		env  string // $PDPX_CONFIG
		want pdp.Outcome
		log  string
	}{
		"--profile":                    {args: []string{"--config", noDefault, "--profile", "mine"}, want: pdp.Deny, log: "viewer.yaml"},
		"the config's default":         {args: []string{"--config", profileConfig(t, "mine")}, want: pdp.Deny, log: "viewer.yaml"},
		"$PDPX_CONFIG's default":       {env: profileConfig(t, "mine"), want: pdp.Deny, log: "viewer.yaml"},
		"no profile":                   {args: []string{"--config", noDefault}, want: pdp.Allow, log: "demo policy"},
		"--policy over the default":    {args: []string{"--config", profileConfig(t, "mine"), "--policy", writeDemo(t)}, want: pdp.Allow, log: "demo.yaml"},
		"a default naming a PDP, said": {args: []string{"--config", profileConfig(t, "remote")}, want: pdp.Allow, log: `default profile \"remote\" is a pdp target`},
	} {
		t.Run(name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("PDPX_CONFIG", tc.env)
			}
			url, logs, stop := startServe(t, tc.args...)
			got := servedOutcome(t, url)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if got != tc.want || !strings.Contains(logs.String(), tc.log) {
				t.Errorf("john@smith.com create document: %v, want %v; log lacks %q?\n%s", got, tc.want, tc.log, logs.String())
			}
		})
	}
}

func writeDemo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo.yaml")
	if err := os.WriteFile(path, policy.DemoSource, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestServeRefusesProfilesItCannotServe(t *testing.T) {
	cfg := profileConfig(t, "")
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"a PDP profile":     {[]string{"--config", cfg, "--profile", "remote"}, `profile "remote" is a pdp target (http://localhost:7766): pdpx serve serves a policy file`},
		"a missing profile": {[]string{"--config", cfg, "--profile", "mien"}, `profile "mien" is not in`},
		"a missing config":  {[]string{"--config", filepath.Join(t.TempDir(), "nope.yaml"), "--profile", "mine"}, "nope.yaml"},
	} {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := runSplit(t, "", append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want 2 with %q:\n%s", code, tc.want, stderr)
			}
		})
	}
}
