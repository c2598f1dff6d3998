package paired

import (
	"context"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/explain"
)

// FlipStatus is what the remote PDP said of a flip the snapshot found.
type FlipStatus string

// The statuses of a flip sent to the remote PDP.
const (
	// Verified: the remote PDP allows the changed check.
	Verified FlipStatus = "verified"
	// Refuted: the remote PDP denies it; the snapshot is out of step.
	Refuted FlipStatus = "refuted"
	// Unverifiable: the remote PDP failed to answer it.
	Unverifiable FlipStatus = "unverifiable"
	// EnvironmentChange: the flip changes the environment (a role to
	// assign), which no check can try on the remote PDP.
	EnvironmentChange FlipStatus = "environment change"
)

// CheckedFlip is a flip with the remote PDP's verdict on it.
type CheckedFlip struct {
	explain.Flip
	Status FlipStatus `json:"status"`
	// Err is the remote's error, for an unverifiable flip.
	Err string `json:"error,omitempty"`
}

// VerifyFlips sends the checks the flips make of c to the remote PDP in one
// bulk request and marks each flip with the answer.
func VerifyFlips(ctx context.Context, remote pdp.Target, c pdp.Check, flips []explain.Flip) []CheckedFlip {
	out := make([]CheckedFlip, len(flips))
	var checks []pdp.Check
	var at []int
	for i, f := range flips {
		out[i].Flip = f
		changed, ok := f.Action.Apply(c)
		if !ok || f.Cost == explain.CostRole {
			out[i].Status = EnvironmentChange
			continue
		}
		checks = append(checks, changed)
		at = append(at, i)
	}
	if len(checks) == 0 {
		return out
	}
	ds, err := remote.Bulk(ctx, checks)
	for j, i := range at {
		switch {
		case err != nil:
			out[i].Status, out[i].Err = Unverifiable, pdp.Clean(err.Error())
		case j >= len(ds) || ds[j].Outcome == pdp.Error:
			out[i].Status = Unverifiable
			if j < len(ds) {
				out[i].Err = pdp.Clean(ds[j].ErrorText())
			}
		case ds[j].Outcome == pdp.Allow:
			out[i].Status = Verified
		default:
			out[i].Status = Refuted
		}
	}
	return out
}
