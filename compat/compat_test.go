// Package compat proves that Permit's own SDKs work unchanged against pdpx
// serve. The Node suite (node/check.mjs, Permit's official SDK at the version
// pinned in node/package.json) runs against a server started here, and every
// answer it gets is compared with `pdpx check --json` on the same policy.
//
// Without Node or the installed package the test skips and says how to
// install it; PDPX_COMPAT_REQUIRED=1 (set by .ci/run) makes that a failure.
package compat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/server"
	"github.com/pdpx/pdpx/ui/cli"
)

// sdkVersion is the permitio version package.json pins.
const sdkVersion = "2.7.6"

const token = "compat-key-7d2e"

// syncBuf collects the server's log while it runs.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// record is one line the Node suite writes to $RESULTS.
type record struct {
	Kind     string          `json:"kind"`
	Name     string          `json:"name"`
	User     json.RawMessage `json:"user"`
	Action   string          `json:"action"`
	Resource json.RawMessage `json:"resource"`
	Context  map[string]any  `json:"context"`
	Got      json.RawMessage `json:"got"`
	Checks   []struct {
		User     json.RawMessage `json:"user"`
		Action   string          `json:"action"`
		Resource json.RawMessage `json:"resource"`
	} `json:"checks"`
	Tenants []string `json:"tenants"`
	Threw   bool     `json:"threw"`
	Message string   `json:"message"`
}

func TestNodeSDK(t *testing.T) {
	required := os.Getenv("PDPX_COMPAT_REQUIRED") == "1"
	// pdpx check may keep history and read config: never in a real home.
	for _, v := range []string{"XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "HOME"} {
		t.Setenv(v, t.TempDir())
	}
	t.Setenv("PDPX_HISTORY", filepath.Join(t.TempDir(), "history.db"))
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if required {
			t.Fatal(msg + " (PDPX_COMPAT_REQUIRED=1)")
		}
		sayOnTerminal("compat: the Node SDK suite was skipped: " + msg)
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable("Node is not installed: the Node SDK compatibility suite needs node on PATH")
	}
	pkg, err := os.ReadFile(filepath.Join("node", "node_modules", "permitio", "package.json"))
	if err != nil {
		unavailable("Permit's Node SDK is not installed: run (cd compat/node && npm ci)")
	}
	var installed struct{ Version string }
	if json.Unmarshal(pkg, &installed) != nil || installed.Version != sdkVersion {
		t.Fatalf("compat/node has permitio %q installed, package.json pins %s: run (cd compat/node && npm ci)", installed.Version, sdkVersion)
	}

	// pdpx serve on the demo policy, on a free port, with a key so that the
	// wrong-key case means something.
	logs := &syncBuf{}
	srv, err := server.New(server.Config{Token: token, Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		if t.Failed() {
			t.Logf("pdpx serve's log:\n%s", logs.String())
		}
	}()

	results := filepath.Join(t.TempDir(), "results.jsonl")
	runCtx, stop := context.WithTimeout(context.Background(), 2*time.Minute)
	defer stop()
	cmd := exec.CommandContext(runCtx, node, "check.mjs")
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), "PDP_URL=http://"+ln.Addr().String(), "TOKEN="+token, "RESULTS="+results)
	out, err := cmd.CombinedOutput()
	t.Logf("node compat/node/check.mjs against pdpx serve at %s:\n%s", ln.Addr(), out)
	if err != nil {
		t.Fatalf("the Node SDK suite failed: %v", err)
	}

	recs := readRecords(t, results)
	if len(recs) == 0 {
		t.Fatal("the Node SDK suite wrote no results")
	}
	eng := engine.New(policy.Demo())
	checked := 0
	for _, r := range recs {
		switch r.Kind {
		case "check":
			var got bool
			mustJSON(t, r.Got, &got)
			compareWithCLI(t, r.Name, r.User, r.Action, r.Resource, r.Context, got)
			checked++
		case "bulk":
			var got []bool
			mustJSON(t, r.Got, &got)
			if len(got) != len(r.Checks) {
				t.Errorf("bulkCheck: %d answers for %d checks", len(got), len(r.Checks))
				continue
			}
			for i, c := range r.Checks {
				compareWithCLI(t, fmt.Sprintf("bulkCheck[%d]", i), c.User, c.Action, c.Resource, nil, got[i])
				checked++
			}
		case "permissions":
			q := pdp.PermissionsQuery{Tenants: r.Tenants}
			q.User.Key, q.User.Attributes = sdkUser(t, r.User)
			var got, want any
			mustJSON(t, r.Got, &got)
			b, _ := json.Marshal(eng.UserPermissions(q))
			mustJSON(t, b, &want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: the SDK got\n%s\nthe engine answers\n%s", r.Name, r.Got, b)
			}
			checked++
		case "empty":
			// pdpx check refuses an empty argument, so the engine decides
			// what the SDK sent: the key, action and type as given, in
			// the default tenant the SDK fills.
			var got bool
			mustJSON(t, r.Got, &got)
			var res struct{ Type, Tenant string }
			mustJSON(t, r.Resource, &res)
			c := pdp.Check{Action: r.Action, Resource: pdp.Resource{Type: res.Type, Tenant: res.Tenant}}
			c.User.Key, _ = sdkUser(t, r.User)
			if want := eng.Allowed(&c); got != want {
				t.Errorf("%s: the SDK got %v, the engine decides %v", r.Name, got, want)
			}
			checked++
		case "error":
			if !r.Threw {
				t.Errorf("%s: the SDK did not raise", r.Name)
			}
			checked++
		default:
			t.Errorf("unknown result kind %q", r.Kind)
		}
	}
	t.Logf("%d SDK answers compared with pdpx check --json and the engine", checked)
}

func readRecords(t *testing.T, path string) []record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("result line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
}

// sdkUser reads a user as the Node SDK takes it: a key, or an object.
func sdkUser(t *testing.T, raw json.RawMessage) (string, map[string]any) {
	t.Helper()
	var key string
	if json.Unmarshal(raw, &key) == nil {
		return key, nil
	}
	var u struct {
		Key        string         `json:"key"`
		Attributes map[string]any `json:"attributes"`
	}
	mustJSON(t, raw, &u)
	return u.Key, u.Attributes
}

// cliArgs turns a permit.check call into `pdpx check` arguments. Both fill
// the tenant "default" when none is given; attribute values are passed as
// JSON so that "true" and true stay apart.
func cliArgs(t *testing.T, user json.RawMessage, action string, resource json.RawMessage, ctx map[string]any) []string {
	t.Helper()
	key, uattrs := sdkUser(t, user)
	var res string
	var tenant string
	var rattrs map[string]any
	if json.Unmarshal(resource, &res) != nil {
		var r struct {
			Type       string         `json:"type"`
			Key        string         `json:"key"`
			Tenant     string         `json:"tenant"`
			Attributes map[string]any `json:"attributes"`
		}
		mustJSON(t, resource, &r)
		res, tenant, rattrs = r.Type, r.Tenant, r.Attributes
		if r.Key != "" {
			res += ":" + r.Key
		}
	}
	args := []string{"check", key, action, res, "--json"}
	if tenant != "" {
		args = append(args, "--tenant", tenant)
	}
	for _, a := range []struct {
		flag string
		m    map[string]any
	}{{"--user-attr", uattrs}, {"--resource-attr", rattrs}, {"--context", ctx}} {
		keys := make([]string, 0, len(a.m))
		for k := range a.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, _ := json.Marshal(a.m[k])
			args = append(args, a.flag, k+"="+string(v))
		}
	}
	return args
}

// compareWithCLI runs `pdpx check --json` for the same call and compares
// its outcome with what the SDK got; on a mismatch it prints both.
func compareWithCLI(t *testing.T, name string, user json.RawMessage, action string, resource json.RawMessage, ctx map[string]any, got bool) {
	t.Helper()
	args := cliArgs(t, user, action, resource, ctx)
	var out, errOut bytes.Buffer
	root := cli.NewRoot("compat")
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(context.Background())
	var rep struct {
		Outcome string `json:"outcome"`
		Allow   bool   `json:"allow"`
	}
	if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
		t.Errorf("%s: pdpx %s printed no JSON decision (%v, %v):\n%s%s", name, strings.Join(args, " "), err, jerr, out.String(), errOut.String())
		return
	}
	if rep.Outcome == "error" || (err != nil && cli.ExitCode(err) == 2) {
		t.Errorf("%s: pdpx %s gave an error:\n%s", name, strings.Join(args, " "), out.String())
		return
	}
	if wantExit := map[bool]int{true: 0, false: 1}[rep.Allow]; cli.ExitCode(err) != wantExit {
		t.Errorf("%s: pdpx check exit %d for allow=%v", name, cli.ExitCode(err), rep.Allow)
	}
	if rep.Allow != got {
		t.Errorf("%s: the Node SDK got allow=%v from pdpx serve, pdpx %s says:\n%s", name, got, strings.Join(args, " "), out.String())
	}
}

// sayOnTerminal writes line to the terminal go test runs in, if any: go
// test ./... shows nothing of a package that passes, so a skip would
// otherwise go unseen. Without a terminal (CI, a pipe) it writes nothing.
func sayOnTerminal(line string) {
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	defer tty.Close()
	fmt.Fprintln(tty, line)
}
