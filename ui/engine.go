package ui

import (
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

// enginePolicy reads the policy of an embedded engine target, which the
// form uses for suggestions and to catch unknown resource types.
func enginePolicy(t pdp.Target) *policy.Policy {
	if et, ok := t.(*engine.Target); ok && et.Engine() != nil {
		return et.Engine().Policy()
	}
	return nil
}
