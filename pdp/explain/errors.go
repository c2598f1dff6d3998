package explain

import (
	"errors"

	"github.com/pdpx/pdpx/pdp"
)

// errorCards explains a decision that is an error: one card by the error's
// kind (pdp.ErrorKindOf: set where the error happened, or read back from
// history), with the fix. The message is the error's own (the HTTP client
// writes it for a person, naming the URL); the card adds the title, the
// steps and the action.
func errorCards(d pdp.Decision, c pdp.Check) []Card {
	msg := pdp.Clean(d.ErrorText())
	if msg == "" {
		msg = "no decision: the target gave no reason"
	}
	kind := pdp.ErrorKindOf(d.Err)
	if kind == pdp.ErrorNoABAC {
		card := cardCtx{c: c, n: newNames(c)}.cloudNoABACCard()
		card.Code, card.Tone = pdp.CodeCloudNoABAC, ToneError
		card.Details = append([]string{msg}, card.Details...)
		return []Card{card}
	}
	card := Card{Code: kind.String(), Tone: ToneError, Sentence: msg}
	switch kind {
	case pdp.ErrorAuth:
		card.Title = "API key rejected"
		if d.Status == 401 {
			card.Title = "API key needed"
		}
		card.Details = []string{"pass --token or set PERMIT_API_KEY to the environment's API key (Permit dashboard → Settings → API Keys)",
			"the key must belong to the environment the PDP serves"}
		card.Action = &Action{Kind: SetToken, Label: "enter the API key"}
	case pdp.ErrorRefused:
		card.Title = "Nothing listens there"
		card.Details = []string{"start Permit's PDP: docker run -p 7766:7000 -e PDP_API_KEY=... permitio/pdp-v2 (or pdpx serve)",
			"check the URL given with --pdp"}
		card.Action = &Action{Kind: SwitchTarget, Label: "choose another target"}
	case pdp.ErrorTimeout:
		card.Title = "No answer in time"
		card.Details = []string{"check the PDP is running and reachable", "raise --timeout if it is slow (a PDP loading its policy can take seconds)"}
		card.Action = &Action{Kind: RaiseTimeout, Field: "timeout", Label: "retry with a longer timeout"}
	case pdp.ErrorRateLimited:
		card.Title = "Rate limited"
		var retry float64
		var pe *pdp.TargetError
		if errors.As(d.Err, &pe) {
			retry = pe.Retry.Seconds()
		}
		card.Details = []string{"the cloud PDP limits how many checks an environment sends: wait and send again, or use a local PDP"}
		card.Action = &Action{Kind: RetryLater, Value: retry, Label: "retry later"}
	case pdp.ErrorNotSupported:
		card.Title = "Not supported by this PDP"
		card.Details = []string{"update the PDP, or check that the URL is a Permit PDP's base URL"}
		card.Action = &Action{Kind: SwitchTarget, Value: "local", Label: "switch to a local target"}
	case pdp.ErrorServer:
		card.Title = "The PDP failed"
		card.Details = []string{"check the PDP's logs"}
		if d.Status == 503 {
			card.Title = "The PDP is not ready"
			card.Details = []string{"wait for it to load its policy, then send again", "check the PDP's logs"}
			card.Action = &Action{Kind: RetryLater, Value: 0.0, Label: "retry later"}
		}
	case pdp.ErrorBadRequest:
		card.Title = "The PDP refused the request"
		card.Details = []string{"check the request body (pdpx check --json shows it): user.key, action and resource.type are required"}
	case pdp.ErrorBadResponse:
		card.Title = "Not a decision"
		card.Details = []string{"check that the URL is a Permit PDP (its /allowed answers {\"allow\": ...})"}
	case pdp.ErrorNetwork:
		card.Title = "Network error"
		card.Details = []string{"check the host name and TLS settings of the URL, and your network"}
	case pdp.ErrorCanceled:
		card.Tone, card.Title = ToneInfo, "Cancelled"
		card.Sentence = "the check was cancelled before the PDP answered; nothing was decided"
	default:
		card.Code, card.Title = "error", "No decision"
	}
	return []Card{card}
}
