package cli

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A PDP that answers 9 MiB is an error (exit 2); its history row keeps the
// start of the body and says so, in the list and in the export, and six of
// them make a small file.
func TestOversizedAnswerMakesASmallRowThatSaysItIsCut(t *testing.T) {
	huge := bytes.Repeat([]byte(" "), 9<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(huge)
	}))
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "h.db")
	for range 6 {
		out, stderr, code := runSplit(t, "", "check", "--history", db, "--pdp", srv.URL, "--token", "k", "bob", "read", "document")
		if code != 2 || !strings.Contains(out, "larger than 8 MiB") || stderr != "" {
			t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
		}
	}
	var size int64
	for _, ext := range []string{"", "-wal"} {
		if fi, err := os.Stat(db + ext); err == nil {
			size += fi.Size()
		}
	}
	if size > 2<<20 {
		t.Errorf("six oversized answers take %d bytes of history", size)
	}
	out, _, code := runSplit(t, "", "history", "--history", db, "--limit", "1")
	if code != 0 || !strings.Contains(out, "ERROR") || !strings.Contains(out, "response cut: the first 64 KiB of the 8 MiB received are kept") {
		t.Errorf("history list:\n%s", out)
	}
	out, _, _ = runSplit(t, "", "history", "--history", db, "--limit", "1", "--json")
	if !strings.Contains(out, `"response_size":8388608`) || !strings.Contains(out, `"outcome":"error"`) {
		t.Errorf("history export:\n%s", out)
	}
}
