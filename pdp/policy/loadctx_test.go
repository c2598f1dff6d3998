package policy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// bigPolicy writes a valid YAML policy with n users, each with a tenant
// role and attributes: about 120 bytes a user.
func bigPolicy(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("version: 1\nresources:\n  document:\n    actions: [read, update]\n" +
		"roles:\n  viewer: {permissions: [document:read]}\n  editor: {permissions: [document:read, document:update]}\n" +
		"tenants:\n  default: {}\nusers:\n")
	for i := range n {
		role := "viewer"
		if i%3 == 0 {
			role = "editor"
		}
		fmt.Fprintf(&b, "  user%d@example.com:\n    attributes: {department: d%d, level: %d}\n    roles: [{role: %s, tenant: default}]\n", i, i%17, i%5, role)
	}
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A cancel (Ctrl-C) while a policy is being checked returns at once with
// the context's error, naming the file, instead of running the parse to its
// end. The parse is held at its start until LoadContext has returned, which
// proves LoadContext did not wait for it, whatever the file's size.
func TestLoadContextStopsMidParse(t *testing.T) {
	path := bigPolicy(t, 500)
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	parseStarted = func() {
		cancel()
		<-release
	}
	defer func() { parseStarted = nil }()
	p, err := LoadContext(ctx, path)
	close(release)
	if p != nil || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "loading "+path+" stopped") {
		t.Fatalf("LoadContext = %v, %v", p != nil, err)
	}
}

func TestLoadRefusesAFileOverTheCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFileSize + 1); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	f.Close()
	_, err = Load(path)
	var big *pdp.TooLargeError
	if !errors.As(err, &big) || err.Error() != path+": larger than 512 MiB, the cap on a policy file: check that it is the file you meant" {
		t.Fatalf("Load = %v", err)
	}
}
