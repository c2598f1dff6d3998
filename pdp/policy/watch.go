package policy

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"sync"
	"time"
)

// ErrUnchanged is a Change's error when the file holds what was read last.
var ErrUnchanged = errors.New("the policy file has not changed")

// Watcher notices when a policy file changes and reads it again: the one
// watcher behind pdpx serve's reloads and the explorer's watched checks.
//
// Callers poll it (a stat is cheap, and polling needs no OS support and
// sees every way an editor saves: in place, or a rename over the file). A
// changed file is read only once its stamp (modification time and size)
// has held for a whole poll: a save in place truncates the file and then
// writes it, and reading between the two would report a half-written file
// as broken. A touch that does not change the content is not a change.
//
// A Watcher is safe for concurrent use; polls are meant to come one at a
// time (from a ticker, or one Cmd per tick).
type Watcher struct {
	path string

	mu sync.Mutex
	// looked is false until the first stat that succeeds: a watcher made
	// with NewWatcher takes the file as it then is as the policy in use.
	looked bool
	// seen is the stamp of the content read last (zero while unreadable);
	// pending a different stamp waiting for a poll to settle.
	seen, pending stamp
	// tried is the hash of the content read last, loaded or refused, so
	// that a broken file is reported once rather than every poll.
	tried [32]byte
}

type stamp struct {
	mod  time.Time
	size int64
}

func stampOf(fi os.FileInfo) stamp { return stamp{mod: fi.ModTime(), size: fi.Size()} }

// Change is what a look at the policy file found.
type Change struct {
	// Policy is the file's new policy, when it changed and loads.
	Policy *Policy
	// Err is why the file's content cannot be served: it cannot be read, or
	// it has Problems (every one, with its position). It is ErrUnchanged
	// when the content is what was read last.
	Err error
	// News is set when the change is worth saying: a new policy, a content
	// with problems, a file that became unreadable. A file that did not
	// change, or is still unreadable, is not news.
	News bool
}

// NewWatcher watches the policy file at path. The first poll takes the file
// as it is then as the policy in use.
func NewWatcher(path string) *Watcher { return &Watcher{path: path} }

// LoadWatched loads the policy file at path, as Load does, with a Watcher
// that measures changes from the content loaded.
func LoadWatched(path string) (*Policy, *Watcher, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	data, err := ReadFile(context.Background(), path)
	if err != nil {
		return nil, nil, err
	}
	p, err := Parse(path, data)
	if err != nil {
		return nil, nil, err
	}
	return p, &Watcher{path: path, looked: true, seen: stampOf(fi), tried: sha256.Sum256(data)}, nil
}

// Path is the file watched.
func (w *Watcher) Path() string { return w.path }

// Poll looks at the file and reads it once a change has settled. Callers
// act on a Change with News; the others say the file is as it was.
func (w *Watcher) Poll() Change { return w.look(true) }

// Reload reads the file now, without waiting for a change to settle.
func (w *Watcher) Reload() Change { return w.look(false) }

func (w *Watcher) look(settle bool) Change {
	w.mu.Lock()
	defer w.mu.Unlock()
	fi, err := os.Stat(w.path)
	if err != nil {
		return w.unreadable(err)
	}
	st := stampOf(fi)
	switch {
	case !settle:
	case !w.looked:
		w.looked, w.seen = true, st // the first look: this is the policy in use
		return Change{}
	case st == w.seen:
		w.pending = stamp{}
		return Change{}
	case st != w.pending:
		w.pending = st // changed since the last look: let it settle
		return Change{}
	}
	w.looked, w.pending = true, stamp{}
	return w.read(st)
}

// unreadable reports a file that cannot be stat'ed or read: news once,
// when it was readable before, not on every poll while it stays so.
func (w *Watcher) unreadable(err error) Change {
	news := w.seen != (stamp{})
	w.seen = stamp{}
	return Change{Err: err, News: news}
}

func (w *Watcher) read(st stamp) Change {
	data, err := ReadFile(context.Background(), w.path)
	if err != nil {
		return w.unreadable(err)
	}
	w.seen = st
	h := sha256.Sum256(data)
	if h == w.tried {
		return Change{Err: ErrUnchanged}
	}
	w.tried = h
	p, err := Parse(w.path, data)
	if err != nil {
		return Change{Err: err, News: true}
	}
	return Change{Policy: p, News: true}
}
