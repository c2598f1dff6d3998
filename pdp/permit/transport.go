package permit

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/pdphttp"
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

// do sends one request and reads the answer. The error, when not nil, is a
// *pdp.TargetError; the exchange is always returned so that a Decision can
// keep the status and body of a failed request.
func (c *Client) do(ctx context.Context, method, path string, body []byte) (*exchange, error) {
	start := time.Now()
	rep, terr := c.peer.Send(ctx, c.hc, pdphttp.Request{Method: method, URL: c.base + path, Body: body,
		Token: c.token, UserAgent: "pdpx/" + Version, Limit: c.maxBody})
	ex := &exchange{method: method, path: path, status: rep.Status, header: rep.Header,
		raw: rep.Body, resp: c.redact(rep.Body), latency: time.Since(start)}
	if rep.TooBig {
		ex.resp = c.redactCut(ex.resp)
	}
	var e *pdp.TargetError
	switch {
	case terr != nil:
		e = terr
	case rep.TooBig:
		e = c.peer.TooLarge(ex.status, method+" "+path, c.maxBody)
	case ex.status != http.StatusOK:
		return ex, c.statusError(ex)
	default:
		return ex, nil
	}
	e.Msg = c.redactString(e.Msg)
	return ex, e
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
