// Package permitapi reads a Permit environment through Permit's REST API
// (https://api.permit.io, v2): the key's scope, the project and environment,
// and every list an environment has, paged to the end. It knows paging,
// retries and the API's read models, and nothing of pdpx policies: package
// pull maps what it reads into a policy.
//
// Every request runs under its own timeout. A 429 waits for its Retry-After
// (or backs off when there is none) and a 5xx or a transport error backs off
// exponentially, both a bounded number of times. 401, 403 and 404 end with a
// message naming where the key came from (never the key), the project and
// environment, and what to do.
package permitapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// DefaultURL is Permit's API in its default region.
const DefaultURL = "https://api.permit.io"

// MaxPerPage is the largest page the API accepts: it answers a larger
// per_page with PAGINATION_SIZE_OVERREACHED.
const MaxPerPage = 100

// Defaults for Config's zero values.
const (
	DefaultConcurrency = 4
	DefaultTimeout     = 30 * time.Second
	DefaultRetries     = 5
	DefaultBackoff     = 500 * time.Millisecond
	DefaultMaxWait     = 30 * time.Second
)

// Config sets up a Client. Zero values take the defaults above.
type Config struct {
	// URL is the API's base URL (DefaultURL when empty).
	URL string
	// Key is the API key, sent as a bearer token and never shown.
	Key string
	// KeySource names where the key came from ("$PERMIT_API_KEY", "--api-key",
	// `profile "prod"`), for error messages: the key itself is never printed.
	KeySource string
	// PerPage is the page size asked for, at most MaxPerPage.
	PerPage int
	// Concurrency bounds the requests in flight at once.
	Concurrency int
	// Timeout bounds each request (the retries of a request each get their own).
	Timeout time.Duration
	// Retries bounds the retries of one request after a 429, a 5xx or a
	// transport error.
	Retries int
	// Backoff is the first wait before retrying a 5xx or transport error (or a
	// 429 without Retry-After); it doubles with each retry, with jitter.
	Backoff time.Duration
	// MaxWait caps any one wait, Retry-After included.
	MaxWait time.Duration
	// HTTP is the client to send with (a plain one when nil).
	HTTP *http.Client
	// UserAgent is sent as User-Agent.
	UserAgent string
}

// Client talks to one Permit API with one key. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base *url.URL
	sem  chan struct{}
	// requests counts HTTP requests sent (retries included); retries counts
	// the retries alone.
	requests, retries atomic.Int64
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the API URL %q is not an http(s) URL: give one like %s", cfg.URL, DefaultURL)
	}
	if cfg.Key == "" {
		return nil, errors.New("no API key: set PERMIT_API_KEY (or pass --api-key) to an API key from Permit's dashboard (Settings → API Keys)")
	}
	if cfg.KeySource == "" {
		cfg.KeySource = "the API key"
	}
	switch {
	case cfg.PerPage <= 0:
		cfg.PerPage = MaxPerPage
	case cfg.PerPage > MaxPerPage:
		return nil, fmt.Errorf("a page holds at most %d items (Permit's limit), not %d", MaxPerPage, cfg.PerPage)
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	} else if cfg.Retries == 0 {
		cfg.Retries = DefaultRetries
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	if cfg.HTTP == nil {
		// The default transport keeps two idle connections a host: with
		// more requests in flight than that, every page after the first
		// few would open a connection of its own.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = cfg.Concurrency
		cfg.HTTP = &http.Client{Transport: t}
	}
	return &Client{cfg: cfg, base: u, sem: make(chan struct{}, cfg.Concurrency)}, nil
}

// URL is the API's base URL.
func (c *Client) URL() string { return c.base.String() }

// PerPage is the page size the client asks for.
func (c *Client) PerPage() int { return c.cfg.PerPage }

// Requests is the number of HTTP requests sent so far, retries included.
func (c *Client) Requests() int64 { return c.requests.Load() }

// Retries is the number of requests sent again after a 429, 5xx or
// transport error.
func (c *Client) Retries() int64 { return c.retries.Load() }

// Error is a failed request, with a message a person can act on.
type Error struct {
	// Status is the HTTP status, 0 for transport errors and timeouts.
	Status int
	// Path is the route asked for (without the base URL or query).
	Path string
	// Code is the API's error_code when its body had one.
	Code string
	Msg  string
	err  error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.err }

// get fetches path (with query) into out, retrying as the package comment
// says. out is a pointer to decode the JSON body into, or a bodyFunc that
// reads the body itself (and may not keep it: the buffer is reused). scope
// describes the project and environment for error messages.
func (c *Client) get(ctx context.Context, path string, query url.Values, scope string, out any) error {
	body, status, err := c.fetch(ctx, path, query, scope)
	if err != nil {
		return err
	}
	defer putBody(body)
	if f, ok := out.(bodyFunc); ok {
		return f(*body)
	}
	if err := json.Unmarshal(*body, out); err != nil {
		return &Error{Status: status, Path: path, err: err, Msg: fmt.Sprintf("%s: the answer is not the JSON Permit's API sends (%v): is %s Permit's API?", c.where(path), err, c.base)}
	}
	return nil
}

// bodyFunc reads a successful answer's body, which it may not keep.
type bodyFunc func(body []byte) error

// fetch sends the request until it succeeds or there is no point retrying,
// one of the client's requests in flight; the body it returns is the
// caller's to put back with putBody. The bound on requests in flight is
// let go before the body is decoded, so that decoding overlaps the next
// requests.
func (c *Client) fetch(ctx context.Context, path string, query url.Values, scope string) (*[]byte, int, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, 0, c.ctxError(ctx, path)
	}
	defer func() { <-c.sem }()

	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = query.Encode()
	for attempt := 0; ; attempt++ {
		status, body, hdr, err := c.once(ctx, u.String())
		if ctx.Err() != nil {
			putBody(body)
			return nil, 0, c.ctxError(ctx, path)
		}
		var wait time.Duration
		switch {
		case err != nil:
			if attempt >= c.cfg.Retries {
				return nil, 0, &Error{Path: path, err: err, Msg: fmt.Sprintf("%s: %s (gave up after %d tries)", c.where(path), describeTransport(err, c.cfg.Timeout), attempt+1)}
			}
			wait = c.backoff(attempt)
		case status == http.StatusTooManyRequests:
			if attempt >= c.cfg.Retries {
				putBody(body)
				return nil, 0, &Error{Status: status, Path: path, Msg: fmt.Sprintf("%s: Permit kept answering 429 Too Many Requests after %d tries: wait a minute and pull again, or lower --concurrency", c.where(path), attempt+1)}
			}
			wait = retryAfter(hdr.Get("Retry-After"), time.Now())
			if wait <= 0 {
				wait = c.backoff(attempt)
			}
		case status >= 500:
			if attempt >= c.cfg.Retries {
				defer putBody(body)
				return nil, 0, &Error{Status: status, Path: path, Msg: fmt.Sprintf("%s: Permit answered %d %s after %d tries%s: try again later", c.where(path), status, http.StatusText(status), attempt+1, c.detail(*body))}
			}
			wait = c.backoff(attempt)
		case status >= 400:
			defer putBody(body)
			return nil, 0, c.statusError(status, path, scope, *body)
		default:
			return body, status, nil
		}
		putBody(body)
		c.retries.Add(1)
		t := time.NewTimer(min(wait, c.cfg.MaxWait))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, 0, c.ctxError(ctx, path)
		}
	}
}

// bodies are reused: a pull reads thousands of pages of about the same
// size, and a fresh buffer for each was a large part of its garbage.
var bodies = sync.Pool{New: func() any {
	b := make([]byte, 0, 64<<10)
	return &b
}}

// maxPooledBody is the largest buffer kept for reuse: an odd huge answer
// is not held on to.
const maxPooledBody = 4 << 20

func putBody(b *[]byte) {
	if b != nil && cap(*b) <= maxPooledBody {
		*b = (*b)[:0]
		bodies.Put(b)
	}
}

// once sends one GET under the per-request timeout and reads the whole body
// into a pooled buffer (nil when there is none to put back).
func (c *Client) once(ctx context.Context, u string) (int, *[]byte, http.Header, error) {
	rctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Key)
	req.Header.Set("Accept", "application/json")
	if c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	c.requests.Add(1)
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body := bodies.Get().(*[]byte)
	if err := readBody(body, resp.Body, resp.ContentLength); err != nil {
		putBody(body)
		return 0, nil, nil, err
	}
	return resp.StatusCode, body, resp.Header, nil
}

// readBody reads r to its end into *b, which it grows as needed: to n at
// once when the length is known.
func readBody(b *[]byte, r io.Reader, n int64) error {
	buf := (*b)[:0]
	if n > 0 && n < 1<<30 && int(n) > cap(buf) {
		buf = make([]byte, 0, n)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			*b = buf
			return nil
		}
		if err != nil {
			*b = buf
			return err
		}
	}
}

// backoff is Backoff·2ⁿ with up to 50% jitter, capped by MaxWait.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.Backoff << min(attempt, 16)
	d += time.Duration(rand.Int64N(int64(d)/2 + 1))
	return min(d, c.cfg.MaxWait)
}

func (c *Client) where(path string) string {
	return "GET " + c.base.String() + path
}

func (c *Client) ctxError(ctx context.Context, path string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Path: path, err: ctx.Err(), Msg: fmt.Sprintf("%s: the pull ran out of time", c.where(path))}
	}
	return &Error{Path: path, err: ctx.Err(), Msg: fmt.Sprintf("%s: the pull was interrupted", c.where(path))}
}

// describeTransport says what went wrong below HTTP.
func describeTransport(err error, timeout time.Duration) string {
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return fmt.Sprintf("no answer within %s (raise --timeout if the API is slow, or check the network)", timeout)
	}
	return "could not reach the API: " + pdp.Clean(err.Error())
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// statusError explains a 4xx: who to blame and what to do.
func (c *Client) statusError(status int, path, scope string, body []byte) error {
	e := &Error{Status: status, Path: path, Code: errorCode(body)}
	detail := c.detail(body)
	switch status {
	case http.StatusUnauthorized:
		e.Msg = fmt.Sprintf("%s: Permit refused %s (401 Unauthorized)%s: check that it is a current API key (Permit dashboard → Settings → API Keys) and not a PDP or user token", c.where(path), c.cfg.KeySource, detail)
	case http.StatusForbidden:
		e.Msg = fmt.Sprintf("%s: %s may not read %s (403 Forbidden)%s: use a key of that environment, or an organization or project key with --project and --env", c.where(path), c.cfg.KeySource, scope, detail)
	case http.StatusNotFound:
		e.Msg = fmt.Sprintf("%s: Permit has no %s (404 Not Found)%s: check --project and --env (keys or ids), or the --api-url region", c.where(path), scope, detail)
	default:
		e.Msg = fmt.Sprintf("%s: Permit answered %d %s%s", c.where(path), status, http.StatusText(status), detail)
	}
	return e
}

// errorCode is error_code of an ErrorDetails body, "" when there is none.
func errorCode(body []byte) string {
	var d struct {
		Code string `json:"error_code"`
	}
	if json.Unmarshal(body, &d) != nil {
		return ""
	}
	return pdp.Clean(d.Code)
}

// detail is the API's own message, cleaned and clipped, as " (message)".
func (c *Client) detail(body []byte) string {
	var d struct {
		Title   string          `json:"title"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	msg := ""
	if json.Unmarshal(body, &d) == nil {
		switch {
		case d.Message != "":
			msg = d.Message
		case d.Title != "":
			msg = d.Title
		case len(d.Detail) > 0:
			var s string
			if json.Unmarshal(d.Detail, &s) == nil {
				msg = s
			} else {
				msg = string(d.Detail)
			}
		}
	} else if len(body) > 0 && !strings.HasPrefix(strings.TrimSpace(string(body)), "<") {
		msg = string(body)
	}
	if msg == "" {
		return ""
	}
	// The key never goes back out, even if a server echoes it.
	msg = strings.ReplaceAll(msg, c.cfg.Key, "[API key]")
	msg = strings.Join(strings.Fields(pdp.Clean(msg)), " ")
	if r := []rune(msg); len(r) > 200 {
		msg = string(r[:200]) + "…"
	}
	return " (" + msg + ")"
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now).Round(time.Second); d > 0 {
			return min(d, 24*time.Hour)
		}
	}
	return 0
}
