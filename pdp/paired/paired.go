// Package paired pairs a remote PDP with a snapshot of its environment: each
// check goes to both, the remote decision is the answer, and the snapshot's
// decision (with the engine's trace) explains it, compared with it every
// time. It also verifies the snapshot's suggested flips on the remote PDP.
package paired

import (
	"context"
	"fmt"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
)

// Snapshot is a policy file pulled from the remote's environment, and what
// people know it by.
type Snapshot struct {
	Engine *engine.Engine
	// Name is the file ("prod.json").
	Name string
	// Environment names the environment it was pulled from ("web ·
	// production"), "" when the file does not say.
	Environment string
	// PulledAt is when it was pulled, zero when the file does not say.
	PulledAt time.Time
}

// Label says which snapshot explains a decision, and how old it is:
// "prod.json · web · production · pulled 2 h ago".
func (s Snapshot) Label(now time.Time) string {
	out := s.Name
	if s.Environment != "" {
		out += " · " + s.Environment
	}
	if !s.PulledAt.IsZero() {
		out += " · pulled " + Age(now.Sub(s.PulledAt)) + " ago"
	}
	return out
}

// Age is a duration the way people say it: "40 s", "12 min", "3 h", "5 d".
func Age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", max(0, int(d/time.Second)))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	}
	return fmt.Sprintf("%d d", int(d/(24*time.Hour)))
}

// FreshFor is how long after its pull a snapshot that disagrees with the
// PDP is taken to be fresh: a disagreement then may be a difference between
// pdpx's engine and Permit's PDP; after it, most likely a change made in
// Permit since the pull.
const FreshFor = time.Hour

// Advice says what to do about a disagreement, as a clause that starts in
// lower case and ends without a full stop: re-pull, unless the snapshot is
// fresh, when it may be a difference between the engines worth reporting.
func (s Snapshot) Advice(now time.Time) string {
	pull := "pdpx pull -o " + s.Name
	if s.PulledAt.IsZero() || now.Sub(s.PulledAt) > FreshFor {
		return "the environment has probably changed since the pull: run " + pull + " and check again"
	}
	return "the snapshot is fresh, so this may be a difference between pdpx's engine and Permit's PDP: run " + pull +
		" to rule out a change, and if it persists report the check (pdpx check --json) at https://github.com/pdpx/pdpx/issues"
}

// Target is a remote PDP paired with a snapshot. It answers with the
// remote's decisions, each carrying the snapshot's as its Shadow and the
// comparison as its Agreement.
type Target struct {
	remote pdp.Target
	snap   Snapshot
}

var _ pdp.Target = (*Target)(nil)

// New pairs remote with snap.
func New(remote pdp.Target, snap Snapshot) *Target { return &Target{remote: remote, snap: snap} }

// Remote is the PDP whose decisions are the answers.
func (t *Target) Remote() pdp.Target { return t.remote }

// Snapshot is the snapshot that explains them.
func (t *Target) Snapshot() Snapshot { return t.snap }

// Describe is the remote's description, named with the snapshot too.
func (t *Target) Describe() pdp.TargetInfo {
	info := t.remote.Describe()
	info.Name += " + " + t.snap.Name
	return info
}

// Check asks the remote and, while it answers, decides the same check on
// the snapshot: the engine's few microseconds hide inside the round trip.
func (t *Target) Check(ctx context.Context, c pdp.Check) pdp.Decision {
	done := make(chan pdp.Decision, 1)
	go func() { done <- t.remote.Check(ctx, c) }()
	shadow := t.snap.Engine.Evaluate(c)
	return pair(<-done, shadow)
}

// pair attaches the snapshot's decision to the remote's, unless the remote
// failed: an error stays an error, with nothing beside it.
func pair(remote, shadow pdp.Decision) pdp.Decision {
	a, ok := pdp.Compare(remote, shadow)
	if !ok {
		return remote
	}
	shadow.Target = "snapshot"
	remote.Shadow, remote.Agreement = &shadow, &a
	return remote
}

// Bulk sends the checks to the remote in one request and pairs each answer.
func (t *Target) Bulk(ctx context.Context, cs []pdp.Check) ([]pdp.Decision, error) {
	type result struct {
		ds  []pdp.Decision
		err error
	}
	done := make(chan result, 1)
	go func() {
		ds, err := t.remote.Bulk(ctx, cs)
		done <- result{ds, err}
	}()
	shadows := make([]pdp.Decision, len(cs))
	for i, c := range cs {
		shadows[i] = t.snap.Engine.Evaluate(c)
	}
	r := <-done
	if r.err != nil {
		return nil, r.err
	}
	if len(r.ds) != len(cs) {
		return nil, fmt.Errorf("the PDP answered %d decisions for %d checks: it may not speak Permit's bulk API", len(r.ds), len(cs))
	}
	for i := range r.ds {
		r.ds[i] = pair(r.ds[i], shadows[i])
	}
	return r.ds, nil
}

// UserPermissions asks the remote.
func (t *Target) UserPermissions(ctx context.Context, q pdp.PermissionsQuery) (pdp.Permissions, error) {
	return t.remote.UserPermissions(ctx, q)
}

// Health is the remote's.
func (t *Target) Health(ctx context.Context) error { return t.remote.Health(ctx) }

// Unwrap is the remote PDP, for what looks through wrappers (its timeout,
// its kind): the snapshot is not an engine standing behind the target.
func (t *Target) Unwrap() pdp.Target { return t.remote }
