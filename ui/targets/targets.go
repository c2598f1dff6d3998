// Package targets turns what a person asked for (flags, a profile, the
// explorer's switcher) into a pdp.Target: the embedded engine over a policy
// file or the demo policy, a Permit PDP, or the cloud PDP.
package targets

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/azclient"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/paired"
	"github.com/pdpx/pdpx/pdp/permit"
	"github.com/pdpx/pdpx/pdp/policy"
)

// TokenEnv is the environment variable Permit's SDKs and docs use for the API key.
const TokenEnv = "PERMIT_API_KEY"

// AuthZENTokenEnv holds the key for an AuthZEN PDP, as in the AuthZEN
// interop's own test harness. An AuthZEN PDP may be another vendor's: it
// is never sent $PERMIT_API_KEY unasked.
const AuthZENTokenEnv = "AUTHZEN_PDP_API_KEY"

// TokenEnvFor is the environment variable a target of kind k takes its
// key from when none is given.
func TokenEnvFor(k pdp.Kind) string {
	if k == pdp.KindAuthZEN {
		return AuthZENTokenEnv
	}
	return TokenEnv
}

// DefaultTimeout is how long a remote check may take, as in Permit's Go SDK.
const DefaultTimeout = 5 * time.Second

// ErrNoToken is returned for a remote target without an API key, so that the
// explorer can ask for one in a masked field instead of failing. A PDP on
// this machine (IsLocalURL) may go without one.
var ErrNoToken = errors.New("no API key: pass --token or set " + TokenEnv + " to the environment's API key (Permit dashboard → Settings → API Keys)")

// FromFlags resolves the global target flags into a spec. --policy, --pdp,
// --cloud and --authzen exclude each other; the token falls back to
// $PERMIT_API_KEY ($AUTHZEN_PDP_API_KEY for --authzen).
func FromFlags(policyPath, pdpURL, authzenURL string, cloud bool, token string, timeout time.Duration, snapshot string) (pdp.TargetSpec, error) {
	n := 0
	for _, set := range []bool{policyPath != "", pdpURL != "", cloud, authzenURL != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return pdp.TargetSpec{}, errors.New("choose one target: --policy FILE, --pdp URL, --cloud or --authzen URL")
	}
	if snapshot != "" && pdpURL == "" && !cloud {
		return pdp.TargetSpec{}, errors.New("--snapshot pairs a remote PDP with a pulled policy file: add --pdp URL or --cloud (with --policy the engine decides alone)")
	}
	if token == "" {
		kind := pdp.KindPDP
		if authzenURL != "" {
			kind = pdp.KindAuthZEN
		}
		token = os.Getenv(TokenEnvFor(kind))
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	s := pdp.TargetSpec{Kind: pdp.KindEmbedded, Policy: policyPath, Token: token, Timeout: timeout, Snapshot: snapshot}
	switch {
	case pdpURL != "":
		s.Kind, s.URL = pdp.KindPDP, pdpURL
	case cloud:
		s.Kind = pdp.KindCloud
	case authzenURL != "":
		s.Kind, s.URL = pdp.KindAuthZEN, authzenURL
	}
	return s.WithDefaults(), nil
}

// Build makes the target s names: it is where the HTTP client is made.
// A broken policy file is a policy.Problems error listing every problem
// with its line; a Permit PDP without a token is ErrNoToken.
func Build(s pdp.TargetSpec) (pdp.Target, error) {
	return BuildContext(context.Background(), s)
}

// BuildContext is Build that stops loading a policy file (or a snapshot)
// when ctx is done (Ctrl-C), with an error wrapping ctx's.
func BuildContext(ctx context.Context, s pdp.TargetSpec) (pdp.Target, error) {
	s = s.WithDefaults()
	switch s.Kind {
	case pdp.KindEmbedded:
		return EmbeddedContext(ctx, s.Policy)
	case pdp.KindPDP, pdp.KindCloud:
		// A PDP on this machine may check no key (pdpx serve without
		// --token): it is sent none, and a 401 then says to give one.
		if strings.TrimSpace(s.Token) == "" && (s.Kind == pdp.KindCloud || !IsLocalURL(s.URL)) {
			return nil, ErrNoToken
		}
		timeout := s.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		opts := []permit.Option{permit.WithTimeout(timeout)}
		if s.Kind == pdp.KindCloud {
			opts = append(opts, permit.WithCloud())
		}
		remote, err := permit.New(s.URL, s.Token, opts...)
		if err != nil || s.Snapshot == "" {
			return remote, err
		}
		snap, err := LoadSnapshotContext(ctx, s.Snapshot)
		if err != nil {
			return nil, err
		}
		return paired.New(remote, snap), nil
	case pdp.KindAuthZEN:
		// The key is optional: many AuthZEN PDPs take none.
		return azclient.New(s.URL, s.Token, azclient.WithTimeout(s.Timeout))
	default:
		return nil, fmt.Errorf("unknown target kind %q: use embedded, pdp, cloud or authzen", s.Kind)
	}
}

// IsLocalURL says whether a PDP URL names this machine: localhost (or a
// name under it), a loopback IPv4 address (127.0.0.0/8) or ::1.
func IsLocalURL(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return false
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Embedded builds the embedded engine over a policy file, or over the
// built-in demo policy when path is "".
func Embedded(path string) (*engine.Target, error) {
	return EmbeddedContext(context.Background(), path)
}

// EmbeddedContext is Embedded that stops loading when ctx is done.
func EmbeddedContext(ctx context.Context, path string) (*engine.Target, error) {
	if path == "" {
		return engine.NewTarget(engine.New(policy.Demo()), policy.DemoName, ""), nil
	}
	p, err := policy.LoadContext(ctx, path)
	if err != nil {
		return nil, err
	}
	return engine.NewTarget(engine.New(p), filepath.Base(path), path), nil
}

// LoadSnapshot loads a pulled policy file as a snapshot: its engine, and
// the environment and time its source header names.
func LoadSnapshot(path string) (paired.Snapshot, error) {
	return LoadSnapshotContext(context.Background(), path)
}

// LoadSnapshotContext is LoadSnapshot that stops loading when ctx is done.
func LoadSnapshotContext(ctx context.Context, path string) (paired.Snapshot, error) {
	p, err := policy.LoadContext(ctx, path)
	if err != nil {
		return paired.Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	snap := paired.Snapshot{Engine: engine.New(p), Name: filepath.Base(path)}
	snap.Environment, snap.PulledAt = SourceLabel(p.Source)
	return snap, nil
}

func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ReadSource reads the source header of a pulled policy file (what
// environment it came from and when) without loading the policy: pdpx pull
// writes the header first, so only the start of a large file is read. A
// file without a header, or not in JSON, has none: nil and no error.
func ReadSource(path string) (*policy.Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReader(f))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil // YAML, or not a policy: no header to show
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil
		}
		if k, _ := t.(string); k == "source" {
			var src policy.Source
			if err := dec.Decode(&src); err != nil {
				return nil, fmt.Errorf("%s: the source header: %w", filepath.Base(path), err)
			}
			return &src, nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, nil
		}
	}
	return nil, nil
}

// SourceLabel is what a pulled file's header says of it: the environment
// ("web · production") and when it was pulled (zero when it does not say).
func SourceLabel(src *policy.Source) (env string, pulledAt time.Time) {
	if src == nil {
		return "", time.Time{}
	}
	var parts []string
	for _, r := range []policy.SourceRef{src.Project, src.Environment} {
		if k := pdp.Clean(orElse(r.Key, r.Name)); k != "" {
			parts = append(parts, k)
		}
	}
	pulledAt, _ = time.Parse(time.RFC3339, src.PulledAt)
	return strings.Join(parts, " · "), pulledAt
}
