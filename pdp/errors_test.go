package pdp

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestErrorKindOf(t *testing.T) {
	if ErrorKindOf(nil) != 0 || ErrorKindOf(errors.New("connection refused")) != 0 {
		t.Error("a plain error has a kind: kinds are set where the error happens, not read from its text")
	}
	wrapped := fmt.Errorf("bulk: %w", &TargetError{Kind: ErrorServer, Msg: "x"})
	if ErrorKindOf(wrapped) != ErrorServer {
		t.Error("ErrorKindOf does not see through wrapping")
	}
	if ErrorKindOf(context.Canceled) != ErrorCanceled || ErrorKindOf(fmt.Errorf("x: %w", context.DeadlineExceeded)) != ErrorTimeout {
		t.Error("a context that ended is not a cancel or a timeout")
	}
	// A TargetError's own kind wins over its cause.
	if k := ErrorKindOf(&TargetError{Kind: ErrorTimeout, Cause: context.Canceled}); k != ErrorTimeout {
		t.Errorf("kind %v, want the TargetError's own", k)
	}
}

func TestErrorKindNames(t *testing.T) {
	seen := map[string]bool{}
	for k := ErrorAuth; k <= ErrorNoABAC; k++ {
		s := k.String()
		if s == "unknown" || s == "" || seen[s] {
			t.Errorf("kind %d has no name of its own: %q", k, s)
		}
		seen[s] = true
		if ParseErrorKind(s) != k {
			t.Errorf("ParseErrorKind(%q) = %v, want %v", s, ParseErrorKind(s), k)
		}
	}
	if ErrorKind(0).String() != "unknown" || ParseErrorKind("") != 0 || ParseErrorKind("unknown") != 0 {
		t.Error("the zero kind has a name")
	}
}

func TestABACUnsupported(t *testing.T) {
	deny := Decision{Outcome: Deny, Debug: &Debug{ABAC: &Reason{Code: CodeCloudNoABAC}}}
	noABAC := Decision{Outcome: Error, Status: 501, Err: &TargetError{Kind: ErrorNoABAC, Status: 501}}
	other501 := Decision{Outcome: Error, Status: 501, Err: &TargetError{Kind: ErrorNotSupported, Status: 501}}
	if !ABACUnsupported(deny) || !ABACUnsupported(noABAC) || ABACUnsupported(other501) {
		t.Errorf("ABACUnsupported: deny %v, no_abac %v, other 501 %v", ABACUnsupported(deny), ABACUnsupported(noABAC), ABACUnsupported(other501))
	}
}
