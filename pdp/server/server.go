// Package server serves pdpx's embedded engine over HTTP with the API of
// Permit's Policy Decision Point, so that Permit's own SDKs, pdpx's permit
// client and AuthZEN clients use it unchanged: /allowed, /allowed/bulk,
// /allowed/all-tenants, /user-permissions, /user-tenants,
// /authorized_users, GET /local/role_assignments, the health endpoints and
// AuthZEN's Authorization API (evaluation, evaluations, search, metadata:
// authzen.go).
//
// It is for development, demos, tests and CI: the policy file is the source
// of truth, read again whenever it changes on disk. It knows no terminal.
//
// Decisions taken where the spec is silent, after Permit's Rust front:
//
//   - Requests are refused in this order: a missing Authorization header
//     (401), a wrong key or scheme (403), an unknown path (404), a wrong
//     method (405), a wrong content type (415), a body over the limit (413)
//     or one that waited too long for its share of the body budget (503),
//     text that is not JSON (400), JSON of the wrong shape (422). The key
//     is checked first, as the Rust front's middleware wraps every route.
//   - Without a token every request is accepted, with or without a key.
//   - Health endpoints and the AuthZEN metadata never ask for a key.
//   - A path with doubled slashes ("//allowed", what an SDK sends when its PDP
//     URL ends in '/') is served as the clean path instead of redirected:
//     a redirect would turn the SDK's POST into a GET.
//   - Errors are JSON {"detail": "..."}, as the PDP's Python side answers;
//     the two routes only its Python side serves (/user-tenants,
//     /local/role_assignments) word a 422 as it does, a list of problems.
//   - Nothing a client sends or fails to read holds memory for long: read
//     and write deadlines, body buffers that grow with the bytes that
//     arrive, a budget for the large bodies in flight, and large answers
//     written in parts (see http.go's readBody and the bulk handlers).
//   - AuthZEN's routes refuse as its HTTPS binding says instead (400, 401,
//     a plain-text message): see authzen.go.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

// Defaults for a Config.
const (
	// DefaultAddr is where Permit's PDP container is usually published
	// (docker run -p 7766:7000), so SDKs find pdpx serve without a setting.
	DefaultAddr = "127.0.0.1:7766"
	// MaxBody is the largest request body accepted, 2 MiB (2,097,152
	// bytes): Permit's PDP reads bodies with its web framework's default
	// limit, which is this. Larger ones get 413.
	MaxBody = 2 << 20
	// DefaultBodyBudget is how many bytes of large request bodies may be in
	// flight at once (read, decided or being answered): two bodies of the
	// largest size. A body counts once more than largeBody bytes of it have
	// arrived; smaller ones, which is nearly every request, never wait.
	DefaultBodyBudget = 2 * MaxBody
	// DefaultReadTimeout bounds reading a whole request, body included.
	DefaultReadTimeout = 30 * time.Second
	// DefaultWriteTimeout bounds a request from the end of its headers to
	// the end of its answer, so that a client that stops reading releases
	// what its answer holds.
	DefaultWriteTimeout = 60 * time.Second
	// DefaultPoll is how often the policy file is looked at for changes.
	DefaultPoll = 500 * time.Millisecond
	// ShutdownTimeout bounds how long in-flight requests may take to finish
	// once shutdown starts.
	ShutdownTimeout = 10 * time.Second
)

// Config says what to serve and how.
type Config struct {
	// Policy is the policy file; "" serves the built-in demo policy.
	Policy string
	// Token is the API key requests must carry as "Authorization: Bearer
	// <token>". Empty accepts every request.
	Token string
	// NoDebug leaves Permit's debug object out of decisions.
	NoDebug bool
	// Log receives the access log (one line per request) and reload reports.
	// nil discards them.
	Log *slog.Logger
	// Poll is how often the policy file is checked for changes; 0 means
	// DefaultPoll and a negative value turns reloading off.
	Poll time.Duration
	// ReadTimeout and WriteTimeout are the connection deadlines (see
	// DefaultReadTimeout and DefaultWriteTimeout, used for 0); a negative
	// value turns one off.
	ReadTimeout, WriteTimeout time.Duration
	// BodyBudget is how many bytes of large request bodies may be in flight
	// at once; 0 means DefaultBodyBudget. It is raised to MaxBody if lower,
	// so that every acceptable body can be served.
	BodyBudget int64
	// DefaultTenant is the tenant of an AuthZEN request that names none
	// (resource.properties.tenant); "" leaves such requests without one,
	// as Permit's PDP does.
	DefaultTenant string
	// PublicURL is the base URL clients reach the server at, for the
	// AuthZEN metadata; "" builds it from each request (Host and the
	// proxy's forwarded headers).
	PublicURL string
}

// Server answers Permit's PDP API from the embedded engine. Build it with
// New; it is safe for concurrent use.
type Server struct {
	cfg  Config
	name string
	log  *slog.Logger

	// cur is the policy being served. A reload swaps it whole, so a request
	// decides with one engine from start to end.
	cur atomic.Pointer[loaded]
	// draining is set once shutdown starts: /ready then answers 503 so that
	// a load balancer stops sending before the connections close.
	draining atomic.Bool

	// budget holds the bytes of the large bodies in flight (BodyBudget).
	budget *semaphore.Weighted

	// watch follows the policy file; nil for the demo policy.
	watch *policy.Watcher
}

// loaded is one policy and its engine.
type loaded struct {
	eng *engine.Engine

	// assignments is eng.RoleAssignments(), made on first use.
	assignOnce  sync.Once
	assignments []engine.RoleAssignment
}

// New loads the policy and returns a server for it. A policy file with
// problems is an error (policy.Problems, every problem with its position):
// there is nothing good to serve yet.
func New(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, log: cfg.Log, name: policy.DemoName}
	if s.cfg.BodyBudget == 0 {
		s.cfg.BodyBudget = DefaultBodyBudget
	}
	s.cfg.BodyBudget = max(s.cfg.BodyBudget, MaxBody)
	s.cfg.ReadTimeout = orDefault(s.cfg.ReadTimeout, DefaultReadTimeout)
	s.cfg.WriteTimeout = orDefault(s.cfg.WriteTimeout, DefaultWriteTimeout)
	s.budget = semaphore.NewWeighted(s.cfg.BodyBudget)
	if err := s.checkPublicURL(); err != nil {
		return nil, err
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Policy == "" {
		s.cur.Store(&loaded{eng: engine.New(policy.Demo())})
		return s, nil
	}
	s.name = cfg.Policy
	p, w, err := policy.LoadWatched(cfg.Policy)
	if err != nil {
		return nil, err
	}
	s.watch = w
	s.cur.Store(&loaded{eng: engine.New(p)})
	return s, nil
}

// orDefault is d, def for 0 and none (0, which net/http reads as no
// deadline) for a negative d.
func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// Engine is the engine answering requests now.
func (s *Server) Engine() *engine.Engine { return s.cur.Load().eng }

// PolicyName is how the served policy is named in logs: its path, or
// "demo policy".
func (s *Server) PolicyName() string { return s.name }

// Serve answers requests on ln until ctx is done, reloading the policy file
// as it changes, then shuts down gracefully: the listener closes at once,
// requests in flight finish (for up to ShutdownTimeout) and Serve returns
// nil. Requests are not cancelled by ctx: a check that started is answered.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	if s.cfg.Policy != "" && s.cfg.Poll >= 0 {
		go s.Watch(watchCtx)
	}

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}

	s.draining.Store(true)
	s.log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}
