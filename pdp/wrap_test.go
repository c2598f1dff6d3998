package pdp

import (
	"context"
	"testing"
	"time"
)

type baseTarget struct{ name string }

func (b baseTarget) Check(context.Context, Check) Decision { return Decision{} }
func (b baseTarget) Bulk(context.Context, []Check) ([]Decision, error) {
	return nil, nil
}
func (b baseTarget) UserPermissions(context.Context, PermissionsQuery) (Permissions, error) {
	return nil, nil
}
func (b baseTarget) Health(context.Context) error { return nil }
func (b baseTarget) Describe() TargetInfo         { return TargetInfo{Name: b.name} }
func (b baseTarget) Timeout() time.Duration       { return time.Second }

type wrapTarget struct{ Target }

func (w wrapTarget) Unwrap() Target { return w.Target }

// loop unwraps to itself, by mistake.
type loop struct{ baseTarget }

func (l *loop) Unwrap() Target { return l }

type timeouter interface{ Timeout() time.Duration }

// outer answers for what it wraps.
type outer struct{ wrapTarget }

func (outer) Timeout() time.Duration { return time.Minute }

func TestBehind(t *testing.T) {
	base := baseTarget{"pdp"}
	for name, tg := range map[string]Target{"itself": base, "wrapped": wrapTarget{base}, "wrapped twice": wrapTarget{wrapTarget{base}}} {
		if tt, ok := Behind[timeouter](tg); !ok || tt.Timeout() != time.Second {
			t.Errorf("%s: %v %v", name, tt, ok)
		}
	}
	if tt, ok := Behind[timeouter](outer{wrapTarget{base}}); !ok || tt.Timeout() != time.Minute {
		t.Errorf("the outer answer does not win: %v", tt)
	}
	type engineLike interface{ Engine() int }
	if _, ok := Behind[engineLike](wrapTarget{base}); ok {
		t.Error("found a method nobody has")
	}
	if _, ok := Behind[engineLike](&loop{}); ok {
		t.Error("a loop found something")
	}
	if _, ok := Behind[timeouter](nil); ok {
		t.Error("nil has a timeout")
	}
}
