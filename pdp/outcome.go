package pdp

import (
	"encoding/json"
	"fmt"
)

// Outcome is one of three states, never collapsed: a PDP that could not be
// asked did not say no.
type Outcome int

const (
	// Error means no decision was made: transport, auth, timeout, bad response.
	// It is the zero value so that a Decision nobody filled in is not a deny.
	Error Outcome = iota
	// Allow means the PDP answered allow: true.
	Allow
	// Deny means the PDP answered HTTP 200 with allow: false.
	Deny
)

// String is the lower-case word used in JSON, history and exports.
func (o Outcome) String() string {
	switch o {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	default:
		return "error"
	}
}

// Word is the upper-case word shown to people (readable without color).
func (o Outcome) Word() string {
	switch o {
	case Allow:
		return "ALLOW"
	case Deny:
		return "DENY"
	default:
		return "ERROR"
	}
}

// Symbol is the one-cell mark for the outcome: ✓, ✗ or !.
func (o Outcome) Symbol() string {
	switch o {
	case Allow:
		return "✓"
	case Deny:
		return "✗"
	default:
		return "!"
	}
}

// ExitCode is the process exit code for the outcome, as grep does it:
// 0 allow, 1 deny, 2 error.
func (o Outcome) ExitCode() int {
	switch o {
	case Allow:
		return 0
	case Deny:
		return 1
	default:
		return 2
	}
}

// ParseOutcome reads "allow", "deny" or "error".
func ParseOutcome(s string) (Outcome, error) {
	switch s {
	case "allow":
		return Allow, nil
	case "deny":
		return Deny, nil
	case "error":
		return Error, nil
	}
	return Error, fmt.Errorf("outcome %q: want allow, deny or error", s)
}

// MarshalJSON writes the outcome as its lower-case word.
func (o Outcome) MarshalJSON() ([]byte, error) { return json.Marshal(o.String()) }

// UnmarshalJSON reads the lower-case word.
func (o *Outcome) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseOutcome(s)
	if err != nil {
		return err
	}
	*o = v
	return nil
}
