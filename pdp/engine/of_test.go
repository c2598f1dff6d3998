package engine

import (
	"context"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/policy"
)

// wrapped is a target around another that answers only Unwrap, as a test
// wrapper or a paired target does.
type wrapped struct{ pdp.Target }

func (w wrapped) Unwrap() pdp.Target { return w.Target }

// remote stands for a PDP reached over HTTP: no engine behind it.
type remote struct{ pdp.Target }

func (remote) Describe() pdp.TargetInfo { return pdp.TargetInfo{Kind: pdp.KindPDP} }

func (remote) Check(context.Context, pdp.Check) pdp.Decision { return pdp.Decision{} }

func TestOfFindsTheEngineThroughWrappers(t *testing.T) {
	e := New(policy.Demo())
	tg := NewTarget(e, policy.DemoName, "")
	for name, x := range map[string]pdp.Target{
		"the target":         tg,
		"wrapped":            wrapped{tg},
		"wrapped twice":      wrapped{wrapped{tg}},
		"embedded in struct": struct{ *Target }{tg},
	} {
		if Of(x) != e || PolicyOf(x) != e.Policy() {
			t.Errorf("%s: engine %p, want %p", name, Of(x), e)
		}
	}
	for name, x := range map[string]pdp.Target{
		"nil":             nil,
		"a remote PDP":    remote{},
		"a wrapped PDP":   wrapped{remote{}},
		"a nil inside":    wrapped{nil},
		"a wrapper alone": wrapped{},
	} {
		if Of(x) != nil || PolicyOf(x) != nil {
			t.Errorf("%s: an engine where there is none", name)
		}
	}
}
