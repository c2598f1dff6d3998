package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"time"

	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

// fileStamp is what a stat tells about the policy file: when it changed and
// how big it is. A different stamp sends the watcher to read the file.
type fileStamp struct {
	mod  time.Time
	size int64
}

func readPolicy(path string) (fileStamp, []byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, nil, err
	}
	data, err := policy.ReadFile(context.Background(), path)
	if err != nil {
		return fileStamp{}, nil, err
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size()}, data, nil
}

func hashOf(b []byte) [32]byte { return sha256.Sum256(b) }

// Watch polls the policy file every Config.Poll (DefaultPoll when 0) until
// ctx is done and reloads it when it changed. Polling needs no OS support
// and sees every way an editor saves (in place, or a rename over the file);
// the stamp keeps the cost to a stat per poll, and the content hash keeps a
// touch without a change from reloading.
//
// A changed file is read only once its stamp has held for a whole poll: a
// save in place truncates the file and then writes it, and reading between
// the two would report a half-written file as broken.
func (s *Server) Watch(ctx context.Context) {
	every := s.cfg.Poll
	if every <= 0 {
		every = DefaultPoll
	}
	t := time.NewTicker(every)
	defer t.Stop()
	var pending fileStamp
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fi, err := os.Stat(s.cfg.Policy)
			if err != nil {
				_, _ = s.Reload() // reports the unreadable file, once
				continue
			}
			st := fileStamp{mod: fi.ModTime(), size: fi.Size()}
			switch {
			case st == s.seen:
				pending = fileStamp{}
			case st != pending:
				pending = st // changed since the last look: let it settle
			default:
				pending = fileStamp{}
				_, _ = s.Reload()
			}
		}
	}
}

// ErrUnchanged is Reload's answer when the file holds what was read last.
var ErrUnchanged = errors.New("the policy file has not changed")

// Reload reads the policy file now. A valid, changed file replaces the
// served policy at once (requests already running finish with the old one)
// and Reload returns true. A file that cannot be read or no longer
// validates is logged with its problems, once per content, and the last
// good policy keeps serving; the error says why. Reload is for one
// goroutine at a time (Watch's); requests may run concurrently with it.
func (s *Server) Reload() (bool, error) {
	if s.cfg.Policy == "" {
		return false, ErrUnchanged
	}
	stamp, data, err := readPolicy(s.cfg.Policy)
	if err != nil {
		// Report a vanished or unreadable file once, not on every poll.
		if s.seen != (fileStamp{}) {
			s.log.Error("policy file unreadable; still serving the last good policy", "policy", s.name, "error", err.Error())
		}
		s.seen = fileStamp{}
		return false, err
	}
	s.seen = stamp
	h := hashOf(data)
	if h == s.tried {
		return false, ErrUnchanged
	}
	s.tried = h
	p, err := policy.Parse(s.cfg.Policy, data)
	if err != nil {
		var probs policy.Problems
		if errors.As(err, &probs) {
			s.log.Error("policy file has problems; still serving the last good policy", "policy", s.name, "problems", len(probs))
			for _, pr := range probs {
				s.log.Error("policy problem", "problem", pr.String())
			}
		} else {
			s.log.Error("policy file not loaded; still serving the last good policy", "policy", s.name, "error", err.Error())
		}
		return false, err
	}
	s.cur.Store(&loaded{eng: engine.New(p), hash: h})
	s.log.Info("policy reloaded", "policy", s.name)
	return true, nil
}
