// Package permit is pdpx's HTTP client for Permit's Policy Decision Point:
// the PDP container (permitio/pdp-v2), the cloud PDP, and pdpx serve, which
// speaks the same API.
//
// A Client is a pdp.Target. It keeps the three outcomes apart: a deny is only
// ever HTTP 200 with "allow": false; anything else is an Outcome Error whose
// Err is a *pdp.TargetError: its kind is decided here, where the status, the
// transport error and the body are known, and its message names the PDP's
// URL and what to do, never the API key.
package permit

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/pdphttp"
)

// The PDPs pdpx knows by heart (the domain's names, for callers of this package).
const (
	// CloudURL is Permit's cloud PDP (RBAC and ReBAC only).
	CloudURL = pdp.CloudPDPURL
	// LocalURL is where the PDP container listens when run with
	// docker run -p 7766:7000 permitio/pdp-v2.
	LocalURL = pdp.LocalPDPURL
)

// Version is sent in the User-Agent ("pdpx/<Version>"). main sets it from
// the build; it is a variable so that no import of main is needed.
var Version = "dev"

// Defaults for the options.
const (
	DefaultTimeout = 5 * time.Second
	DefaultMaxBody = 8 << 20
)

// Client talks to one PDP. It is safe for concurrent use.
type Client struct {
	base    string // validated base URL, no trailing slash, no credentials
	token   string
	cloud   bool
	timeout time.Duration
	maxBody int64
	hc      *http.Client
	info    pdp.TargetInfo
	peer    pdphttp.Peer
}

// Option configures a Client.
type Option func(*Client)

// WithTimeout bounds each request (connect, send, answer, read) to d.
// The default is 5 s, as in Permit's Go SDK. d <= 0 keeps the default.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithHTTPClient sends requests with hc (for a proxy, custom TLS roots or a
// test transport). The client is copied and its redirect policy replaced:
// a PDP never redirects, so a redirect is reported instead of followed
// (following it would turn a POST into a GET and could carry the API key
// to another host).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithMaxBody caps the size of a response pdpx reads (default 8 MiB).
// A larger answer is an Error, so a broken or hostile server cannot make
// pdpx hold an unbounded body in memory and history. n <= 0 keeps the default.
func WithMaxBody(n int64) Option {
	return func(c *Client) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithCloud marks the target as Permit's cloud PDP (no ABAC) even when its
// host is not cloudpdp.api*.permit.io, for example behind a proxy.
func WithCloud() Option {
	return func(c *Client) { c.cloud = true }
}

// New returns a client for the PDP at baseURL ("http://localhost:7766",
// CloudURL, or a URL with a path prefix behind a gateway). token is the
// environment's API key, sent as "Authorization: Bearer <token>"; it may be
// empty for a PDP that does not check keys.
//
// The URL must be http or https with a host. It may not carry credentials,
// a query or a fragment: the API key travels only in the header, so that
// it never shows up in a URL that pdpx prints or stores.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := parseBase(baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:    strings.TrimRight(u.String(), "/"),
		token:   token,
		cloud:   IsCloudHost(u.Hostname()),
		timeout: DefaultTimeout,
		maxBody: DefaultMaxBody,
		hc:      &http.Client{},
	}
	for _, o := range opts {
		o(c)
	}
	hc := *c.hc // a copy: the caller's client keeps its own redirect policy
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.hc = &hc
	c.info = c.describe(u)
	c.peer = pdphttp.Peer{
		Name: "the PDP", What: "a Permit PDP", Base: c.base,
		Start:       "start the PDP (docker run -p 7766:7000 permitio/pdp-v2) or check the PDP's URL",
		Key:         "API key",
		KeyMissing:  "pass --token or set PERMIT_API_KEY to the environment's API key",
		KeyRejected: "check --token or PERMIT_API_KEY is the environment's API key",
		Cloud:       c.cloud, Timeout: c.timeout, Clean: c.clean,
	}
	return c, nil
}

func parseBase(raw string) (*url.URL, error) {
	return pdphttp.ParseBase(raw, pdphttp.URLForm{
		Name:    "the PDP URL",
		Example: "type a base URL such as " + LocalURL + " or " + CloudURL,
		KeyHint: "pass the API key with --token or PERMIT_API_KEY",
	})
}

// IsCloudHost reports whether host is Permit's cloud PDP:
// cloudpdp.api.permit.io or a regional cloudpdp.api.<region>.permit.io.
func IsCloudHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	return h == "cloudpdp.api.permit.io" ||
		strings.HasPrefix(h, "cloudpdp.api.") && strings.HasSuffix(h, ".permit.io")
}

func (c *Client) describe(u *url.URL) pdp.TargetInfo {
	info := pdp.TargetInfo{
		Kind: pdp.KindPDP,
		Name: "pdp: " + u.Host + u.Path,
		URL:  c.base,
		ABAC: true,
		// A PDP returns the debug object only with PDP_DEBUG on, which no
		// request can find out before it is answered. Claiming it lets the
		// UI make room for reasons; a decision without them has Debug nil.
		Debug: true,
	}
	if c.cloud {
		info.Kind = pdp.KindCloud
		info.ABAC = false
		info.Name = "cloud PDP"
		if c.base != CloudURL {
			info.Name = "cloud PDP: " + u.Host + u.Path
		}
	}
	return info
}

// Describe names the target; its URL never holds the API key.
func (c *Client) Describe() pdp.TargetInfo { return c.info }

// URL is the PDP's base URL as requests use it (no trailing slash).
func (c *Client) URL() string { return c.base }

// Cloud reports whether the client talks to Permit's cloud PDP.
func (c *Client) Cloud() bool { return c.cloud }

// Timeout is the per-request time limit.
func (c *Client) Timeout() time.Duration { return c.timeout }

// The client is every kind of target pdpx's UI asks about.
var (
	_ pdp.Target                = (*Client)(nil)
	_ pdp.AllTenantsChecker     = (*Client)(nil)
	_ pdp.AuthorizedUsersLister = (*Client)(nil)
)
