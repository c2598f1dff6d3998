package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// route is one endpoint: its method, whether it needs the key and a JSON
// body, and what answers it.
type route struct {
	method string
	public bool // no API key needed (health)
	body   bool // a JSON body is read and handed to h
	// fastapi: the route is served by the PDP's Python side, which reads a
	// body of any content type (and words its refusals itself).
	fastapi bool
	// authzen: the route is AuthZEN's, whose refusals follow its HTTPS
	// binding (see azAnswer).
	authzen bool
	h       func(s *Server, l *loaded, r *http.Request, body []byte, info *reqInfo) (int, []byte)
}

var routes = map[string]route{
	"/allowed":                           {method: http.MethodPost, body: true, h: (*Server).allowed},
	"/allowed/bulk":                      {method: http.MethodPost, body: true, h: (*Server).bulk},
	"/allowed/all-tenants":               {method: http.MethodPost, body: true, h: (*Server).allTenants},
	"/user-permissions":                  {method: http.MethodPost, body: true, h: (*Server).userPermissions},
	"/authorized_users":                  {method: http.MethodPost, body: true, h: (*Server).authorizedUsers},
	"/user-tenants":                      {method: http.MethodPost, body: true, fastapi: true, h: (*Server).userTenants},
	"/local/role_assignments":            {method: http.MethodGet, h: (*Server).roleAssignments},
	"/access/v1/evaluation":              {method: http.MethodPost, body: true, authzen: true, h: (*Server).evaluation},
	"/access/v1/evaluations":             {method: http.MethodPost, body: true, authzen: true, h: (*Server).evaluations},
	"/access/v1/search/subject":          {method: http.MethodPost, body: true, authzen: true, h: (*Server).searchSubject},
	"/access/v1/search/resource":         {method: http.MethodPost, body: true, authzen: true, h: (*Server).searchResource},
	"/access/v1/search/action":           {method: http.MethodPost, body: true, authzen: true, h: (*Server).searchAction},
	"/.well-known/authzen-configuration": {method: http.MethodGet, public: true, authzen: true, h: (*Server).wellKnown},
	"/health":                            {method: http.MethodGet, public: true, h: (*Server).health},
	"/healthy":                           {method: http.MethodGet, public: true, h: (*Server).health},
	"/ready":                             {method: http.MethodGet, public: true, h: (*Server).ready},
}

// reqInfo is what the access log says about a request beyond method, path,
// status and latency. Handlers fill it as they learn it.
//
// It also carries the request's buffers, reused from request to request
// through infoPool so that a request allocates little beyond what its
// answer needs: the body read, the answer written, the bulk checks decoded.
type reqInfo struct {
	user, action, resource, tenant string
	outcome                        string
	detail                         string // why a request was refused

	in, out []byte
	checks  []pdp.Check

	// w is the request's writer, for an answer too large to build whole
	// (a large bulk request): the handler writes it in parts and sets
	// streamed.
	w        http.ResponseWriter
	streamed bool
	// held is the share of the body budget the request holds, returned
	// when its answer has been written.
	held int64
}

var infoPool = sync.Pool{New: func() any { return new(reqInfo) }}

// maxPooled bounds the buffers kept for the next request, so that one
// large bulk request does not pin its memory in the pool.
const maxPooled = 256 << 10

// release returns info to the pool: strings and checks cleared (they hold
// the request's data), buffers kept unless large.
func (info *reqInfo) release() {
	in, out, checks := info.in[:0], info.out[:0], info.checks
	if cap(in) > maxPooled {
		in = nil
	}
	if cap(out) > maxPooled {
		out = nil
	}
	clear(checks)
	if cap(checks) > 1024 {
		checks = nil
	}
	*info = reqInfo{in: in, out: out, checks: checks[:0]}
	infoPool.Put(info)
}

// ServeHTTP answers one request and writes its access log line.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	info := infoPool.Get().(*reqInfo)
	defer info.release()
	defer s.releaseBudget(info)
	info.w = w
	status, body := s.answer(r, info)
	if !info.streamed {
		h := w.Header()
		// Direct map writes: the keys are already canonical, and Set would
		// allocate a new []string for each.
		h["Content-Type"] = jsonType
		if status == http.StatusMethodNotAllowed {
			h.Set("Allow", routes[cleanPath(r.URL.Path)].method)
		}
		status, body = azAnswer(h, r, status, body, info)
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			if _, err := w.Write(body); err != nil && info.detail == "" {
				info.outcome, info.detail = "error", "the answer could not be written: "+err.Error()
			}
		}
	}
	s.logRequest(r, status, info, time.Since(start))
}

// jsonType is every answer's Content-Type header value. net/http only reads
// it, so one slice serves every response.
var jsonType = []string{"application/json"}

// answer runs the checks every request goes through, in the Rust front's
// order, and then the endpoint.
func (s *Server) answer(r *http.Request, info *reqInfo) (int, []byte) {
	path := cleanPath(r.URL.Path)
	rt, known := routes[path]
	if !known || !rt.public {
		if status, msg := s.authorize(r); status != 0 {
			return refuse(info, status, msg)
		}
	}
	if !known {
		return refuse(info, http.StatusNotFound, "no such endpoint: "+path+" (pdpx serve answers Permit's PDP API: /allowed, /allowed/bulk, /allowed/all-tenants, /user-permissions, /user-tenants, /authorized_users, /local/role_assignments, and AuthZEN's /access/v1/evaluation(s), /access/v1/search/{subject,resource,action})")
	}
	if r.Method != rt.method && !(rt.method == http.MethodGet && r.Method == http.MethodHead) {
		return refuse(info, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on "+path+": use "+rt.method)
	}
	var body []byte
	if rt.body {
		if !rt.fastapi && !isJSON(r.Header.Get("Content-Type")) {
			return refuse(info, http.StatusUnsupportedMediaType, "send the body as JSON with Content-Type: application/json")
		}
		var err error
		body, err = s.readBody(r, info)
		info.in = body
		if err != nil {
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				return refuse(info, http.StatusRequestEntityTooLarge, "the body is larger than 2 MiB (2,097,152 bytes), the most Permit's PDP accepts: send fewer checks per request")
			case errors.Is(err, errBusy):
				return refuse(info, http.StatusServiceUnavailable, "pdpx serve is already reading or answering "+strconv.FormatInt(s.cfg.BodyBudget>>20, 10)+" MiB of large request bodies, and this one waited "+s.cfg.ReadTimeout.String()+" for its turn: retry, or send smaller requests")
			}
			return refuse(info, http.StatusBadRequest, "the body could not be read: "+err.Error())
		}
	}
	l := s.cur.Load()
	status, out := rt.h(s, l, r, body, info)
	if status != http.StatusOK && info.detail == "" {
		info.outcome = "error"
	}
	return status, out
}

// authorize checks the API key as Permit's Rust front does: no header is
// 401; anything but "Bearer <token>" (scheme in any case) is 403. The
// comparison takes the same time whatever the presented key shares with
// the real one.
func (s *Server) authorize(r *http.Request) (int, string) {
	if s.cfg.Token == "" {
		return 0, ""
	}
	vals, ok := r.Header["Authorization"]
	if !ok || len(vals) == 0 {
		return http.StatusUnauthorized, "Missing Authorization header: send Authorization: Bearer <API key>"
	}
	const scheme = "bearer "
	h := vals[0]
	if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return http.StatusForbidden, "You are not authorized to access this resource, please check your API key (send Authorization: Bearer <API key>)."
	}
	if subtle.ConstantTimeCompare([]byte(h[len(scheme):]), []byte(s.cfg.Token)) != 1 {
		return http.StatusForbidden, "You are not authorized to access this resource, please check your API key."
	}
	return 0, ""
}

// refuse is an error answer: {"detail": msg}, with the outcome logged.
func refuse(info *reqInfo, status int, msg string) (int, []byte) {
	info.outcome, info.detail = "error", msg
	return status, detail(msg)
}

func detail(msg string) []byte {
	b, _ := json.Marshal(struct {
		Detail string `json:"detail"`
	}{msg})
	return b
}

// bodyError answers a body that pdp's decoders refused (400 or 422).
func bodyError(info *reqInfo, err error) (int, []byte) {
	var be *pdp.BodyError
	if errors.As(err, &be) {
		return refuse(info, be.Status, be.Msg)
	}
	return refuse(info, http.StatusUnprocessableEntity, err.Error())
}

// isJSON accepts application/json and any application/*+json, with
// parameters (charset), as axum's Json extractor in Permit's front does.
func isJSON(ct string) bool {
	if ct == "application/json" {
		return true // the common case, without parsing
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// largeBody is the size past which a body takes its share of the body
// budget: a few bulk checks' worth, so that requests of the usual size never
// wait for it.
const largeBody = 64 << 10

// errBusy is a large body that waited ReadTimeout for its share of the
// body budget.
var errBusy = errors.New("busy")

// readBody reads at most MaxBody bytes into info.in (reused, grown as
// needed); a declared or actual larger body is an *http.MaxBytesError.
//
// The buffer grows with the bytes that arrive, never from Content-Length:
// a client that declares a large body and sends nothing holds nothing
// (ReadTimeout then closes its connection). A body past largeBody bytes
// takes its share of the budget before it is read further, and holds it
// until its answer is written, which bounds the memory that large
// requests and their answers hold together.
func (s *Server) readBody(r *http.Request, info *reqInfo) ([]byte, error) {
	buf := info.in[:0]
	if r.ContentLength > MaxBody {
		return buf, &http.MaxBytesError{Limit: MaxBody}
	}
	for {
		// One byte past the limit tells "exactly the limit" from "more".
		end := MaxBody + 1
		if info.held == 0 {
			if len(buf) < largeBody {
				end = largeBody
			} else if err := s.admit(r, info); err != nil {
				return buf, err
			}
		}
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 512) // append's growth: doubling
		}
		n, err := r.Body.Read(buf[len(buf):min(cap(buf), end)])
		buf = buf[:len(buf)+n]
		if len(buf) > MaxBody {
			return buf, &http.MaxBytesError{Limit: MaxBody}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// admit takes a large body's share of the budget: its declared length, or
// MaxBody when it declares none. It waits at most ReadTimeout (the time
// the whole request may take to arrive) for others to finish.
func (s *Server) admit(r *http.Request, info *reqInfo) error {
	n := r.ContentLength
	if n <= 0 {
		n = MaxBody
	}
	if !s.budget.TryAcquire(n) {
		ctx := r.Context()
		if d := s.cfg.ReadTimeout; d > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		if s.budget.Acquire(ctx, n) != nil {
			return errBusy
		}
	}
	info.held = n
	return nil
}

// releaseBudget returns the request's share of the body budget.
func (s *Server) releaseBudget(info *reqInfo) {
	if info.held > 0 {
		s.budget.Release(info.held)
		info.held = 0
	}
}

// cleanPath collapses doubled slashes, so "//allowed" is "/allowed".
func cleanPath(p string) string {
	if !strings.Contains(p, "//") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// logRequest writes the access log line. It never includes a header: the
// API key travels only in Authorization.
//
// The attributes are slog.Attrs in an array on the stack rather than
// key-value pairs through ...any, which boxed every value.
func (s *Server) logRequest(r *http.Request, status int, info *reqInfo, latency time.Duration) {
	ctx := r.Context()
	if !s.log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	var arr [10]slog.Attr
	attrs := append(arr[:0], slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status))
	for _, kv := range [...][2]string{
		{"user", info.user}, {"action", info.action}, {"resource", info.resource},
		{"tenant", info.tenant}, {"outcome", info.outcome}, {"detail", info.detail},
	} {
		if kv[1] != "" {
			attrs = append(attrs, slog.String(kv[0], kv[1]))
		}
	}
	attrs = append(attrs, slog.Duration("latency", latency))
	s.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
}
