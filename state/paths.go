package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// EnvHistory names the environment variable that overrides the history path.
const EnvHistory = "PDPX_HISTORY"

// HistoryPath is where the history lives: flag (--history) if given, else
// $PDPX_HISTORY, else $XDG_STATE_HOME/pdpx/history.db, else
// ~/.local/state/pdpx/history.db. XDG is spelled out rather than left to
// os.UserConfigDir, which has no "state" directory and answers
// ~/Library/... on macOS.
func HistoryPath(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if p := os.Getenv(EnvHistory); p != "" {
		return p, nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "pdpx", "history.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no history location: %w (set %s or use --history)", err, EnvHistory)
	}
	return filepath.Join(home, ".local", "state", "pdpx", "history.db"), nil
}

// Opened is a history ready for use, and what a person should be told
// about how it was opened.
type Opened struct {
	History History
	// Store is the SQLite store, nil when the history is in memory.
	Store *Store
	// Note is one line for the user when something was not as expected
	// (a damaged file moved aside, a read-only location), else "".
	Note string
	// Memory is set when the history lasts only for this run.
	Memory bool
}

// Close closes the store, if there is one.
func (o Opened) Close() error {
	if o.Store != nil {
		return o.Store.Close()
	}
	return nil
}

// OpenOrRecover opens the history at path and never fails: a file that is
// not a SQLite database (or a damaged one) is moved aside to
// path.corrupt-<time> and a fresh history started; a location that cannot be
// written gives an in-memory history. Either way Note says what happened.
func OpenOrRecover(ctx context.Context, path string) Opened {
	s, err := Open(ctx, path)
	if err == nil {
		return Opened{History: s, Store: s}
	}
	if IsCorrupt(err) {
		aside := path + ".corrupt-" + time.Now().Format("20060102T150405")
		if mvErr := moveAside(path, aside); mvErr == nil {
			if s, err2 := Open(ctx, path); err2 == nil {
				return Opened{History: s, Store: s, Note: fmt.Sprintf(
					"history: %s was not a readable history database (%v); moved it to %s and started a fresh one", path, err, filepath.Base(aside))}
			} else {
				err = err2
			}
		} else {
			err = fmt.Errorf("%v; moving it aside failed: %w", err, mvErr)
		}
	}
	return Opened{History: NewMemory(), Memory: true,
		Note: fmt.Sprintf("history in memory for this run: cannot use %s: %v", path, err)}
}

// moveAside renames the database and its WAL and shared-memory files, which
// belong to it and would confuse a fresh database at the same path.
func moveAside(path, aside string) error {
	if err := os.Rename(path, aside); err != nil {
		return err
	}
	for _, ext := range []string{"-wal", "-shm"} {
		if err := os.Rename(path+ext, aside+ext); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}
