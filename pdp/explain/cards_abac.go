package explain

import (
	"fmt"

	"github.com/pdpx/pdpx/pdp"
)

func (x cardCtx) cloudNoABACCard() Card {
	card := Card{
		Title:    "The cloud PDP does no ABAC",
		Sentence: "the cloud PDP does not evaluate ABAC: user sets, resource sets and the check's JIT attributes did not count",
		Action:   &Action{Kind: SwitchTarget, Value: "local", Label: "switch to a local target"},
	}
	if len(x.c.User.Attributes)+len(x.c.Resource.Attributes)+len(x.c.TenantAttributes)+len(x.c.Context) > 0 {
		card.Details = append(card.Details, "this check sends JIT attributes: only a local PDP (docker run -p 7766:7000 permitio/pdp-v2) or the embedded engine reads them")
	}
	return card
}

// resourcePhrase names the check's resource in a sentence: "document:d1"
// or "the document".
func (x cardCtx) resourcePhrase() string {
	if x.c.Resource.Key == "" {
		return "the " + x.n.typ
	}
	return x.n.ref
}

// abacCard explains the three ABAC denials with the failing condition of
// each rule (embedded) or the sets the PDP says held (remote).
func (x cardCtx) abacCard(code string, r *pdp.Reason) Card {
	perm := fmt.Sprintf("%s on %s", x.n.action, x.n.typ)
	var card Card
	switch code {
	case "no_matching_usersets":
		card.Title = "In no user set"
		failing := x.failingSets(func(rc RuleCondition) SetCondition { return rc.UserSet })
		switch {
		case len(failing) > 0:
			card.Sentence = fmt.Sprintf("%s is in none of the user sets that rules for %s name: %s", x.n.user, perm, names(titles(failing)))
		case x.e != nil && len(x.conds) == 0:
			card.Sentence = fmt.Sprintf("no rule gives %s to any user set, and %s has no role in %s whose generated set would match", perm, x.n.user, tenantWord(x.n.tenant))
		default:
			card.Sentence = fmt.Sprintf("%s is in none of the user sets that rules for %s name", x.n.user, perm)
		}
		card.Details = leafLines(failing)
	case "no_matching_resourcesets":
		card.Title = "In no resource set"
		failing := x.failingSets(func(rc RuleCondition) SetCondition { return rc.ResourceSet })
		if len(failing) > 0 {
			card.Sentence = fmt.Sprintf("%s is in none of the resource sets that rules for %s name: %s", x.resourcePhrase(), perm, names(titles(failing)))
		} else {
			card.Sentence = fmt.Sprintf("%s is in none of the resource sets that rules for %s name", x.resourcePhrase(), perm)
		}
		card.Details = leafLines(failing)
	default:
		card.Title = "No rule pairs the sets"
		us, rs := cleanAll(r.MatchingUsersets), cleanAll(r.MatchingResourcesets)
		card.Sentence = fmt.Sprintf("%s is in user sets %s and %s in resource sets %s, but no rule gives %s to such a pair",
			x.n.user, names(us), x.resourcePhrase(), names(rs), perm)
		for _, rc := range x.conds {
			card.Details = append(card.Details, ruleLine(rc))
		}
		if x.e != nil && len(x.conds) == 0 {
			card.Details = append(card.Details, "no rule names "+perm+" at all")
		}
	}
	return card
}

// failingSets are the distinct sets (user or resource, as pick says) of the
// rules that failed, in rule order.
func (x cardCtx) failingSets(pick func(RuleCondition) SetCondition) []SetCondition {
	var out []SetCondition
	seen := map[string]bool{}
	for _, rc := range x.conds {
		s := pick(rc)
		if s.Holds || seen[s.Key] {
			continue
		}
		seen[s.Key] = true
		out = append(out, s)
	}
	return out
}

func titles(sets []SetCondition) []string {
	out := make([]string, len(sets))
	for i, s := range sets {
		out[i] = s.Title()
	}
	return out
}

// leafLines are "England engineers: user.location equals England — got France".
func leafLines(sets []SetCondition) []string {
	var out []string
	for _, s := range sets {
		if s.Failing != nil {
			out = append(out, s.Title()+": "+s.Failing.Sentence)
		}
	}
	return out
}

// ruleLine says how one rule fared: "england_engineers → approved_documents:
// the user set holds; the resource set fails at resource.hasApproval ...".
func ruleLine(rc RuleCondition) string {
	s := rc.UserSet.Title() + " → " + rc.ResourceSet.Title() + ": "
	side := func(what string, sc SetCondition) string {
		if sc.Holds {
			return "the " + what + " holds"
		}
		if sc.Failing != nil {
			return "the " + what + " fails at " + sc.Failing.Sentence
		}
		return "the " + what + " fails"
	}
	return s + side("user set", rc.UserSet) + "; " + side("resource set", rc.ResourceSet)
}
