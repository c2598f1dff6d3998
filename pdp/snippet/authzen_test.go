package snippet

import (
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// An AuthZEN target's snippet is the evaluation pdpx sends, to its URL,
// with the key from the environment and quotes that survive the shell.
func TestAuthZENCurl(t *testing.T) {
	c := pdp.Check{User: pdp.User{Key: "o'neil"}, Action: "read", Resource: pdp.Resource{Type: "record", Key: "r1", Tenant: "t1"},
		TenantAttributes: map[string]any{"plan": "pro"}}
	got, err := AuthZENCurl(c, "https://pdp.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"curl -sS -X POST 'https://pdp.example.com/access/v1/evaluation'",
		`-H "Authorization: Bearer $AUTHZEN_PDP_API_KEY"`,
		`"subject":{"type":"user","id":"o'\''neil"}`,
		`"resource":{"type":"record","id":"r1","properties":{"tenant":"t1"}}`,
		"JIT tenant attributes",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in:\n%s", want, got)
		}
	}
}
