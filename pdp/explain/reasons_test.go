package explain

import (
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// An AuthZEN PDP's own reasons (its decision's context) are the card, line
// by line, cleaned; one that gives none is not told to turn on PDP_DEBUG.
func TestReasonsCard(t *testing.T) {
	d := pdp.Decision{Outcome: pdp.Deny, Status: 200, Target: "authzen: pdp.example.com",
		Reasons: []string{"reason_user: 403: Insufficient privileges\x1b[2J", "policy: C076E82F"}}
	x := Explain(d, check(t, "bob", "read", "document:d1", "acme"), nil)
	if len(x.Cards) != 1 {
		t.Fatalf("%+v", x.Cards)
	}
	c := x.Cards[0]
	if c.Code != "pdp_reasons" || c.Tone != ToneDeny || !strings.Contains(c.Sentence, "DENY for bob read document:d1") ||
		len(c.Details) != 2 || c.Details[0] != "reason_user: 403: Insufficient privileges"+pdp.Removed {
		t.Errorf("%+v", c)
	}
	d.Outcome = pdp.Allow
	if c := Explain(d, check(t, "bob", "read", "document:d1", "acme"), nil).Cards[0]; c.Tone != ToneAllow {
		t.Errorf("allow: %+v", c)
	}

	d.Reasons = nil
	c = Explain(d, check(t, "bob", "read", "document:d1", "acme"), nil).Cards[0]
	if c.Code != "debug_off" || strings.Contains(c.Sentence+strings.Join(c.Details, " "), "PDP_DEBUG") || !strings.Contains(c.Sentence, "AuthZEN PDP") {
		t.Errorf("an AuthZEN PDP without reasons: %+v", c)
	}
}
