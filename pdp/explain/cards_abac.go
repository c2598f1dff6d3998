package explain

import (
	"fmt"
	"slices"

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

// abacCard explains an ABAC denial. With a trace it says which sets of
// the rules for the action failed, and why, from the trace alone: Permit's
// code cannot say it, since its library lists every condition set that
// holds (for any rule) as both the matching user sets and the matching
// resource sets, so it denies with no_matching_rules whenever any set
// holds. Without a trace (a remote PDP) the code and the sets the PDP says
// held are all there is.
func (x cardCtx) abacCard(code string, r *pdp.Reason) Card {
	if x.d.Trace == nil {
		return x.remoteABACCard(code, r)
	}
	perm := fmt.Sprintf("%s on %s", x.n.action, x.n.typ)
	if len(x.conds) == 0 {
		// True, but rarely the news: a note, after the denials that are.
		return Card{Tone: ToneInfo, Title: "No rule for " + x.n.action,
			Sentence: fmt.Sprintf("no rule gives %s to any user set or role, so attributes cannot allow it", perm)}
	}
	var userHolds, resHolds bool
	for _, rc := range x.conds {
		userHolds = userHolds || rc.UserSet.Holds
		resHolds = resHolds || rc.ResourceSet.Holds
	}
	var card Card
	switch {
	case !userHolds:
		card.Title = "In no user set"
		failing := x.failingSets(func(rc RuleCondition) SetCondition { return rc.UserSet })
		card.Sentence = fmt.Sprintf("%s is in none of the user sets that rules for %s name: %s", x.n.user, perm, names(titles(failing)))
		card.Details = leafLines(failing)
	case !resHolds:
		card.Title = "In no resource set"
		failing := x.failingSets(func(rc RuleCondition) SetCondition { return rc.ResourceSet })
		card.Sentence = fmt.Sprintf("%s is in none of the resource sets that rules for %s name: %s", x.resourcePhrase(), perm, names(titles(failing)))
		card.Details = leafLines(failing)
	default:
		card.Title = "No rule pairs the sets"
		us := x.holdingSets(func(rc RuleCondition) SetCondition { return rc.UserSet })
		rs := x.holdingSets(func(rc RuleCondition) SetCondition { return rc.ResourceSet })
		card.Sentence = fmt.Sprintf("%s is in user sets %s and %s in resource sets %s, but no rule for %s pairs them",
			x.n.user, names(us), x.resourcePhrase(), names(rs), perm)
		for _, rc := range x.conds {
			card.Details = append(card.Details, ruleLine(rc))
		}
	}
	return card
}

// remoteABACCard explains an ABAC denial from the PDP's code and lists.
func (x cardCtx) remoteABACCard(code string, r *pdp.Reason) Card {
	perm := fmt.Sprintf("%s on %s", x.n.action, x.n.typ)
	switch code {
	case "no_matching_usersets":
		return Card{Title: "In no condition set",
			Sentence: fmt.Sprintf("%s and %s match no user set or resource set at all, so no rule for %s can apply", x.n.user, x.resourcePhrase(), perm)}
	case "no_matching_resourcesets":
		return Card{Title: "In no resource set",
			Sentence: fmt.Sprintf("%s is in none of the resource sets that rules for %s name", x.resourcePhrase(), perm)}
	}
	us, rs := cleanAll(r.MatchingUsersets), cleanAll(r.MatchingResourcesets)
	card := Card{Title: "No rule pairs the sets"}
	if slices.Equal(us, rs) {
		// Permit's library gives one list under both names.
		card.Sentence = fmt.Sprintf("the PDP found the check in condition sets %s, but no rule gives %s to a user set and resource set among them", names(us), perm)
	} else {
		card.Sentence = fmt.Sprintf("%s is in user sets %s and %s in resource sets %s, but no rule gives %s to such a pair",
			x.n.user, names(us), x.resourcePhrase(), names(rs), perm)
	}
	card.Details = append(card.Details, "a set named __autogen_<name> is the one Permit generates for a role or a resource type")
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

// holdingSets are the titles of the distinct sets (user or resource, as
// pick says) of the rules that hold, in rule order.
func (x cardCtx) holdingSets(pick func(RuleCondition) SetCondition) []string {
	var out []string
	for _, rc := range x.conds {
		if s := pick(rc); s.Holds && !slices.Contains(out, s.Title()) {
			out = append(out, s.Title())
		}
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
