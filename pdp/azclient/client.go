// Package azclient is pdpx's client for any Policy Decision Point that
// speaks the OpenID AuthZEN Authorization API 1.0 (Cerbos, Topaz,
// OpenFGA's AuthZEN endpoint, Permit's PDP, pdpx serve...). A Client is a
// pdp.Target: checks go out as access evaluations, Bulk as access
// evaluations batches, UserPermissions and AuthorizedUsers as action and
// subject searches, through pdp/authzen's mapping (the one pdpx serve
// reads them with).
//
// Where the APIs are comes from the PDP's metadata
// (/.well-known/authzen-configuration), read once and kept; a PDP without
// metadata is asked at the default paths. The metadata is used only when
// its policy_decision_point is the URL pdpx was given, as the spec says,
// and only its endpoints on that same origin: the API key goes nowhere else.
//
// The three outcomes stay apart: a deny is only ever HTTP 200 with
// "decision": false and no error in its context. Everything else (a
// refusal, a timeout, an answer that is not a decision, a batch item whose
// context reports an error) is an Error whose Err is a *pdp.TargetError
// with a kind the front ends act on, naming the PDP's URL, never the key.
package azclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/authzen"
	"github.com/pdpx/pdpx/pdp/pdphttp"
)

// Defaults for the options.
const (
	DefaultTimeout = 5 * time.Second
	DefaultMaxBody = 8 << 20
	// BatchSize is how many checks one evaluations request carries: a
	// request stays far below the body limits PDPs set (pdpx serve and
	// Permit's PDP take 2 MiB).
	BatchSize = 100
	// MaxPages bounds how many pages a search follows, so that a PDP that
	// hands out tokens forever cannot keep pdpx asking.
	MaxPages = 1000
)

// Version is sent in the User-Agent ("pdpx/<Version>").
var Version = "dev"

// Client talks to one AuthZEN PDP. It is safe for concurrent use.
type Client struct {
	base    string // validated base URL, no trailing slash
	origin  string // scheme://host of base
	token   string
	timeout time.Duration
	maxBody int64
	hc      *http.Client
	info    pdp.TargetInfo
	peer    pdphttp.Peer

	mu sync.Mutex
	ep *endpoints // nil until discovered
}

// endpoints are where the APIs are: full URLs, "" for an API the PDP does
// not offer.
type endpoints struct {
	evaluation, evaluations   string
	subject, resource, action string
	fromMetadata              bool
	// note says why metadata the PDP published was not used, or "".
	note string
}

// Option configures a Client.
type Option func(*Client)

// WithTimeout bounds each request to d (default 5 s); d <= 0 keeps the default.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithHTTPClient sends requests with hc. Its redirect policy is replaced:
// a redirect is reported, never followed (it would carry the key elsewhere).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithMaxBody caps the size of an answer pdpx reads (default 8 MiB).
func WithMaxBody(n int64) Option {
	return func(c *Client) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// New returns a client for the AuthZEN PDP at baseURL, its
// policy_decision_point (for pdpx serve, http://localhost:7766). token,
// when not empty, is sent as "Authorization: Bearer <token>".
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := parseBase(baseURL)
	if err != nil {
		return nil, err
	}
	// The AuthZEN interop's harness keeps the whole header value in its
	// key variable ("Bearer ..."); the scheme is added here.
	token = strings.TrimSpace(token)
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		token = strings.TrimSpace(token[7:])
	}
	c := &Client{
		base:    strings.TrimRight(u.String(), "/"),
		origin:  u.Scheme + "://" + u.Host,
		token:   token,
		timeout: DefaultTimeout,
		maxBody: DefaultMaxBody,
		hc:      &http.Client{},
	}
	for _, o := range opts {
		o(c)
	}
	hc := *c.hc
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.hc = &hc
	c.info = pdp.TargetInfo{
		Kind: pdp.KindAuthZEN,
		Name: "authzen: " + u.Host + u.Path,
		URL:  c.base,
		// An AuthZEN PDP evaluates whatever attributes it is sent; whether
		// its context explains a decision is up to it: when it is Permit's
		// debug object (pdpx serve, Permit's PDP) it is read as one.
		ABAC:  true,
		Debug: true,
	}
	c.peer = pdphttp.Peer{
		Name: "the AuthZEN PDP", What: "an AuthZEN PDP", Base: c.base,
		Start: "start the PDP (pdpx serve, for one) or check the PDP's URL",
		Key:   "key", KeyMissing: "pass it with --token", KeyRejected: "check --token", AuthDetail: true,
		Timeout: c.timeout, Clean: c.clean,
	}
	return c, nil
}

func parseBase(raw string) (*url.URL, error) {
	return pdphttp.ParseBase(raw, pdphttp.URLForm{
		Name:    "the AuthZEN PDP's URL",
		Example: "give the PDP's base URL, its policy_decision_point, such as http://localhost:7766",
		KeyHint: "pass the key with --token",
	})
}

// Describe names the target; its URL never holds the key.
func (c *Client) Describe() pdp.TargetInfo { return c.info }

// URL is the PDP's base URL (no trailing slash).
func (c *Client) URL() string { return c.base }

// metadataURL is where the PDP publishes its metadata: the well-known path
// inserted between the host and the base URL's path (RFC 8615).
func (c *Client) metadataURL() string {
	return c.origin + authzen.PathMetadata + strings.TrimPrefix(c.base, c.origin)
}

// Endpoints are the URLs a client uses, as discovered: "" for an API the
// PDP does not offer.
type Endpoints struct {
	Evaluation, Evaluations, SearchSubject, SearchResource, SearchAction string
	// FromMetadata is true when the PDP published metadata pdpx used.
	FromMetadata bool
	// Note says why published metadata was not used ("" when it was, or
	// when there was none).
	Note string
}

// Discover reads the PDP's metadata (once; later calls answer from
// memory) and returns where its APIs are. A PDP that publishes none (HTTP
// 404) is asked at the default paths. An error (the PDP cannot be reached,
// refuses the key, fails) is not remembered: the next call asks again.
func (c *Client) Discover(ctx context.Context) (Endpoints, error) {
	ep, err := c.endpoints(ctx)
	if err != nil {
		return Endpoints{}, err
	}
	return Endpoints{Evaluation: ep.evaluation, Evaluations: ep.evaluations, SearchSubject: ep.subject,
		SearchResource: ep.resource, SearchAction: ep.action, FromMetadata: ep.fromMetadata, Note: ep.note}, nil
}

func (c *Client) endpoints(ctx context.Context) (*endpoints, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ep != nil {
		return c.ep, nil
	}
	ep, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	c.ep = ep
	return ep, nil
}

// defaults are the endpoints of a PDP without metadata: every API at its
// default path, to be found missing when asked.
func (c *Client) defaults(note string) *endpoints {
	m := authzen.MetadataFor(c.base)
	return &endpoints{evaluation: m.AccessEvaluationEndpoint, evaluations: m.AccessEvaluationsEndpoint,
		subject: m.SearchSubjectEndpoint, resource: m.SearchResourceEndpoint, action: m.SearchActionEndpoint, note: note}
}

func (c *Client) discover(ctx context.Context) (*endpoints, error) {
	ex, err := c.do(ctx, http.MethodGet, c.metadataURL(), nil)
	if err != nil {
		if ex.status == http.StatusNotFound || ex.status == http.StatusMethodNotAllowed || ex.status == http.StatusGone {
			return c.defaults(""), nil
		}
		return nil, err
	}
	var m authzen.Metadata
	if p := jsonProblem(ex.resp); p != "" {
		return c.defaults("its metadata document answered " + p), nil
	}
	if err := jsonUnmarshal(ex.resp, &m); err != nil {
		return c.defaults("its metadata document is not an object of URLs"), nil
	}
	// The spec: metadata whose identifier is not the one it was fetched
	// for MUST NOT be used.
	if id := strings.TrimRight(m.PolicyDecisionPoint, "/"); !strings.EqualFold(id, c.base) {
		return c.defaults(fmt.Sprintf("its metadata names another PDP (%s), so it was not used", pdp.Clip(c.clean(m.PolicyDecisionPoint), 120))), nil
	}
	ep := &endpoints{fromMetadata: true}
	var notes []string
	for _, f := range []struct {
		name, url, path string
		dst             *string
	}{
		{"access_evaluation_endpoint", m.AccessEvaluationEndpoint, authzen.PathEvaluation, &ep.evaluation},
		{"access_evaluations_endpoint", m.AccessEvaluationsEndpoint, "", &ep.evaluations},
		{"search_subject_endpoint", m.SearchSubjectEndpoint, "", &ep.subject},
		{"search_resource_endpoint", m.SearchResourceEndpoint, "", &ep.resource},
		{"search_action_endpoint", m.SearchActionEndpoint, "", &ep.action},
	} {
		switch {
		case f.url == "" && f.path != "":
			// access_evaluation_endpoint is required; without it the
			// default path is the one to try.
			*f.dst = c.base + f.path
		case f.url == "":
		case c.sameOrigin(f.url):
			*f.dst = f.url
		default:
			notes = append(notes, f.name+" is on another host and was not used")
			if f.path != "" {
				*f.dst = c.base + f.path
			}
		}
	}
	ep.note = strings.Join(notes, "; ")
	return ep, nil
}

// sameOrigin reports whether raw is an http(s) URL on the base URL's
// scheme and host, with no credentials, query or fragment.
func (c *Client) sameOrigin(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	return strings.EqualFold(u.Scheme+"://"+u.Host, c.origin)
}

// The client is every kind of target pdpx's front ends ask about.
var (
	_ pdp.Target                = (*Client)(nil)
	_ pdp.AuthorizedUsersLister = (*Client)(nil)
)
