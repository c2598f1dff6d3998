package snippet

import (
	"context"
	"encoding/json"
	"go/format"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/server"
)

// The demo story's checks, with every part a check can have.
var checks = []pdp.Check{
	{User: pdp.User{Key: "john@smith.com"}, Action: "create", Resource: pdp.Resource{Type: "document", Tenant: "default"}},
	{User: pdp.User{Key: "john@permit.io"}, Action: "read", Resource: pdp.Resource{Type: "document", Tenant: "default"}},
	{User: pdp.User{Key: "john@permit.io"}, Action: "read", Resource: pdp.Resource{Type: "document", Tenant: "awesome_inc"}},
	{User: pdp.User{Key: "check@permit.io", Attributes: map[string]any{"location": "England", "department": "Engineering"}},
		Action: "publish", Resource: pdp.Resource{Type: "document", Tenant: "default", Attributes: map[string]any{"hasApproval": "true"}}},
	{User: pdp.User{Key: "check@permit.io", Attributes: map[string]any{"location": "England", "department": "Engineering"}},
		Action: "publish", Resource: pdp.Resource{Type: "document", Tenant: "default", Attributes: map[string]any{"hasApproval": true}}},
	{User: pdp.User{Key: "jane@permit.io"}, Action: "update", Resource: pdp.Resource{Type: "document", Key: "roadmap", Tenant: "default"}},
	{User: pdp.User{Key: "o'brien"}, Action: "delete", Resource: pdp.Resource{Type: "document", Key: "it's", Tenant: "default"},
		Context: map[string]any{"quote": `'"$HOME`}, TenantAttributes: map[string]any{"plan": "pro"}},
}

// The printed curl, run by a shell against pdpx serve, gives the decision
// the embedded engine gives for the same check.
func TestCurlAgainstServeGivesTheSameDecision(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	const key = "test-key-not-in-any-snippet"
	srv, err := server.New(server.Config{Token: key})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()

	eng := engine.NewTarget(engine.New(policy.Demo()), policy.DemoName, "")
	base := "http://" + ln.Addr().String()
	for _, c := range checks {
		text, err := Generate(Curl, c, Target{Kind: pdp.KindPDP, URL: base})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text, key) {
			t.Fatal("the snippet contains the key")
		}
		cmd := exec.Command("sh", "-c", text)
		cmd.Env = append(os.Environ(), TokenEnv+"="+key)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s\n%s: %v", text, out, err)
		}
		var resp struct {
			Allow *bool `json:"allow"`
		}
		if err := json.Unmarshal(out, &resp); err != nil || resp.Allow == nil {
			t.Fatalf("%s\nnot a decision: %s", text, out)
		}
		want := eng.Check(context.Background(), c)
		if *resp.Allow != (want.Outcome == pdp.Allow) {
			t.Errorf("%s: curl says allow=%v, the engine says %s\n%s", c, *resp.Allow, want.Outcome, text)
		}
	}
	// And with a wrong key the curl is refused, not a deny: the key matters.
	text, _ := Generate(Curl, checks[0], Target{Kind: pdp.KindPDP, URL: base})
	cmd := exec.Command("sh", "-c", strings.Replace(text, "curl -sS", "curl -sS -o /dev/null -w '%{http_code}'", 1))
	cmd.Env = append(os.Environ(), TokenEnv+"=wrong")
	if out, _ := cmd.Output(); string(out) != "403" {
		t.Errorf("wrong key: status %s", out)
	}
}

func TestSnippetsNameTheKeyNeverItsValue(t *testing.T) {
	t.Setenv(TokenEnv, "sk-secret-value")
	for _, lang := range Langs {
		for _, c := range checks {
			text, err := Generate(lang, c, Target{Kind: pdp.KindPDP, URL: "http://user:hunter2@pdp.example:7766/"})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(text, "sk-secret") || strings.Contains(text, "hunter2") {
				t.Errorf("%s leaks a credential:\n%s", lang, text)
			}
			if !strings.Contains(text, "http://pdp.example:7766") || !strings.Contains(text, TokenEnv) {
				t.Errorf("%s: no URL or key variable:\n%s", lang, text)
			}
		}
	}
}

func TestSnippetShapes(t *testing.T) {
	c := checks[3]
	c.Resource.Key = "d1"
	c.Context = map[string]any{"ip": "10.0.0.1", "n": 2.0}
	want := map[Lang][]string{
		Curl: {`curl -sS -X POST 'http://localhost:7766/allowed'`, `-H "Authorization: Bearer $PERMIT_API_KEY"`,
			`"resource":{"type":"document","key":"d1","tenant":"default","attributes":{"hasApproval":"true"}`,
			"embedded engine, which has no URL"},
		Python: {`from permit import Permit`, `pdp="http://localhost:7766"`, `token=os.environ["PERMIT_API_KEY"]`,
			`await permit.check(`, `{"attributes": {"department": "Engineering", "location": "England"}, "key": "check@permit.io"}`,
			`{"attributes": {"hasApproval": "true"}, "key": "d1", "tenant": "default", "type": "document"}`,
			`{"ip": "10.0.0.1", "n": 2}`},
		Node: {`const { Permit } = require("permitio");`, `token: process.env.PERMIT_API_KEY`, `pdp: "http://localhost:7766"`,
			`.check(`, `{"attributes":{"hasApproval":"true"},"key":"d1","tenant":"default","type":"document"}`},
		Go: {`config.NewConfigBuilder(os.Getenv("PERMIT_API_KEY"))`, `WithPdpUrl("http://localhost:7766")`,
			`enforcement.UserBuilder("check@permit.io")`, `WithAttributes(map[string]interface{}{"department": "Engineering", "location": "England"})`,
			`enforcement.ResourceBuilder("document")`, `WithKey("d1")`, `WithTenant("default")`,
			`client.BulkCheck(enforcement.CheckRequest{`, `Action:   "publish",`,
			`Context:  map[string]string{"ip": "10.0.0.1", "n": "2"},`,
			"non-string values are written as their JSON text"},
	}
	for lang, wants := range want {
		text, err := Generate(lang, c, Target{Kind: pdp.KindEmbedded})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range wants {
			if !strings.Contains(text, w) {
				t.Errorf("%s snippet lacks %s:\n%s", lang, w, text)
			}
		}
	}
	// Python bools and None.
	if got := pyLiteral(map[string]any{"a": true, "b": nil, "c": []any{false, 1.5, "x"}}); got != `{"a": True, "b": None, "c": [False, 1.5, "x"]}` {
		t.Errorf("pyLiteral: %s", got)
	}
	if _, err := ParseLang("ruby"); err == nil {
		t.Error("ruby is not a snippet language")
	}
	// A check in no tenant says the SDKs would fill one in.
	nt := checks[0]
	nt.Resource.Tenant = ""
	text, _ := Generate(Node, nt, Target{Kind: pdp.KindCloud, URL: "https://cloudpdp.api.permit.io"})
	if !strings.Contains(text, `fills in "default"`) || !strings.Contains(text, "https://cloudpdp.api.permit.io") {
		t.Errorf("no-tenant note:\n%s", text)
	}
}

// The snippets are valid code: the Go one is gofmt-clean, and the Python and
// Node ones parse where those interpreters are installed.
func TestSnippetsParse(t *testing.T) {
	python, _ := exec.LookPath("python3")
	nodeBin, _ := exec.LookPath("node")
	for _, c := range checks {
		src, _ := Generate(Go, c, Target{Kind: pdp.KindEmbedded})
		if formatted, err := format.Source([]byte(src)); err != nil || string(formatted) != src {
			t.Errorf("Go snippet is not gofmt-clean (%v):\n%s", err, src)
		}
		if python != "" {
			src, _ := Generate(Python, c, Target{Kind: pdp.KindEmbedded})
			cmd := exec.Command(python, "-c", "import ast,sys; ast.parse(sys.stdin.read())")
			cmd.Stdin = strings.NewReader(src)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("Python snippet does not parse: %s\n%s", out, src)
			}
		}
		if nodeBin != "" {
			src, _ := Generate(Node, c, Target{Kind: pdp.KindEmbedded})
			f := t.TempDir() + "/s.js"
			if err := os.WriteFile(f, []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(nodeBin, "--check", f).CombinedOutput(); err != nil {
				t.Errorf("Node snippet does not parse: %s\n%s", out, src)
			}
		}
	}
}

// The comment names the check with each part that does not print quoted,
// so that it reads as what was sent and stays one line; a resource type
// with a ':' goes to the SDKs as an object, which "type:key" would split.
func TestSnippetCommentQuotesWhatDoesNotPrint(t *testing.T) {
	c := pdp.Check{User: pdp.User{Key: "x\ntouch f"}, Action: "read\x1b[5m", Resource: pdp.Resource{Type: "a:b", Tenant: "default"}}
	for lang, want := range map[Lang]string{
		Curl:   "# Permit's /allowed, as pdpx sent it: \"x\\ntouch f\" \"read\\x1b[5m\" a:b @default\n",
		Python: "# -*- coding: utf-8 -*-\n# Permit's Python SDK (pip install permit): \"x\\ntouch f\" \"read\\x1b[5m\" a:b @default\n",
		Node:   "// Permit's Node SDK (npm install permitio): \"x\\ntouch f\" \"read\\x1b[5m\" a:b @default\n",
		Go:     "// Permit's Go SDK (go get github.com/permitio/permit-golang): \"x\\ntouch f\" \"read\\x1b[5m\" a:b @default\n",
	} {
		text, err := Generate(lang, c, Target{Kind: pdp.KindPDP, URL: "http://pdp:7766"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(text, want) {
			t.Errorf("%s snippet starts\n%s\nwant\n%s", lang, text, want)
		}
	}
	text, _ := Generate(Node, c, Target{Kind: pdp.KindPDP, URL: "http://pdp:7766"})
	if !strings.Contains(text, `{"tenant":"default","type":"a:b"}`) {
		t.Errorf("a type with a colon is not sent as an object:\n%s", text)
	}
}
