package explain

import (
	"slices"
	"strings"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
)

// Tone is how a card reads: it decides its colour in a front end.
type Tone string

// The tones of a card.
const (
	ToneAllow Tone = "allow"
	ToneDeny  Tone = "deny"
	ToneError Tone = "error"
	ToneInfo  Tone = "info"
)

// Card is one reason in words.
type Card struct {
	// Code is Permit's debug code ("no_role_in_tenant", "allow"), the error
	// kind ("auth", "timeout", see pdp.ErrorKind) or one of pdpx's own:
	// "debug_off" (a remote decision without a debug object), "error".
	Code string `json:"code"`
	// Models are the debug blocks the code came from: rbac, abac, rebac.
	Models []string `json:"models,omitempty"`
	Tone   Tone     `json:"tone"`
	// Title is a few words: "No role in default".
	Title string `json:"title"`
	// Sentence names the user, role, tenant, action and type:
	// "john@permit.io has no role in default; they have roles in awesome_inc".
	Sentence string `json:"sentence"`
	// Details are what to check, one line each.
	Details []string `json:"details,omitempty"`
	// Link is Permit's page for the code.
	Link string `json:"link,omitempty"`
	// Action is the next step, when there is one.
	Action *Action `json:"action,omitempty"`
}

// sharedCodes are codes rbac and rebac both give for the same cause; they
// become one card naming both models.
var sharedCodes = map[string]bool{
	"no_such_resource": true, "no_such_action": true, "no_such_tenant": true, "user_not_synced": true,
}

// cardRank orders cards: a misspelt name explains everything after it, an
// unknown user most of it (unless the check sends JIT user attributes: then
// it is deliberate, as in an ABAC demo); ABAC being off is the least news.
func cardRank(c Card, chk pdp.Check) int {
	switch {
	case c.Tone == ToneAllow:
		return 0
	case c.Code == "no_such_resource" || c.Code == "no_such_action" || c.Code == "no_such_tenant":
		return 1
	case c.Code == "user_not_synced" && len(chk.User.Attributes) == 0:
		return 2
	case c.Code == pdp.CodeCloudNoABAC:
		return 3
	case c.Code == "user_not_synced":
		return 5
	case c.Tone == ToneInfo:
		return 6
	}
	return 4
}

// cardCtx is what the card builders read.
type cardCtx struct {
	n     checkNames
	c     pdp.Check
	d     pdp.Decision
	e     *engine.Engine
	conds []RuleCondition
}

func cards(d pdp.Decision, c pdp.Check, e *engine.Engine, conds []RuleCondition, gs []Grant) []Card {
	x := cardCtx{n: newNames(c), c: c, d: d, e: e, conds: conds}
	if d.Debug == nil {
		if len(d.Reasons) > 0 {
			return []Card{reasonsCard(d, x.n)}
		}
		return []Card{debugOffCard(d, x.n)}
	}
	allowed := d.Debug.Allowed()
	var out []Card
	for _, b := range []struct {
		model string
		r     *pdp.Reason
	}{{"rbac", d.Debug.RBAC}, {"abac", d.Debug.ABAC}, {"rebac", d.Debug.ReBAC}} {
		// Permit shows the rbac and abac denials beside a ReBAC allow; they
		// are not why the check was allowed, so they get no card.
		if b.r == nil || (!b.r.Allow && allowed) {
			continue
		}
		var card Card
		if b.r.Allow {
			card = allowCard(b.model, gs)
		} else {
			card = x.denyCard(b.model, b.r)
		}
		card.Models = []string{b.model}
		if card.Link == "" && !b.r.Allow {
			card.Link = pdp.Clean(b.r.SupportLink)
		}
		if i := slices.IndexFunc(out, func(o Card) bool { return o.Code == card.Code && sharedCodes[card.Code] }); i >= 0 {
			out[i].Models = append(out[i].Models, b.model)
			continue
		}
		out = append(out, card)
	}
	slices.SortStableFunc(out, func(a, b Card) int { return cardRank(a, c) - cardRank(b, c) })
	return out
}

// reasonsCard shows what a PDP that does not send Permit's debug object
// said about its decision (an AuthZEN decision's context), line by line.
func reasonsCard(d pdp.Decision, n checkNames) Card {
	tone := ToneDeny
	if d.Outcome == pdp.Allow {
		tone = ToneAllow
	}
	details := make([]string, len(d.Reasons))
	for i, r := range d.Reasons {
		details[i] = pdp.Clean(r)
	}
	return Card{
		Code:     "pdp_reasons",
		Tone:     tone,
		Title:    "The PDP's reasons",
		Sentence: "the PDP answered " + d.Outcome.Word() + " for " + n.user + " " + n.action + " " + n.ref + " and said why:",
		Details:  details,
	}
}

func debugOffCard(d pdp.Decision, n checkNames) Card {
	if strings.HasPrefix(d.Target, "authzen:") {
		// Another vendor's PDP: PDP_DEBUG means nothing to it.
		return Card{
			Code:     "debug_off",
			Tone:     ToneInfo,
			Title:    "No reasons from the PDP",
			Sentence: "the AuthZEN PDP answered " + d.Outcome.Word() + " for " + n.user + " " + n.action + " " + n.ref + " and said nothing of why (its decision had no context)",
			Details:  []string{"decide the same check offline with the embedded engine (pdpx --policy FILE) to see the reasons"},
		}
	}
	return Card{
		Code:  "debug_off",
		Tone:  ToneInfo,
		Title: "No reasons from the PDP",
		Sentence: "the PDP answered " + d.Outcome.Word() + " for " + n.user + " " + n.action + " " + n.ref +
			" but sent no debug object: start it with PDP_DEBUG=true to see why",
		Details: []string{"docker run -e PDP_DEBUG=true -p 7766:7000 permitio/pdp-v2", "or decide the same check offline with the embedded engine (pdpx --policy FILE)"},
	}
}

func allowCard(model string, gs []Grant) Card {
	card := Card{Code: "allow", Tone: ToneAllow, Title: "Allowed by " + model}
	for _, g := range gs {
		if g.Model != model {
			continue
		}
		if card.Sentence == "" {
			card.Sentence = g.Sentence
			switch {
			case model == "rbac" && g.Role != "":
				card.Title = "Allowed by role " + g.Role
			case model == "abac":
				card.Title = "Allowed by rule " + g.UserSet + " → " + g.ResourceSet
			case model == "rebac" && g.Role != "":
				card.Title = "Allowed by " + g.Role + " on " + g.Resource
			}
			continue
		}
		card.Details = append(card.Details, "also: "+g.Sentence)
	}
	return card
}

// denyCard is the card of one model's deny code.
func (x cardCtx) denyCard(model string, r *pdp.Reason) Card {
	code := pdp.Clean(r.Code)
	var card Card
	switch code {
	case "no_such_resource", "no_such_action", "no_such_tenant":
		card = x.noSuchCard(code, r)
	case "user_not_synced":
		card = x.notSyncedCard()
	case "no_user_roles":
		card = x.noUserRolesCard()
	case "no_role_in_tenant":
		card = x.noRoleInTenantCard(r)
	case "no_permission":
		if model == "rebac" {
			card = x.rebacNoPermissionCard()
		} else {
			card = x.rbacNoPermissionCard()
		}
	case pdp.CodeCloudNoABAC:
		card = x.cloudNoABACCard()
	case "disabled":
		card = Card{Tone: ToneInfo, Title: "ABAC is off",
			Sentence: "the environment has no user sets and no resource sets, so attribute rules played no part"}
	case "no_matching_usersets", "no_matching_resourcesets", "no_matching_rules":
		card = x.abacCard(code, r)
	default:
		card = Card{Tone: ToneDeny, Title: model + " denied", Sentence: orText(r.Reason, model+" denied with code "+code)}
	}
	card.Code = code
	if card.Tone == "" {
		card.Tone = ToneDeny
	}
	// A PDP's own sentence may hold what pdpx could not work out; the
	// engine's would only repeat the card.
	if x.e == nil {
		if s := pdp.Clean(r.Reason); s != "" && s != card.Sentence {
			card.Details = append(card.Details, "the PDP says: "+s)
		}
	}
	return card
}
