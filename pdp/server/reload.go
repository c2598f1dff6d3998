package server

import (
	"context"
	"errors"
	"io/fs"
	"time"

	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

// ErrUnchanged is Reload's answer when the file holds what was read last.
var ErrUnchanged = policy.ErrUnchanged

// Watch polls the policy file every Config.Poll (DefaultPoll when 0) until
// ctx is done and reloads it when it changed (see policy.Watcher: a change
// is read once it has settled, and a touch is not a change).
func (s *Server) Watch(ctx context.Context) {
	if s.watch == nil {
		return
	}
	every := s.cfg.Poll
	if every <= 0 {
		every = DefaultPoll
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.apply(s.watch.Poll())
		}
	}
}

// Reload reads the policy file now. A valid, changed file replaces the
// served policy at once (requests already running finish with the old one)
// and Reload returns true. A file that cannot be read or no longer
// validates is logged with its problems, once per content, and the last
// good policy keeps serving; the error says why. Reload is for one
// goroutine at a time (Watch's); requests may run concurrently with it.
func (s *Server) Reload() (bool, error) {
	if s.watch == nil {
		return false, ErrUnchanged
	}
	return s.apply(s.watch.Reload())
}

// apply serves a changed policy and logs what is news.
func (s *Server) apply(c policy.Change) (bool, error) {
	switch {
	case c.Policy != nil:
		s.cur.Store(&loaded{eng: engine.New(c.Policy)})
		s.log.Info("policy reloaded", "policy", s.name)
		return true, nil
	case c.Err == nil || !c.News:
		return false, c.Err
	}
	var (
		probs   policy.Problems
		pathErr *fs.PathError
	)
	switch {
	case errors.As(c.Err, &probs):
		s.log.Error("policy file has problems; still serving the last good policy", "policy", s.name, "problems", len(probs))
		for _, pr := range probs {
			s.log.Error("policy problem", "problem", pr.String())
		}
	case errors.As(c.Err, &pathErr):
		s.log.Error("policy file unreadable; still serving the last good policy", "policy", s.name, "error", c.Err.Error())
	default:
		s.log.Error("policy file not loaded; still serving the last good policy", "policy", s.name, "error", c.Err.Error())
	}
	return false, c.Err
}
