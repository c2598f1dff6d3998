// Package targets turns what a person asked for (flags, a profile, the
// explorer's switcher) into a pdp.Target: the embedded engine over a policy
// file or the demo policy, a Permit PDP, or the cloud PDP.
package targets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/permit"
	"github.com/pdpx/pdpx/pdp/policy"
)

// TokenEnv is the environment variable Permit's SDKs and docs use for the API key.
const TokenEnv = "PERMIT_API_KEY"

// DefaultTimeout is how long a remote check may take, as in Permit's Go SDK.
const DefaultTimeout = 5 * time.Second

// Spec says which target to build. The zero Spec is the embedded demo policy.
type Spec struct {
	Kind pdp.Kind
	// Policy is the policy file for the embedded engine; "" is the demo policy.
	Policy string
	// URL is the PDP's base URL for KindPDP (default permit.LocalURL) and KindCloud.
	URL string
	// Token is the environment's API key. It is held in memory only.
	Token   string
	Timeout time.Duration
}

// ErrNoToken is returned for a remote target without an API key, so that the
// explorer can ask for one in a masked field instead of failing.
var ErrNoToken = errors.New("no API key: pass --token or set " + TokenEnv + " to the environment's API key (Permit dashboard → Settings → API Keys)")

// FromFlags resolves the global target flags into a Spec. --pdp and --cloud
// exclude each other and --policy; the token falls back to $PERMIT_API_KEY.
func FromFlags(policyPath, pdpURL string, cloud bool, token string, timeout time.Duration) (Spec, error) {
	n := 0
	for _, set := range []bool{policyPath != "", pdpURL != "", cloud} {
		if set {
			n++
		}
	}
	if n > 1 {
		return Spec{}, errors.New("choose one target: --policy FILE, --pdp URL or --cloud")
	}
	if token == "" {
		token = os.Getenv(TokenEnv)
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	s := Spec{Kind: pdp.KindEmbedded, Policy: policyPath, Token: token, Timeout: timeout}
	switch {
	case pdpURL != "":
		s.Kind, s.URL = pdp.KindPDP, pdpURL
	case cloud:
		s.Kind, s.URL = pdp.KindCloud, permit.CloudURL
	}
	return s, nil
}

// Build makes the target. A broken policy file is a policy.Problems error
// listing every problem with its line; a remote target without a token is
// ErrNoToken.
func Build(s Spec) (pdp.Target, error) {
	return BuildContext(context.Background(), s)
}

// BuildContext is Build that stops loading a policy file when ctx is done
// (Ctrl-C), with an error wrapping ctx's.
func BuildContext(ctx context.Context, s Spec) (pdp.Target, error) {
	switch s.Kind {
	case pdp.KindEmbedded, "":
		return EmbeddedContext(ctx, s.Policy)
	case pdp.KindPDP, pdp.KindCloud:
		url := s.URL
		if url == "" {
			url = permit.LocalURL
			if s.Kind == pdp.KindCloud {
				url = permit.CloudURL
			}
		}
		if strings.TrimSpace(s.Token) == "" {
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
		return permit.New(url, s.Token, opts...)
	default:
		return nil, fmt.Errorf("unknown target kind %q: use embedded, pdp or cloud", s.Kind)
	}
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
