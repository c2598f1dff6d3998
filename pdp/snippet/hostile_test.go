package snippet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// The snippets are meant to be piped into their interpreter (pdpx check
// --print curl | sh). These tests run every snippet, for checks whose every
// part is a value built to break out of a comment or a literal, against a
// stand-in PDP and a stand-in of each SDK, and prove that the one request
// is all that happens: it carries exactly the check's values, nothing else
// runs (no marker file appears), and the snippet text holds no character a
// terminal would act on.

// hostile are values that would run code, or reach the terminal raw, if a
// snippet put them anywhere but inside a properly quoted literal. Each one
// that runs code creates the file marker.
func hostile(marker string) []string {
	m := marker
	js := "require('fs').writeFileSync(" + strconv.Quote(m) + ", '')"
	py := "open(" + strconv.Quote(m) + ", 'w')"
	goInit := "func init() { os.WriteFile(" + strconv.Quote(m) + ", nil, 0o600) }"
	return []string{
		// A newline (of each kind) ends a comment line.
		"x\ntouch " + m + "\n#",
		"x\r\ntouch " + m + "\r\n#",
		"x\rtouch " + m + "\r#",
		"x\n" + py + "\n#",
		"x\n" + js + "\n//",
		"x\u2028" + js + "\u2028//",
		"x\u2029" + js + "\u2029//",
		"x\u0085" + js + "\u0085//",
		"x\n" + goInit + "\n//",
		// Quotes of every kind, and what each language expands inside them.
		"'; touch " + m + "; '",
		`"; touch ` + m + `; "`,
		`\'; touch ` + m + `; #`,
		"$(touch " + m + ")",
		"`touch " + m + "`",
		"${IFS}$(touch " + m + ")",
		`\"); ` + py + `; ("`,
		`"""); ` + py + `; ("""`,
		`'''); ` + py + `; (''' `,
		"{" + py + "}",
		`" + ` + js + ` + "`,
		"${" + js + "}",
		`" + func() string { os.WriteFile("` + m + `", nil, 0o600); return "" }() + "`,
		"` + os.Args[0] + `",
		// Directives a comment could become.
		"coding: utf-7 +AAo-" + py,
		"+build ignore",
		"//go:build ignore",
		"*/ /*",
		// Escapes that must stay text.
		`\`, `\\`, `\n`, `\u000a`, `\x27`, "%s %v %!d",
		"nul\x00byte",
		// Terminal escapes: a clipboard write, a window title, a screen clear.
		"osc52 \x1b]52;c;cHduZWQ=\x07 title \x1b]0;pwned\x1b\\ clear \x1b[2J\x1b[31m red",
		"c1 \u009b2J \u009d0;t\u009c del\x7f bell\x07 bs\x08",
		"bidi \u202eevil\u202c zw\u200b bom\ufeff tag\U000E0041",
		"invalid \xff\xfe utf8",
		"emoji 😀 é 日本 ok:colon",
	}
}

// hostileChecks puts every hostile value in every part of a check, one
// rotation per check.
func hostileChecks(h []string) []pdp.Check {
	at := func(i int) string { return h[i%len(h)] }
	var out []pdp.Check
	for k := range h {
		out = append(out, pdp.Check{
			User: pdp.User{Key: at(k), FirstName: at(k + 1), LastName: at(k + 2), Email: at(k + 3),
				Attributes: map[string]any{at(k + 4): at(k + 5), "n": 1.5, "b": true, "z": nil,
					"l": []any{at(k + 6), 2.0, false}, "m": map[string]any{at(k + 7): at(k + 8)}}},
			Action: at(k + 9),
			Resource: pdp.Resource{Type: at(k + 10), Key: at(k + 11), Tenant: at(k + 12),
				Attributes: map[string]any{at(k + 13): at(k + 14)}, Context: map[string]any{at(k + 15): at(k + 16)}},
			Context: map[string]any{at(k + 17): at(k + 18), "n": 2.0},
		})
	}
	return out
}

// terminalSafe reports the first rune of a snippet a terminal could act on,
// or that would show as something it is not: anything but a newline or a
// tab that is not printable (control characters, escape sequences' ESC,
// C1 controls, bidi and other format characters, line separators).
func terminalSafe(s string) error {
	for i, r := range s {
		if r == '\n' || r == '\t' {
			continue
		}
		if r == 0xFFFD && !strings.HasPrefix(s[i:], "\uFFFD") {
			return fmt.Errorf("invalid UTF-8 at byte %d", i)
		}
		if !strconv.IsPrint(r) {
			return fmt.Errorf("%U at byte %d", r, i)
		}
	}
	return nil
}

// received is one request the stand-in PDP got.
type received struct {
	path, auth string
	body       []byte
}

// pdpStub is the stand-in PDP: it records every request and allows.
type pdpStub struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []received
}

func newPDPStub(t *testing.T) *pdpStub {
	s := &pdpStub{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, received{path: r.URL.Path, auth: r.Header.Get("Authorization"), body: b})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"allow":true}`))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// take returns the requests received since the last take.
func (s *pdpStub) take() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reqs
	s.reqs = nil
	return r
}

const hostileToken = "sk-env-only-token"

// sent is the check as pdpx sends it: what a snippet must reproduce.
func sent(t *testing.T, c pdp.Check) pdp.Check {
	t.Helper()
	want, err := pdp.DecodeCheck(c.Body())
	if err != nil {
		t.Fatalf("the check's own body does not decode: %v", err)
	}
	return want
}

// sdkCall is what a stand-in SDK saw: the arguments of check().
type sdkCall struct {
	User     json.RawMessage `json:"user"`
	Action   string          `json:"action"`
	Resource json.RawMessage `json:"resource"`
	Context  map[string]any  `json:"context"`
}

type sdkUserObj struct {
	Key        string         `json:"key"`
	FirstName  string         `json:"first_name"`
	LastName   string         `json:"last_name"`
	Email      string         `json:"email"`
	Attributes map[string]any `json:"attributes"`
}

type sdkResourceObj struct {
	Type       string         `json:"type"`
	Key        string         `json:"key"`
	Tenant     string         `json:"tenant"`
	Attributes map[string]any `json:"attributes"`
	Context    map[string]any `json:"context"`
}

func emptyOr(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m
}

// checkSDKCall compares the arguments an SDK received with the check.
// goSDK: the Go SDK's context is map[string]string and its resource has no
// context (the snippet says so in a note).
func checkSDKCall(t *testing.T, lang Lang, body []byte, want pdp.Check) {
	t.Helper()
	var call sdkCall
	if err := json.Unmarshal(body, &call); err != nil {
		t.Fatalf("%s: the SDK stand-in sent %q: %v", lang, body, err)
	}
	var u sdkUserObj
	if err := json.Unmarshal(call.User, &u.Key); err != nil {
		if err := json.Unmarshal(call.User, &u); err != nil {
			t.Fatalf("%s: user %s", lang, call.User)
		}
	}
	wu := want.User
	if u.Key != wu.Key || u.FirstName != wu.FirstName || u.LastName != wu.LastName || u.Email != wu.Email ||
		!reflect.DeepEqual(emptyOr(u.Attributes), emptyOr(wu.Attributes)) {
		t.Errorf("%s: user\n got %+v\nwant %+v", lang, u, wu)
	}
	if call.Action != want.Action {
		t.Errorf("%s: action %q, want %q", lang, call.Action, want.Action)
	}
	var r sdkResourceObj
	var ref string
	if json.Unmarshal(call.Resource, &ref) == nil {
		// "type" or "type:key", as the SDKs read it; the SDK fills in the
		// default tenant.
		r.Type, r.Key, _ = strings.Cut(ref, ":")
		r.Tenant = want.Resource.Tenant
		if r.Tenant != "" && r.Tenant != pdp.DefaultTenant {
			t.Errorf("%s: resource %q as a string loses the tenant %q", lang, ref, r.Tenant)
		}
	} else if err := json.Unmarshal(call.Resource, &r); err != nil {
		t.Fatalf("%s: resource %s", lang, call.Resource)
	}
	wr := want.Resource
	if r.Type != wr.Type || r.Key != wr.Key || r.Tenant != wr.Tenant || !reflect.DeepEqual(emptyOr(r.Attributes), emptyOr(wr.Attributes)) {
		t.Errorf("%s: resource\n got %+v\nwant %+v", lang, r, wr)
	}
	wantCtx := want.Context
	if lang == Go {
		wantCtx = map[string]any{}
		for k, v := range want.Context {
			s, ok := v.(string)
			if !ok {
				s = jsonText(v)
			}
			wantCtx[k] = s
		}
	} else if !reflect.DeepEqual(emptyOr(r.Context), emptyOr(wr.Context)) {
		t.Errorf("%s: resource context %v, want %v", lang, r.Context, wr.Context)
	}
	if !reflect.DeepEqual(emptyOr(call.Context), emptyOr(wantCtx)) {
		t.Errorf("%s: context\n got %#v\nwant %#v", lang, call.Context, wantCtx)
	}
}

// runAll generates the snippet of every check, checks its text, and runs
// them one after another with run, which returns each one's standard
// output. Then one request per snippet must have reached the stub, in
// order, each with the key from the environment and the check's values;
// each output must be the decision; and the marker must not exist.
func runAll(t *testing.T, lang Lang, checks []pdp.Check, stub *pdpStub, marker string, run func(srcs []string) ([]string, error)) {
	t.Helper()
	srcs := make([]string, len(checks))
	for i, c := range checks {
		src, err := Generate(lang, c, Target{Kind: pdp.KindPDP, URL: stub.srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		if err := terminalSafe(src); err != nil {
			t.Errorf("%s snippet %d holds a character a terminal would act on: %v\n%q", lang, i, err, src)
		}
		srcs[i] = src
	}
	outs, err := run(srcs)
	if _, serr := os.Stat(marker); serr == nil {
		t.Fatalf("a %s snippet ran injected code (the marker file exists)", lang)
	}
	if err != nil {
		t.Fatalf("%s snippets failed: %v", lang, err)
	}
	reqs := stub.take()
	if len(reqs) != len(checks) || len(outs) != len(checks) {
		t.Fatalf("%d %s snippets made %d requests and %d outputs", len(checks), lang, len(reqs), len(outs))
	}
	for i, c := range checks {
		rq, out := reqs[i], outs[i]
		if rq.auth != "Bearer "+hostileToken {
			t.Errorf("%s snippet %d: Authorization %q, want the key from $%s", lang, i, rq.auth, TokenEnv)
		}
		if lang == Curl {
			if got := strings.TrimSpace(out); got != `{"allow":true}` {
				t.Errorf("curl snippet %d printed %q", i, got)
			}
			if rq.path != "/allowed" {
				t.Errorf("curl snippet %d asked %s", i, rq.path)
			}
			var gotBody, wantBody any
			if err := json.Unmarshal(rq.body, &gotBody); err != nil {
				t.Fatalf("curl snippet %d sent %q: %v", i, rq.body, err)
			}
			_ = json.Unmarshal(c.Body(), &wantBody)
			if !reflect.DeepEqual(gotBody, wantBody) {
				t.Errorf("curl snippet %d sent another body:\n got %s\nwant %s", i, rq.body, c.Body())
			}
			continue
		}
		if out != "ALLOW" {
			t.Errorf("%s snippet %d printed %q, want ALLOW\n%s", lang, i, out, srcs[i])
		}
		checkSDKCall(t, lang, rq.body, sent(t, c))
	}
}

// lines splits the output of snippets that each print one line.
func lines(out []byte) []string {
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// output runs cmd and returns its standard output, with its standard error
// in the error when it fails.
func output(cmd *exec.Cmd) ([]byte, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%v\n%s\n%s", err, out, stderr.Bytes())
	}
	return out, nil
}

func need(t *testing.T, bin string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err != nil {
		t.Skipf("%s is not installed, so its snippets are not run: %v", bin, err)
	}
	return p
}

func snippetEnv(extra ...string) []string {
	return append(os.Environ(), append([]string{TokenEnv + "=" + hostileToken}, extra...)...)
}

func TestHostileCurlRunsOnlyTheRequest(t *testing.T) {
	need(t, "curl")
	stub := newPDPStub(t)
	marker := filepath.Join(t.TempDir(), "PWNED")
	checks := hostileChecks(hostile(marker))
	for _, shell := range []string{"sh", "bash"} {
		bin, err := exec.LookPath(shell)
		if err != nil {
			t.Logf("%s is not installed: not run with it", shell)
			continue
		}
		// As `pdpx check --print curl | sh`: the snippet on standard input.
		runAll(t, Curl, checks, stub, marker, func(srcs []string) ([]string, error) {
			var outs []string
			for i, src := range srcs {
				cmd := exec.Command(bin)
				cmd.Stdin = strings.NewReader(src)
				cmd.Env = snippetEnv()
				out, err := output(cmd)
				if err != nil {
					return nil, fmt.Errorf("%s, snippet %d: %v\n%s", shell, i, err, src)
				}
				if _, err := os.Stat(marker); err == nil {
					return nil, fmt.Errorf("%s, snippet %d ran injected code:\n%s", shell, i, src)
				}
				outs = append(outs, string(out))
			}
			return outs, nil
		})
	}
}

// pythonSDK stands in for Permit's Python SDK (pip install permit): the
// same constructor and check() signature; check() posts its arguments.
const pythonSDK = `import json
import os
import urllib.request


class Permit:
    def __init__(self, pdp=None, token=None, **kwargs):
        self._pdp = pdp
        self._token = token

    async def check(self, user, action, resource, context=None):
        body = json.dumps({"user": user, "action": action, "resource": resource, "context": context})
        req = urllib.request.Request(self._pdp + "/sdk-check", data=body.encode(), method="POST",
                                     headers={"Authorization": "Bearer " + self._token,
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req) as resp:
            return json.load(resp)["allow"]
`

func TestHostilePythonRunsOnlyTheRequest(t *testing.T) {
	python := need(t, "python3")
	// A version manager's shim (pyenv) is a script that costs far more than
	// Python's own start: run the interpreter it resolves to.
	if out, err := exec.Command(python, "-c", "import sys; print(sys.executable)").Output(); err == nil {
		if p := strings.TrimSpace(string(out)); p != "" {
			python = p
		}
	}
	stub := newPDPStub(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "PWNED")
	sdk := filepath.Join(dir, "sdk")
	if err := os.MkdirAll(filepath.Join(sdk, "permit"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sdk, "permit", "__init__.py"), []byte(pythonSDK), 0o600); err != nil {
		t.Fatal(err)
	}
	checks := hostileChecks(hostile(marker))
	env := snippetEnv("PYTHONPATH="+sdk, "PYTHONDONTWRITEBYTECODE=1")
	// Each snippet is a file run by one interpreter, as python3 FILE runs
	// it: run_path compiles the file's bytes, honouring a coding comment
	// as reading standard input does. One process rather than one per
	// snippet: Python's start dominates otherwise.
	runAll(t, Python, checks, stub, marker, func(srcs []string) ([]string, error) {
		args := []string{"-c", "import runpy, sys\nfor f in sys.argv[1:]:\n    runpy.run_path(f, run_name='__main__')\n"}
		for i, src := range srcs {
			f := filepath.Join(dir, fmt.Sprintf("s%02d.py", i))
			if err := os.WriteFile(f, []byte(src), 0o600); err != nil {
				return nil, err
			}
			args = append(args, f)
		}
		cmd := exec.Command(python, args...)
		cmd.Dir = dir
		cmd.Env = env
		out, err := output(cmd)
		return lines(out), err
	})
	// And the way the snippet is meant to be used, `pdpx check --print
	// python | python3 -`, for the check whose user key is a coding
	// comment on the header line.
	for i, c := range checks {
		if !strings.HasPrefix(c.User.Key, "coding:") {
			continue
		}
		runAll(t, Python, checks[i:i+1], stub, marker, func(srcs []string) ([]string, error) {
			cmd := exec.Command(python, "-")
			cmd.Dir = dir
			cmd.Stdin = strings.NewReader(srcs[0])
			cmd.Env = env
			out, err := output(cmd)
			return lines(out), err
		})
	}
}
