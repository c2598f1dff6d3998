package ui

import (
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

// enginePolicy reads the policy of an embedded engine target, which the
// form uses for suggestions and to catch unknown resource types.
func enginePolicy(t pdp.Target) *policy.Policy {
	// An interface rather than *engine.Target, so that a wrapper around
	// the engine's target (one that pins latencies, say) keeps its policy.
	if et, ok := t.(interface{ Engine() *engine.Engine }); ok && et.Engine() != nil {
		return et.Engine().Policy()
	}
	return nil
}
