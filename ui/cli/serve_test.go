package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/permit"
)

// lockedBuf is stderr for a command whose server logs from other goroutines.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs `pdpx serve args...` in the command tree and returns the URL
// it listens on (read from its first log line), its log, and a stop
// function that cancels it as SIGINT does and returns what it returned.
func startServe(t *testing.T, args ...string) (string, *lockedBuf, func() error) {
	t.Helper()
	root := NewRoot("test")
	root.SetArgs(append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...))
	logs := &lockedBuf{}
	root.SetErr(logs)
	root.SetOut(logs)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	var url string
	deadline := time.Now().Add(10 * time.Second)
	for url == "" {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended before listening: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start:\n%s", logs.String())
		}
		for _, line := range strings.Split(logs.String(), "\n") {
			var l struct{ URL string }
			if json.Unmarshal([]byte(line), &l) == nil && l.URL != "" {
				url = l.URL
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return url, logs, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			t.Fatal("serve did not stop")
			return nil
		}
	}
}

func TestServeCommand(t *testing.T) {
	url, logs, stop := startServe(t, "--token", "cmd-key")
	c, err := permit.New(url, "cmd-key")
	if err != nil {
		t.Fatal(err)
	}
	check, _ := pdp.NewCheck("john@smith.com", "create", "document", "", false)
	if d := c.Check(context.Background(), check); d.Outcome != pdp.Allow {
		t.Errorf("check through pdpx serve: %v %v", d.Outcome, d.Err)
	}
	resp, err := http.Post(url+"/allowed", "application/json", strings.NewReader(string(check.Body())))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no key: %d", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Errorf("stopping: %v", err)
	}
	out := logs.String()
	if strings.Contains(out, "cmd-key") {
		t.Errorf("the log holds the key:\n%s", out)
	}
	for _, want := range []string{`"path":"/allowed"`, `"outcome":"allow"`, `"status":401`, "shutting down", "demo policy"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "accepting any API key") {
		t.Errorf("said it accepts any key while it has one:\n%s", out)
	}
}

func TestServeTokenFromEnvAndAnyKey(t *testing.T) {
	t.Setenv(tokenEnv, "env-key")
	url, _, stop := startServe(t)
	resp, err := http.Post(url+"/allowed", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("%s set, no key sent: %d", tokenEnv, resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	t.Setenv(tokenEnv, "")
	_, logs, stop := startServe(t)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "accepting any API key") {
		t.Errorf("no word that any key is accepted:\n%s", logs.String())
	}
}

func TestServeRefusals(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "env.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\nroles:\n  admin: {permissions: [document:read]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		args []string
		want string
	}{
		"log format":               {[]string{"--log-format", "xml"}, "want text or json"},
		"a remote target":          {[]string{"--pdp", "http://localhost:7766"}, "--pdp does not apply"},
		"a broken policy":          {[]string{"--policy", bad}, "env.yaml:3"},
		"a missing policy":         {[]string{"--policy", filepath.Join(t.TempDir(), "nope.yaml")}, "nope.yaml"},
		"a bad address":            {[]string{"--addr", "256.0.0.1:1"}, "cannot listen"},
		"a negative read timeout":  {[]string{"--read-timeout", "-1s"}, "--read-timeout -1s"},
		"a negative write timeout": {[]string{"--write-timeout", "-5s"}, "--write-timeout -5s"},
		"a timeout without a unit": {[]string{"--write-timeout", "30"}, "write-timeout"},
	}
	for name, c := range cases {
		root := NewRoot("test")
		root.SetArgs(append([]string{"serve"}, c.args...))
		var out bytes.Buffer
		root.SetErr(&out)
		root.SetOut(&out)
		err := root.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", name, err, c.want)
		}
	}
}
