package engine

import (
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// Source is anything that decides with an embedded engine: Target, pdpx
// serve's Server, and wrappers that answer for the target they wrap.
type Source interface {
	Engine() *Engine
}

// Of is the embedded engine behind t, or nil for a remote PDP. It looks
// through wrappers (pdp.Wrapper), so a target built around the engine's
// keeps its policy for suggestions and explanations.
func Of(t pdp.Target) *Engine {
	if s, ok := pdp.Behind[Source](t); ok {
		return s.Engine()
	}
	return nil
}

// PolicyOf is the policy behind t, or nil for a remote PDP.
func PolicyOf(t pdp.Target) *policy.Policy {
	if e := Of(t); e != nil {
		return e.Policy()
	}
	return nil
}
