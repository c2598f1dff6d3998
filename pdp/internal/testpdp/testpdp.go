// Package testpdp gives tests a Permit PDP to talk to: pdpx serve over a
// policy, in process, behind a real HTTP client, so that what a test sees
// is what a remote PDP would answer.
package testpdp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/permit"
	"github.com/pdpx/pdpx/pdp/policy"
	"github.com/pdpx/pdpx/pdp/server"
)

// Serve runs pdpx serve over p (written to a file, as the server reads
// one) and returns a client for it. Both stop with the test.
func Serve(t testing.TB, p *policy.Policy) pdp.Target {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "served.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Config{Policy: path, Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	return Client(t, s)
}

// Client is a Permit PDP client for h, served on a loopback port until the
// test ends.
func Client(t testing.TB, h http.Handler) pdp.Target {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := permit.New(srv.URL, "k")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Demo is a copy of the demo policy a test may change (policy.Demo is
// shared and must not be).
func Demo(t testing.TB) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(policy.DemoName, policy.DemoSource)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
