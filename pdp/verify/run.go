package verify

import (
	"context"
	"errors"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/paired"
)

// Options shape a run.
type Options struct {
	// Batch is how many checks go in one bulk request (default 100).
	Batch int
	// Retries is how many times a rate-limited or failed request is
	// retried (default 5); Wait is the pause when the PDP names none
	// (default 1 s, doubling).
	Retries int
	Wait    time.Duration
	// Progress, when set, is called after each request with the checks done.
	Progress func(done, total int)
	// sleep waits; tests replace it.
	sleep func(context.Context, time.Duration) error
}

// Result is one check as the PDP and the snapshot decided it.
type Result struct {
	Check    pdp.Check    `json:"check"`
	Remote   pdp.Decision `json:"-"`
	Snapshot pdp.Decision `json:"-"`
	// Agreement is nil when the PDP answered with an error.
	Agreement *pdp.Agreement `json:"agreement,omitempty"`
}

// Report is what a run found.
type Report struct {
	Checks   int `json:"checks"`
	Agreed   int `json:"agreed"`
	Requests int `json:"requests"`
	// Disagreements are the checks the two decided differently (outcome or
	// codes), in the order they were sent.
	Disagreements []Result `json:"disagreements,omitempty"`
	// Errors are the checks the PDP answered with an error.
	Errors   []Result      `json:"errors,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Run sends checks to remote in bulk requests of opts.Batch, decides them on
// snap, and compares. A rate-limited request (429) waits for its
// Retry-After and is sent again, as is one that failed as a whole with a
// server error, up to opts.Retries times; after that its checks count as
// errors. Run stops early only when ctx ends, with what it found so far.
func Run(ctx context.Context, remote pdp.Target, snap paired.Snapshot, checks []pdp.Check, opts Options) (Report, error) {
	if opts.Batch <= 0 {
		opts.Batch = 100
	}
	if opts.Retries <= 0 {
		opts.Retries = 5
	}
	if opts.Wait <= 0 {
		opts.Wait = time.Second
	}
	if opts.sleep == nil {
		opts.sleep = sleepCtx
	}
	pt := paired.New(remote, snap)
	start := time.Now()
	r := Report{Checks: len(checks)}
	for lo := 0; lo < len(checks); lo += opts.Batch {
		chunk := checks[lo:min(lo+opts.Batch, len(checks))]
		ds, err := r.send(ctx, pt, chunk, opts)
		if ctx.Err() != nil {
			r.Duration = time.Since(start)
			return r, ctx.Err()
		}
		for i, c := range chunk {
			res := Result{Check: c}
			if err != nil {
				res.Remote = pdp.Decision{Outcome: pdp.Error, Err: err}
			} else {
				res.Remote = ds[i]
				res.Agreement = ds[i].Agreement
				if ds[i].Shadow != nil {
					res.Snapshot = *ds[i].Shadow
				}
			}
			switch {
			case res.Agreement == nil:
				r.Errors = append(r.Errors, res)
			case res.Agreement.Agrees():
				r.Agreed++
			default:
				r.Disagreements = append(r.Disagreements, res)
			}
		}
		if opts.Progress != nil {
			opts.Progress(lo+len(chunk), len(checks))
		}
	}
	r.Duration = time.Since(start)
	return r, nil
}

// send sends one bulk request, again after a rate limit or a server error.
func (r *Report) send(ctx context.Context, pt *paired.Target, chunk []pdp.Check, opts Options) ([]pdp.Decision, error) {
	wait := opts.Wait
	for attempt := 0; ; attempt++ {
		r.Requests++
		ds, err := pt.Bulk(ctx, chunk)
		if err == nil {
			return ds, nil
		}
		kind := pdp.ErrorKindOf(err)
		if attempt >= opts.Retries || (kind != pdp.ErrorRateLimited && kind != pdp.ErrorServer) {
			return nil, err
		}
		pause := wait
		if te := (*pdp.TargetError)(nil); errors.As(err, &te) && te.Retry > 0 {
			pause = te.Retry
		}
		if err := opts.sleep(ctx, pause); err != nil {
			return nil, err
		}
		wait *= 2
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
