package snippet

import (
	"fmt"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/authzen"
)

// AuthZENTokenEnv is the variable an AuthZEN snippet reads its key from, as
// the AuthZEN interop's harness names it.
const AuthZENTokenEnv = "AUTHZEN_PDP_API_KEY"

// AuthZENCurl writes c as a curl command that asks the AuthZEN PDP at base
// (its policy_decision_point) the access evaluation pdpx sends for it.
// Permit's SDKs speak Permit's API, not AuthZEN: curl is the only language.
func AuthZENCurl(c pdp.Check, base string) (string, error) {
	body, err := authzen.FromCheck(c).Body()
	if err != nil {
		return "", fmt.Errorf("the check cannot be written as JSON: %w", err)
	}
	var b strings.Builder
	b.WriteString("# " + c.String() + " — an AuthZEN access evaluation, as pdpx sends it\n")
	if len(c.TenantAttributes) > 0 || len(c.Resource.Context) > 0 {
		b.WriteString("# AuthZEN has no place for JIT tenant attributes or the resource's context: they are not sent\n")
	}
	fmt.Fprintf(&b, "curl -sS -X POST %s \\\n", shellQuote(strings.TrimRight(base, "/")+authzen.PathEvaluation))
	b.WriteString("  -H \"Authorization: Bearer $" + AuthZENTokenEnv + "\" \\\n")
	b.WriteString("  -H 'Content-Type: application/json' \\\n")
	b.WriteString("  -d " + shellQuote(string(body)) + "\n")
	return b.String(), nil
}
