package permit

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// exchange is one request and what came back, whatever came back.
type exchange struct {
	method, path string
	status       int
	header       http.Header
	// raw is the body as received (capped at maxBody), read only to decode
	// the answer: redacting first could break the JSON when the key is a
	// word that also occurs in it ("true"). Nothing keeps or shows raw.
	raw []byte
	// resp is raw with the API key redacted: what a Decision keeps.
	resp    []byte
	latency time.Duration
}

// errOwnTimeout is the cause of the per-request context's deadline, so that
// our time limit can be told apart from the caller's deadline or cancel.
var errOwnTimeout = errors.New("permit: request time limit")

// do sends one request and reads the answer. The error, when not nil, is a
// *pdp.TargetError; the exchange is always returned so that a Decision can
// keep the status and body of a failed request.
func (c *Client) do(ctx context.Context, method, path string, body []byte) (*exchange, error) {
	ex := &exchange{method: method, path: path, header: http.Header{}}
	start := time.Now()
	defer func() { ex.latency = time.Since(start) }()

	rctx, cancel := context.WithTimeoutCause(ctx, c.timeout, errOwnTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(rctx, method, c.base+path, rd)
	if err != nil {
		// The base URL was validated in New, so this is a bug, not the user's doing.
		return ex, &pdp.TargetError{Kind: pdp.ErrorNetwork, URL: c.base, Msg: "cannot build a request to " + c.base + path, Cause: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "pdpx/"+Version)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		return ex, c.transportError(ctx, rctx, err, time.Since(start))
	}
	defer resp.Body.Close()
	ex.status = resp.StatusCode
	ex.header = resp.Header

	// One byte past the cap tells "exactly the cap" from "more".
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	tooBig := int64(len(data)) > c.maxBody
	if tooBig {
		data = data[:c.maxBody]
	}
	ex.raw = data
	ex.resp = c.redact(data)
	if tooBig {
		ex.resp = c.redactCut(ex.resp)
	}
	if err != nil {
		return ex, c.transportError(ctx, rctx, err, time.Since(start))
	}
	if tooBig {
		return ex, &pdp.TargetError{Kind: pdp.ErrorBadResponse, Status: ex.status, URL: c.base,
			Msg: fmt.Sprintf("the PDP's response was larger than %s (from %s %s at %s): is it a Permit PDP?", size(c.maxBody), method, path, c.base)}
	}
	if ex.status != http.StatusOK {
		return ex, c.statusError(ex)
	}
	return ex, nil
}

// transportError maps a failure to get an answer to a pdp.TargetError. parent is the
// caller's context and rctx the per-request one derived from it.
func (c *Client) transportError(parent, rctx context.Context, err error, elapsed time.Duration) *pdp.TargetError {
	e := &pdp.TargetError{URL: c.base, Cause: err}
	at := "the PDP at " + c.base
	var (
		dnsErr   *net.DNSError
		netErr   net.Error
		recErr   tls.RecordHeaderError
		verErr   *tls.CertificateVerificationError
		unkAuth  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		certErr  x509.CertificateInvalidError
		alertErr tls.AlertError
	)
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		e.Kind, e.Msg = pdp.ErrorCanceled, "cancelled"
	case errors.Is(context.Cause(rctx), errOwnTimeout):
		e.Kind = pdp.ErrorTimeout
		e.Msg = fmt.Sprintf("%s did not answer within %s: check it is running, or raise --timeout", at, c.timeout)
	case errors.Is(parent.Err(), context.DeadlineExceeded):
		// The caller's deadline came first; say how long we waited.
		e.Kind = pdp.ErrorTimeout
		e.Msg = fmt.Sprintf("%s did not answer within %s: check it is running, or raise --timeout", at, elapsed.Round(time.Millisecond))
	case errors.As(err, &dnsErr):
		e.Kind = pdp.ErrorNetwork
		host := c.clean(dnsErr.Name)
		if host == "" {
			host = c.info.URL
		}
		switch {
		case dnsErr.IsNotFound && c.cloud:
			e.Msg = fmt.Sprintf("cannot find the host %s of %s (DNS): check your network", host, c.base)
		case dnsErr.IsNotFound:
			e.Msg = fmt.Sprintf("cannot find the host %s of %s (DNS): check the spelling of the PDP's URL, or your network", host, c.base)
		default:
			e.Msg = fmt.Sprintf("cannot look up the host %s of %s (DNS: %s): check your network or DNS settings", host, c.base, c.clean(dnsErr.Err))
		}
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Kind = pdp.ErrorRefused
		e.Msg = fmt.Sprintf("nothing is listening at %s: start the PDP (docker run -p 7766:7000 permitio/pdp-v2) or pass --pdp", c.base)
	case errors.As(err, &recErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// net/http turns the TLS record error into text of its own.
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("%s does not speak TLS: use %s", at, strings.Replace(c.base, "https://", "http://", 1))
	case errors.As(err, &verErr), errors.As(err, &unkAuth), errors.As(err, &hostErr), errors.As(err, &certErr):
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("the TLS certificate of %s is not trusted (%s): check the URL, or the system's certificate authorities", c.base, c.clean(innermost(err).Error()))
	case errors.As(err, &alertErr):
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("the TLS handshake with %s failed (%s): check the URL's scheme and port", c.base, c.clean(alertErr.Error()))
	case errors.As(err, &netErr) && netErr.Timeout():
		// An http.Client Timeout or a dial timeout from a caller's transport.
		e.Kind = pdp.ErrorTimeout
		e.Msg = fmt.Sprintf("%s did not answer within %s: check it is running, or raise --timeout", at, elapsed.Round(time.Millisecond))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("%s closed the connection without a complete answer: check the PDP's logs, and that %s is a PDP", at, c.base)
	default:
		e.Kind = pdp.ErrorNetwork
		e.Msg = fmt.Sprintf("cannot reach the PDP at %s (%s): check the network and --pdp", c.base, clip(c.clean(innermost(err).Error()), maxDetail))
	}
	e.Msg = c.redactString(e.Msg)
	return e
}

// innermost strips the wrappers (url.Error repeats method and URL, net.OpError
// the addresses) to keep the part of a transport error a person needs.
func innermost(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// detail extracts the PDP's own explanation from an error body: FastAPI's
// "detail" (a string or a list of validation errors), the Rust front's and
// the cloud's "message"/"error", an HTML page's title, or plain text.
// It is cleaned, redacted and clipped to maxDetail.
func (c *Client) detail(body []byte) string {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return ""
	}
	var out string
	var obj map[string]json.RawMessage
	switch {
	case json.Unmarshal(b, &obj) == nil && obj != nil:
		out = compact(b)
		for _, k := range []string{"detail", "message", "error_description", "error", "title"} {
			if v, ok := obj[k]; ok && !isNull(v) {
				out = describeDetail(v)
				break
			}
		}
	case json.Valid(b):
		out = compact(b)
	case looksHTML(b):
		out = "an HTML page"
		if t := htmlTitle(b); t != "" {
			out += " titled " + fmt.Sprintf("%q", c.clean(t))
		}
	default:
		out = string(b)
	}
	return clip(c.clean(out), maxDetail)
}

// describeDetail renders one detail value: a string as is, FastAPI's list of
// {loc, msg} as "body.user: field required; ...", anything else as JSON.
func describeDetail(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var items []struct {
		Loc []any  `json:"loc"`
		Msg string `json:"msg"`
	}
	if json.Unmarshal(v, &items) == nil && len(items) > 0 && items[0].Msg != "" {
		parts := make([]string, 0, len(items))
		for _, it := range items {
			loc := make([]string, 0, len(it.Loc))
			for _, l := range it.Loc {
				loc = append(loc, fmt.Sprint(l))
			}
			if len(loc) > 0 {
				parts = append(parts, strings.Join(loc, ".")+": "+it.Msg)
			} else {
				parts = append(parts, it.Msg)
			}
		}
		return strings.Join(parts, "; ")
	}
	return compact(v)
}

func compact(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

func looksHTML(b []byte) bool {
	head := strings.ToLower(string(b[:min(len(b), 512)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") ||
		strings.HasPrefix(head, "<") && strings.Contains(head, "<body")
}

var titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

func htmlTitle(b []byte) string {
	m := titleRE.FindSubmatch(b[:min(len(b), 64<<10)])
	if m == nil {
		return ""
	}
	return clip(strings.TrimSpace(string(m[1])), 120)
}

// size writes a byte count as people say it: 8 MiB, 64 KiB, 100 bytes.
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

// redactAnywhere is the length from which the API key is redacted wherever
// it occurs. A shorter key (a test key such as "dev") is redacted wherever
// it stands as a word of its own, which is how an echo of it reads
// ("Bearer dev", "dev", "?key=dev"), but not inside a longer word: a short
// key is also a common string, and cutting it out of names ("device",
// "developer") would garble them without hiding the key.
const redactAnywhere = 8

const redacted = "[redacted]"

// redact removes the API key from a body the PDP sent, in case it echoed
// the Authorization header: a body lands in history, exports and the screen.
// The body then differs from the bytes received, which is the lesser evil.
func (c *Client) redact(b []byte) []byte {
	if c.token == "" || !bytes.Contains(b, []byte(c.token)) {
		return b
	}
	return []byte(redactKey(string(b), c.token))
}

func (c *Client) redactString(s string) string { return redactKey(s, c.token) }

// redactCut redacts the start of the key where a body cut at the size cap
// ends with it, so that no prefix of the key is kept either.
func (c *Client) redactCut(b []byte) []byte {
	for k := len(c.token) - 1; k > 0; k-- {
		if bytes.HasSuffix(b, []byte(c.token[:k])) {
			return append(b[:len(b)-k:len(b)-k], redacted...)
		}
	}
	return b
}

// redactKey replaces key in s with [redacted]: every occurrence when the
// key is redactAnywhere bytes or longer, else every occurrence that is not
// part of a longer word.
func redactKey(s, key string) string {
	if key == "" || !strings.Contains(s, key) {
		return s
	}
	if len(key) >= redactAnywhere {
		return strings.ReplaceAll(s, key, redacted)
	}
	var b strings.Builder
	for {
		i := strings.Index(s, key)
		if i < 0 {
			break
		}
		j := i + len(key)
		if i > 0 && wordByte(key[0]) && wordByte(s[i-1]) || j < len(s) && wordByte(key[len(key)-1]) && wordByte(s[j]) {
			// Inside a longer word: keep the first byte, look further.
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(redacted)
		s = s[j:]
	}
	b.WriteString(s)
	return b.String()
}

// wordByte reports whether c can be part of a word: an ASCII letter or
// digit, '_', or a byte of a multi-byte UTF-8 character (a letter, as a rule).
func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}
