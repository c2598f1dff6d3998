package pdp

import "time"

// Where Permit's PDPs are unless told otherwise.
const (
	// LocalPDPURL is where the PDP container listens when run with
	// docker run -p 7766:7000 permitio/pdp-v2 (and where pdpx serve listens).
	LocalPDPURL = "http://localhost:7766"
	// CloudPDPURL is Permit's cloud PDP (RBAC and ReBAC only).
	CloudPDPURL = "https://cloudpdp.api.permit.io"
)

// TargetSpec says which target to build. Flags, a config profile and the
// explorer's target switcher all produce one; ui/targets builds the target
// from it (it is the one place that knows the HTTP client). The zero
// TargetSpec is the embedded engine over the demo policy.
type TargetSpec struct {
	Kind Kind
	// Policy is the policy file of an embedded target; "" is the demo policy.
	Policy string
	// Snapshot is a policy file pulled from a remote target's environment
	// (pdpx pull): each check is decided on it too, to explain the remote's
	// decision down to the condition and to compare the two. Remote only.
	Snapshot string
	// URL is a PDP's base URL; "" means the kind's default (see WithDefaults).
	URL string
	// Token is the environment's API key. It is held in memory only, never
	// written by pdpx; a profile's Token is a literal key from its file.
	Token string
	// Timeout is how long a remote check may take; 0 means the default (or,
	// for the switcher, the timeout already configured).
	Timeout time.Duration
	// Profile names the config profile the spec came from, or (from the
	// switcher) the profile to build: its kind, URL or policy, timeout and
	// token source, a typed Token replacing the source.
	Profile string
	// KeepToken asks to reuse the API key of the target built last when
	// Token is empty: the explorer rebuilds the same target (with a longer
	// timeout) and never holds the key to pass it again.
	KeepToken bool
}

// Remote reports whether the spec names a PDP reached over HTTP, which
// takes an API key (an AuthZEN PDP may do without one).
func (s TargetSpec) Remote() bool {
	return s.Kind == KindPDP || s.Kind == KindCloud || s.Kind == KindAuthZEN
}

// WithDefaults fills what the spec leaves to its kind: the embedded kind
// when none is given, and the URL of a local or the cloud PDP.
func (s TargetSpec) WithDefaults() TargetSpec {
	switch {
	case s.Kind == "":
		s.Kind = KindEmbedded
	case s.Kind == KindPDP && s.URL == "":
		s.URL = LocalPDPURL
	case s.Kind == KindCloud && s.URL == "":
		s.URL = CloudPDPURL
	}
	return s
}
