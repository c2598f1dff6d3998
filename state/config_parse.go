package state

import (
	"fmt"
	"strings"
	"time"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/ytree"
)

func hint(name string, names []string) string {
	if s := ytree.Suggest(name, names); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	if len(names) > 0 {
		return "; profiles: " + strings.Join(names, ", ")
	}
	return ""
}

func parseProfile(r *ytree.Reader, pe ytree.Entry) (Profile, bool) {
	p := Profile{Name: pe.Key, Line: pe.Line}
	before := len(r.Probs)
	label := fmt.Sprintf("profile %q", p.Name)
	entries, ok := r.Entries(pe.Val, label, profileKeys)
	if !ok {
		return p, false
	}
	var kindNode *ytree.Node
	tokenSources := 0
	for _, e := range entries {
		field := fmt.Sprintf("%s: %s", label, e.Key)
		switch e.Key {
		case "kind":
			k, _ := r.String(e.Val, field)
			kindNode = e.Val
			switch pdp.Kind(k) {
			case pdp.KindEmbedded, pdp.KindPDP, pdp.KindCloud, pdp.KindAuthZEN:
				p.Kind = pdp.Kind(k)
			default:
				r.Errorf(e.Val, "%s is %q: want embedded, pdp, cloud or authzen", field, k)
			}
		case "url":
			p.URL, _ = r.String(e.Val, field)
		case "policy":
			p.Policy, _ = r.String(e.Val, field)
		case "snapshot":
			p.Snapshot, _ = r.String(e.Val, field)
		case "token":
			p.Token, _ = r.String(e.Val, field)
			tokenSources++
		case "token_env":
			p.TokenEnv, _ = r.String(e.Val, field)
			tokenSources++
		case "token_command":
			p.TokenCommand, _ = r.String(e.Val, field)
			tokenSources++
		case "timeout":
			p.Timeout = parseTimeout(r, e.Val, field)
		case "default_tenant":
			p.DefaultTenant, _ = r.String(e.Val, field)
		}
	}
	if p.Kind == "" && kindNode == nil {
		// kind may be left out where the other keys say it.
		p.Kind = pdp.KindEmbedded
		if p.URL != "" {
			p.Kind = pdp.KindPDP
		}
	}
	at := &ytree.Node{Line: pe.Line, Col: pe.Col}
	if tokenSources > 1 {
		r.Errorf(at, "%s has more than one of token, token_env and token_command: keep one", label)
	}
	switch p.Kind {
	case pdp.KindEmbedded:
		if p.URL != "" || tokenSources > 0 {
			r.Errorf(at, "%s is kind embedded, which decides locally from a policy file: url and token keys do not apply (use kind: pdp for a PDP)", label)
		}
		if p.Snapshot != "" {
			r.Errorf(at, "%s is kind embedded: snapshot pairs a remote PDP (kind pdp or cloud) with a pulled policy file; for the engine alone use policy:", label)
		}
	case pdp.KindPDP, pdp.KindCloud, pdp.KindAuthZEN:
		if p.Policy != "" {
			r.Errorf(at, "%s is kind %s: policy applies to kind embedded only", label, p.Kind)
		}
		if p.Kind == pdp.KindAuthZEN && p.URL == "" {
			r.Errorf(at, "%s is kind authzen: give the PDP's base URL with url: (its policy_decision_point)", label)
		}
		if p.Kind == pdp.KindAuthZEN && p.Snapshot != "" {
			r.Errorf(at, "%s is kind authzen: snapshot pairs a Permit PDP (kind pdp or cloud) with a policy pulled from its environment", label)
		}
	}
	return p, len(r.Probs) == before
}

// parseTimeout reads "10s", "1m30s" or a number of seconds.
func parseTimeout(r *ytree.Reader, n *ytree.Node, field string) time.Duration {
	if n.Kind == ytree.Number {
		f := n.Num
		if f <= 0 {
			r.Errorf(n, "%s must be positive", field)
			return 0
		}
		return time.Duration(f * float64(time.Second))
	}
	s, ok := n.String()
	if !ok {
		r.Errorf(n, "%s must be a duration such as 5s or 1m, not %s", field, n.Describe())
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		r.Errorf(n, "%s is %q: want a positive duration such as 5s or 1m", field, s)
		return 0
	}
	return d
}

// parseStaleAfter reads stale_after: a duration with its unit ("24h",
// "36h", "90m"); a bare number is refused, since 24 would read as seconds.
func parseStaleAfter(r *ytree.Reader, n *ytree.Node) time.Duration {
	s, ok := n.String()
	if n.Kind == ytree.Number || !ok {
		r.Errorf(n, "stale_after must be a duration with its unit, such as 24h or 36h, not %s", n.Describe())
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		r.Errorf(n, "stale_after is %q: want a positive duration such as 24h or 36h (hours are the largest unit)", s)
		return 0
	}
	return d
}
