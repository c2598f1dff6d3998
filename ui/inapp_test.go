package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/azclient"
	"github.com/pdpx/pdpx/pdp/explain"
	"github.com/pdpx/pdpx/pdp/permit"
)

// cliWords are what the command line says that the explorer has no use
// for: a flag to pass (not part of a pdpx command to run) or the key's
// variable.
var cliWords = regexp.MustCompile(`(^|[^a-z])--(token|pdp|timeout|authzen|policy)\b|PERMIT_API_KEY|AUTHZEN_PDP_API_KEY`)

// TestErrorsSpeakTheExplorersWords: every error a target can give, and the
// card that explains it, reach the screen in the explorer's terms (its
// fields and keys), never as flags to pass on a command line. The clients
// and cards are shared with the command line and word things for it; the
// explorer rewrites that wording, and a new phrase it does not know would
// fail here.
func TestErrorsSpeakTheExplorersWords(t *testing.T) {
	var texts []string
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer refuse.Close()
	ch := pdp.Check{User: pdp.User{Key: "u"}, Action: "read", Resource: pdp.Resource{Type: "document"}}
	for _, token := range []string{"", "permit_key_wrong"} {
		if c, err := permit.New(refuse.URL, token); err == nil {
			texts = append(texts, c.Check(context.Background(), ch).ErrorText())
		}
		if c, err := azclient.New(refuse.URL, token); err == nil {
			texts = append(texts, c.Check(context.Background(), ch).ErrorText())
		}
	}
	for _, bad := range []string{"http://user:key@localhost:7766", "http://localhost:7766/?token=k"} {
		if _, err := permit.New(bad, ""); err != nil {
			texts = append(texts, err.Error())
		}
		if _, err := azclient.New(bad, ""); err != nil {
			texts = append(texts, err.Error())
		}
	}
	for k := pdp.ErrorAuth; k <= pdp.ErrorNoABAC; k++ {
		for _, status := range []int{0, 401, 403, 503} {
			d := pdp.Decision{Outcome: pdp.Error, Status: status, Err: &pdp.TargetError{Kind: k, Msg: "the PDP said no"}}
			for _, c := range explain.Explain(d, ch, nil).Cards {
				texts = append(texts, c.Sentence)
				texts = append(texts, c.Details...)
			}
		}
	}
	if len(texts) < 40 {
		t.Fatalf("only %d texts: the errors above were not all made", len(texts))
	}
	for _, s := range texts {
		if w := cliWords.FindString(inApp(s)); w != "" {
			t.Errorf("the explorer would show %q (from %q), a command line's word", inApp(s), s)
		}
	}
}
