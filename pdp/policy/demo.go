package policy

import (
	_ "embed"
	"sync"
)

// DemoName names the built-in demo policy where a file name would go:
// in the header ("embedded: demo policy") and in problem messages.
const DemoName = "demo policy"

// DemoSource is the text of the built-in demo policy (demo.yaml), for
// `pdpx policy` to print as a starting point.
//
//go:embed demo.yaml
var DemoSource []byte

var demo = sync.OnceValue(func() *Policy {
	p, err := Parse(DemoName, DemoSource)
	if err != nil {
		// A test loads the demo, so this is a build that was never tested.
		panic("policy: the built-in demo policy is invalid:\n" + err.Error())
	}
	return p
})

// Demo returns the built-in demo policy, Permit's quickstart story: RBAC
// (john@smith.com, john@permit.io, bob@acme.io), ABAC (the unsynced
// check@permit.io with JIT attributes) and ReBAC (jane@permit.io through
// folder:plans). It is parsed once and shared: callers must not modify it.
func Demo() *Policy { return demo() }
