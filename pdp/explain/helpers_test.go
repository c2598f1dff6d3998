package explain

import (
	"sync"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

// demo is the engine over the built-in demo policy, built once.
var demo = sync.OnceValue(func() *engine.Engine { return engine.New(policy.Demo()) })

// check builds a check in the demo's words: "john@permit.io", "read",
// "document", tenant ("" is default).
func check(t testing.TB, user, action, resource, tenant string) pdp.Check {
	t.Helper()
	c, err := pdp.NewCheck(user, action, resource, tenant, false)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// explainDemo decides c on the demo engine and explains it.
func explainDemo(c pdp.Check) Explanation {
	e := demo()
	return Explain(e.Decide(c), c, e)
}

// card returns the card with code, or fails.
func card(t *testing.T, x Explanation, code string) Card {
	t.Helper()
	for _, c := range x.Cards {
		if c.Code == code {
			return c
		}
	}
	t.Fatalf("no %s card in %+v", code, x.Cards)
	return Card{}
}
