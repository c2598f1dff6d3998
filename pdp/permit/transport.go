package permit

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
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
		e := c.peer.TooLarge(ex.status, method+" "+path, c.maxBody)
		e.Msg = c.redactString(e.Msg)
		return ex, e
	}
	if ex.status != http.StatusOK {
		return ex, c.statusError(ex)
	}
	return ex, nil
}

// transportError maps a failure to get an answer to a pdp.TargetError. parent is the
// caller's context and rctx the per-request one derived from it.
func (c *Client) transportError(parent, rctx context.Context, err error, elapsed time.Duration) *pdp.TargetError {
	e := c.peer.TransportError(parent, rctx, errOwnTimeout, err, elapsed)
	e.Msg = c.redactString(e.Msg)
	return e
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
