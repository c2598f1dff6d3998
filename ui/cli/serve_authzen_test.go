package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const todoPolicy = "../../pdp/server/testdata/authzen-todo.yaml"

// rick and beth are Todo scenario users: an admin and a viewer.
const (
	rick = "CiRmZDA2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"
	beth = "CiRmZDM2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"
)

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// pdpxRun runs a pdpx command in-process: its output and exit code.
func pdpxRun(t *testing.T, args ...string) (string, int) {
	t.Helper()
	root := NewRoot("test")
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"--no-history"}, args...))
	err := root.ExecuteContext(context.Background())
	if err != nil && ExitCode(err) == 2 {
		out.WriteString(err.Error())
	}
	return out.String(), ExitCode(err)
}

// TestServeAuthZEN: pdpx serve --default-tenant decides the Todo
// scenario's tenant-less requests, --public-url shapes the metadata, and
// pdpx --authzen asks it as any AuthZEN PDP: check, who and permissions.
func TestServeAuthZEN(t *testing.T) {
	t.Setenv("AUTHZEN_PDP_API_KEY", "")
	url, _, stop := startServe(t, "--policy", todoPolicy, "--default-tenant", "default", "--public-url", "https://pdp.example.com/")
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	status, body := post(t, url+"/access/v1/evaluation", `{"subject":{"type":"user","id":"`+rick+`"},"action":{"name":"can_create_todo"},"resource":{"type":"todo","id":"todo-1"}}`)
	if status != 200 || !strings.HasPrefix(body, `{"decision":true`) {
		t.Errorf("evaluation without a tenant: %d %s", status, body)
	}
	resp, err := http.Get(url + "/.well-known/authzen-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var meta map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&meta)
	resp.Body.Close()
	if meta["policy_decision_point"] != "https://pdp.example.com" || meta["search_action_endpoint"] != "https://pdp.example.com/access/v1/search/action" {
		t.Errorf("metadata: %v", meta)
	}

	// The client is given the URL it reaches the server at, which the
	// metadata does not name: it asks the default paths.
	out, code := pdpxRun(t, "check", "--authzen", url, rick, "can_delete_todo", "todo:t1", "--resource-attr", "ownerID=morty@the-citadel.com")
	if code != 0 || !strings.Contains(out, "ALLOW") || !strings.Contains(out, "authzen: 127.0.0.1") {
		t.Errorf("check (admin deletes any todo): %d %s", code, out)
	}
	out, code = pdpxRun(t, "check", "--authzen", url, beth, "can_create_todo", "todo:todo-1", "--json")
	var rep struct {
		Outcome string
		Request map[string]any
	}
	if code != 1 || json.Unmarshal([]byte(out), &rep) != nil || rep.Outcome != "deny" || rep.Request["subject"] == nil {
		t.Errorf("check --json (viewer creates): %d %s", code, out)
	}
	out, code = pdpxRun(t, "who", "--authzen", url, "can_update_todo", "todo:t9", "--tenant", "default")
	if code != 0 || !strings.Contains(out, rick) || strings.Contains(out, beth) || !strings.Contains(out, "names no role") {
		t.Errorf("who: %d %s", code, out)
	}
	out, code = pdpxRun(t, "permissions", "--authzen", url, beth, "--type", "todo", "--tenant", "default")
	if code != 0 || !strings.Contains(out, "todo:can_read_todos") || strings.Contains(out, "can_create_todo") {
		t.Errorf("permissions: %d %s", code, out)
	}
	if out, code := pdpxRun(t, "check", "--authzen", url, "--pdp", url, rick, "read", "todo"); code != 2 || !strings.Contains(out, "choose one target") {
		t.Errorf("--authzen with --pdp: %d %s", code, out)
	}
}

// TestServeProfile: pdpx serve --profile serves an embedded profile's
// policy with its default_tenant; a profile of another kind is refused.
func TestServeProfile(t *testing.T) {
	dir := t.TempDir()
	abs, err := filepath.Abs(todoPolicy)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(`version: 1
profiles:
  todo:
    kind: embedded
    policy: `+abs+`
    default_tenant: default
  remote:
    kind: authzen
    url: http://localhost:8080
`), 0o600); err != nil {
		t.Fatal(err)
	}
	url, logs, stop := startServe(t, "--config", cfg, "--profile", "todo")
	status, body := post(t, url+"/access/v1/evaluation", `{"subject":{"type":"user","id":"`+rick+`"},"action":{"name":"can_create_todo"},"resource":{"type":"todo","id":"todo-1"}}`)
	if err := stop(); err != nil {
		t.Error(err)
	}
	if status != 200 || !strings.HasPrefix(body, `{"decision":true`) || !strings.Contains(logs.String(), "authzen-todo.yaml") {
		t.Errorf("profile todo: %d %s\n%s", status, body, logs.String())
	}
	// --default-tenant on the command line wins over the profile's.
	url, _, stop = startServe(t, "--config", cfg, "--profile", "todo", "--default-tenant", "elsewhere")
	_, body = post(t, url+"/access/v1/evaluation", `{"subject":{"type":"user","id":"`+rick+`"},"action":{"name":"can_create_todo"},"resource":{"type":"todo","id":"todo-1"}}`)
	if err := stop(); err != nil {
		t.Error(err)
	}
	if !strings.HasPrefix(body, `{"decision":false`) {
		t.Errorf("--default-tenant over the profile's: %s", body)
	}
	for _, tc := range []struct{ args []string }{
		{[]string{"serve", "--config", cfg, "--profile", "remote"}},
		{[]string{"serve", "--config", cfg, "--profile", "nope"}},
		{[]string{"serve", "--authzen", "http://localhost:8080"}},
		{[]string{"serve", "--public-url", "pdp.example.com"}},
	} {
		out, code := pdpxRun(t, tc.args...)
		if code != 2 || out == "" {
			t.Errorf("%v: %d %s", tc.args, code, out)
		}
	}
}
