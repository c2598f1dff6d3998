// Package explain says why a PDP decided a check as it did, in values a
// front end can draw and act on: cards (one per debug code or error, with a
// sentence and an optional Action), the failing condition of each ABAC rule
// that could have granted the check, the smallest verified changes that flip
// a denial to an allow, where each attribute came from, and what allowed an
// allow. It knows no terminal and no HTTP.
//
// Decisions from a remote PDP are explained from their debug object alone;
// with the embedded engine, Explain also reads the policy and re-decides
// (the trace, flips, provenance and typo warnings need it).
//
// Everything that came from a remote party (reasons, keys and values in the
// debug object) passes through pdp.Clean before it is put in a card. Check
// fields are cleaned as well: a check may come from a file or a history row.
package explain

import (
	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
)

// Source says what the explanation could read.
type Source string

const (
	// Embedded: the embedded engine decided; the policy was available.
	Embedded Source = "embedded"
	// Remote: a PDP decided; only its answer (and debug object) was available.
	Remote Source = "remote"
)

// Explanation is everything pdpx can say about one decision.
type Explanation struct {
	Outcome pdp.Outcome `json:"outcome"`
	Source  Source      `json:"source"`
	// Cards are the reasons in words, most important first: one per debug
	// code (a code two models share is one card), or one for an error.
	Cards []Card `json:"cards"`
	// Conditions are the ABAC rules that name the check's type and action,
	// each with its sets' condition trees and first failing leaf. Embedded only.
	Conditions []RuleCondition `json:"conditions,omitempty"`
	// Flips are the smallest verified changes that make a denial allow,
	// cheapest first, at most MaxFlips. Embedded denials only.
	Flips []Flip `json:"flips,omitempty"`
	// Provenance says where each attribute the decision read came from.
	Provenance []Provenance `json:"provenance,omitempty"`
	// Warnings are things in the check that look wrong whatever the outcome:
	// a JIT attribute no condition and no schema mentions.
	Warnings []Warning `json:"warnings,omitempty"`
	// AllowedBy are the roles, rules and derivation chains that allowed an allow.
	AllowedBy []Grant `json:"allowed_by,omitempty"`
}

// Explain explains d, the decision for c. e is the engine that decided it,
// or nil for a remote PDP. When e is given and d carries no debug object or
// trace (a decision read back from history), e decides c again for them,
// and a warning says so if the outcome changed since.
func Explain(d pdp.Decision, c pdp.Check, e *engine.Engine) Explanation {
	x := Explanation{Outcome: d.Outcome, Source: Remote}
	if e != nil {
		x.Source = Embedded
	}
	if d.Outcome == pdp.Error {
		x.Cards = errorCards(d, c)
		return x
	}
	if e != nil && (d.Debug == nil || d.Trace == nil) {
		fresh := e.Decide(c)
		if fresh.Outcome != d.Outcome {
			x.Warnings = append(x.Warnings, Warning{
				Code:    "outcome_changed",
				Message: "the policy now decides this check " + fresh.Outcome.Word() + "; the reasons below are today's",
			})
		}
		d.Debug, d.Trace = fresh.Debug, fresh.Trace
	}
	x.Conditions = conditions(d.Trace)
	x.AllowedBy = grants(d.Debug, c)
	x.Cards = cards(d, c, e, x.Conditions, x.AllowedBy)
	prov, warns := provenance(d, c, e)
	x.Provenance = prov
	x.Warnings = append(x.Warnings, warns...)
	if e != nil && d.Outcome == pdp.Deny {
		x.Flips = findFlips(e, c, d.Trace, warns, MaxFlips)
	}
	return x
}
