package explain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// remote decodes a debug object as a real PDP returns it (rbac
// allowing_roles as bare strings) into a remote decision.
func remote(t *testing.T, allow bool, debugJSON string) pdp.Decision {
	t.Helper()
	var dbg pdp.Debug
	if err := json.Unmarshal([]byte(debugJSON), &dbg); err != nil {
		t.Fatal(err)
	}
	d := pdp.Decision{Outcome: pdp.Deny, Debug: &dbg, Status: 200, Target: "pdp: localhost:7766"}
	if allow {
		d.Outcome = pdp.Allow
	}
	return d
}

// Cards work from a remote PDP's debug object alone: the names come from
// the check and the lists from the PDP's reasons, cleaned.
func TestRemoteCards(t *testing.T) {
	bob := check(t, "bob", "delete", "document:d1", "globex")
	cases := []struct {
		name, debug, code, sentence string
		action                      *Action
		detail                      string
	}{
		{"no_role_in_tenant, Permit's wording",
			`{"rbac":{"allow":false,"code":"no_role_in_tenant","reason":"user 'bob' has no roles in tenant 'globex'; bob has roles in: acme, initech","support_link":"https://docs.permit.io/errors/no_role_in_tenant"}}`,
			"no_role_in_tenant", "bob has no role in globex; they have roles in acme and initech",
			&Action{Kind: RetryInTenant, Field: "tenant", Value: "acme", Label: "retry in acme"}, "the PDP says: user 'bob' has no roles"},
		{"no_role_in_tenant, pdpx serve's wording",
			`{"rbac":{"allow":false,"code":"no_role_in_tenant","reason":"user 'bob' has no assigned roles in tenant 'globex'. user has roles in these tenants: acme"}}`,
			"no_role_in_tenant", "bob has no role in globex; they have roles in acme",
			&Action{Kind: RetryInTenant, Field: "tenant", Value: "acme", Label: "retry in acme"}, ""},
		{"no_such_action",
			`{"rbac":{"allow":false,"code":"no_such_action","reason":"action 'delete' does not exist on resource type 'document'; its actions: read, delte, write"}}`,
			"no_such_action", "document has no action `delete`; did you mean `delte`?",
			&Action{Kind: UseName, Field: "action", Value: "delte", Label: "use delte"}, ""},
		{"no_such_tenant",
			`{"rbac":{"allow":false,"code":"no_such_tenant","reason":"tenant 'globex' does not exist; known tenants: globexx, acme"},"rebac":{"allow":false,"code":"no_such_tenant"}}`,
			"no_such_tenant", "there is no tenant `globex`; did you mean `globexx`?",
			&Action{Kind: UseName, Field: "tenant", Value: "globexx", Label: "use globexx"}, ""},
		{"no_such_resource without a list",
			`{"rbac":{"allow":false,"code":"no_such_resource","reason":"no such resource"}}`,
			"no_such_resource", "there is no resource type `document`", nil, ""},
		{"user_not_synced",
			`{"rbac":{"allow":false,"code":"user_not_synced"}}`,
			"user_not_synced", "bob is unknown to the environment: only the check's JIT attributes were used", nil, ""},
		{"no_user_roles",
			`{"rbac":{"allow":false,"code":"no_user_roles","reason":"user 'bob' has no assigned roles in any tenant"}}`,
			"no_user_roles", "bob has no role in any tenant", nil, ""},
		{"rbac no_permission",
			`{"rbac":{"allow":false,"code":"no_permission","reason":"..."}}`,
			"no_permission", "bob's roles in globex do not grant delete on document", nil, ""},
		{"abac no_matching_usersets",
			`{"abac":{"allow":false,"code":"no_matching_usersets","matching_usersets":[]}}`,
			"no_matching_usersets", "bob and document:d1 match no user set or resource set at all, so no rule for delete on document can apply", nil, ""},
		{"abac no_matching_resourcesets",
			`{"abac":{"allow":false,"code":"no_matching_resourcesets","matching_usersets":["us1"],"matching_resourcesets":[]}}`,
			"no_matching_resourcesets", "document:d1 is in none of the resource sets that rules for delete on document name", nil, ""},
		{"abac no_matching_rules",
			`{"abac":{"allow":false,"code":"no_matching_rules","matching_usersets":["us1","us2"],"matching_resourcesets":["rs1"]}}`,
			"no_matching_rules", "bob is in user sets us1 and us2 and document:d1 in resource sets rs1, but no rule gives delete on document to such a pair", nil, ""},
		{"abac no_matching_rules, Permit's one list",
			`{"abac":{"allow":false,"code":"no_matching_rules","matching_usersets":["__autogen_document","us1"],"matching_resourcesets":["__autogen_document","us1"]}}`,
			"no_matching_rules", "the PDP found the check in condition sets __autogen_document and us1, but no rule gives delete on document to a user set and resource set among them", nil,
			"__autogen_<name> is the one Permit generates"},
		{"abac disabled",
			`{"abac":{"allow":false,"code":"disabled"}}`,
			"disabled", "the environment has no user sets and no resource sets, so attribute rules played no part", nil, ""},
		{"cloud_pdp_not_supporting_abac",
			`{"abac":{"allow":false,"code":"cloud_pdp_not_supporting_abac"}}`,
			"cloud_pdp_not_supporting_abac", "the cloud PDP does not evaluate ABAC: user sets, resource sets and the check's JIT attributes did not count",
			&Action{Kind: SwitchTarget, Value: "local", Label: "switch to a local target"}, ""},
		{"rebac no_permission",
			`{"rebac":{"allow":false,"code":"no_permission","reason":"user 'bob' has no role on document:d1"}}`,
			"no_permission", "bob has no role on document:d1 that grants delete", nil, ""},
		{"an unknown code",
			`{"rebac":{"allow":false,"code":"something_new","reason":"a new reason"}}`,
			"something_new", "a new reason", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := Explain(remote(t, false, tc.debug), bob, nil)
			if x.Source != Remote || len(x.Flips) != 0 || len(x.Conditions) != 0 {
				t.Errorf("a remote explanation with engine-only parts: %+v", x)
			}
			got := card(t, x, tc.code)
			if got.Sentence != tc.sentence {
				t.Errorf("sentence\n got %q\nwant %q", got.Sentence, tc.sentence)
			}
			switch {
			case tc.action == nil && got.Action != nil:
				t.Errorf("unexpected action %+v", got.Action)
			case tc.action != nil && (got.Action == nil || *got.Action != *tc.action):
				t.Errorf("action %+v, want %+v", got.Action, tc.action)
			}
			if tc.detail != "" && !strings.Contains(strings.Join(got.Details, "\n"), tc.detail) {
				t.Errorf("details %q lack %q", got.Details, tc.detail)
			}
		})
	}
}

// A remote allow is explained from the allowing blocks: rbac names roles
// by bare key, rebac gives objects with their sources.
func TestRemoteAllow(t *testing.T) {
	d := remote(t, true, `{"rbac":{"allow":true,"code":"allow","allowing_roles":["admin","editor"]},
		"abac":{"allow":true,"code":"allow","allowing_rules":[{"userset":"us1","resourceset":"rs1"},{"role":"viewer","resource_type":"document"}]},
		"rebac":{"allow":true,"code":"allow","allowing_roles":[{"role":"owner","resource":"document:d1","sources":["folder:f#owner --parent--> document:d1#owner"]}]}}`)
	x := Explain(d, check(t, "bob", "read", "document:d1", "acme"), nil)
	want := []string{
		"bob has admin in acme, which grants read on document",
		"bob has editor in acme, which grants read on document",
		"bob is in user set us1 and the document is in resource set rs1; a rule gives us1 read on document",
		"bob has role viewer in acme and the rule covers every document; a rule gives viewer read on document",
		"bob has owner on document:d1 through folder:f#owner --parent--> document:d1#owner, which grants read",
	}
	if len(x.AllowedBy) != len(want) {
		t.Fatalf("allowed by %+v", x.AllowedBy)
	}
	for i, w := range want {
		if x.AllowedBy[i].Sentence != w {
			t.Errorf("grant %d\n got %q\nwant %q", i, x.AllowedBy[i].Sentence, w)
		}
	}
	if x.Cards[0].Tone != ToneAllow || x.Cards[0].Title != "Allowed by role admin" || len(x.Cards[0].Details) != 1 {
		t.Errorf("allow card %+v", x.Cards[0])
	}
}

// A remote PDP without PDP_DEBUG answers with no debug object: one card
// says how to turn it on.
func TestDebugOffCard(t *testing.T) {
	for _, o := range []pdp.Outcome{pdp.Allow, pdp.Deny} {
		x := Explain(pdp.Decision{Outcome: o, Status: 200}, check(t, "bob", "read", "document", ""), nil)
		if len(x.Cards) != 1 || x.Cards[0].Code != "debug_off" || !strings.Contains(x.Cards[0].Sentence, "PDP_DEBUG=true") {
			t.Errorf("%s: %+v", o, x.Cards)
		}
	}
}

// Text from a remote party cannot reach a card with its escapes.
func TestRemoteTextIsCleaned(t *testing.T) {
	const evil = "\x1b]52;c;aGk=\x07\x1b[2J"
	d := remote(t, false, fmt.Sprintf(`{"rbac":{"allow":false,"code":"no_role_in_tenant%[1]s","reason":"has roles in: acme%[1]s, x"},
		"abac":{"allow":false,"code":"no_matching_rules","matching_usersets":["us%[1]s"]},
		"rebac":{"allow":true,"code":"allow","allowing_roles":[{"role":"own%[1]ser","resource":"d%[1]s","sources":["a%[1]s"]}]},
		"request":{"user":{"key":"bob","attributes":{"k%[1]s":"v%[1]s"}},"action":"read","resource":{"type":"document"}}}`, jsonEscape(evil)))
	c := check(t, "bob"+evil, "read"+evil, "document", "acme"+evil)
	x := Explain(d, c, nil)
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	var back any
	_ = json.Unmarshal(b, &back)
	s := fmt.Sprint(back)
	if strings.ContainsAny(s, "\x1b\x07") {
		t.Errorf("escapes reached the explanation: %q", s)
	}
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// Errors get one card by kind, with the fix and the action.
func TestErrorCards(t *testing.T) {
	perr := func(k pdp.ErrorKind, status int, msg string) pdp.Decision {
		return pdp.Decision{Outcome: pdp.Error, Status: status, Err: &pdp.TargetError{Kind: k, Status: status, Msg: msg, Retry: 30 * time.Second}}
	}
	cases := []struct {
		name   string
		d      pdp.Decision
		code   string
		title  string
		action ActionKind
	}{
		{"401", perr(pdp.ErrorAuth, 401, "asked for an API key"), "auth", "API key needed", SetToken},
		{"403", perr(pdp.ErrorAuth, 403, "rejected the API key"), "auth", "API key rejected", SetToken},
		{"refused", perr(pdp.ErrorRefused, 0, "refused"), "refused", "Nothing listens there", SwitchTarget},
		{"timeout", perr(pdp.ErrorTimeout, 0, "did not answer within 5s"), "timeout", "No answer in time", RaiseTimeout},
		{"429", perr(pdp.ErrorRateLimited, 429, "rate limiting"), "rate_limited", "Rate limited", RetryLater},
		{"501 from the cloud PDP", perr(pdp.ErrorNoABAC, 501, "does not evaluate ABAC"), "cloud_pdp_not_supporting_abac", "The cloud PDP does no ABAC", SwitchTarget},
		{"404", perr(pdp.ErrorNotSupported, 404, "has no POST /allowed"), "not_supported", "Not supported by this PDP", SwitchTarget},
		{"503", perr(pdp.ErrorServer, 503, "not ready"), "server", "The PDP is not ready", RetryLater},
		{"500", perr(pdp.ErrorServer, 500, "failed"), "server", "The PDP failed", ""},
		{"422", perr(pdp.ErrorBadRequest, 422, "refused the request"), "bad_request", "The PDP refused the request", ""},
		{"bad response", perr(pdp.ErrorBadResponse, 200, "answered HTML"), "bad_response", "Not a decision", ""},
		{"network", perr(pdp.ErrorNetwork, 0, "cannot find the host"), "network", "Network error", ""},
		{"cancelled", perr(pdp.ErrorCanceled, 0, "cancelled"), "canceled", "Cancelled", ""},
		{"a plain cancelled context", pdp.Decision{Outcome: pdp.Error, Err: context.Canceled}, "canceled", "Cancelled", ""},
		{"a plain deadline", pdp.Decision{Outcome: pdp.Error, Err: fmt.Errorf("x: %w", context.DeadlineExceeded)}, "timeout", "No answer in time", RaiseTimeout},
		{"a 501 that is not about ABAC", perr(pdp.ErrorNotSupported, 501, "does not support POST /allowed"), "not_supported", "Not supported by this PDP", SwitchTarget},
		// The kind is set where the error happens (and kept by history):
		// a status or a text without one is not guessed from.
		{"a status without a kind", pdp.Decision{Outcome: pdp.Error, Status: 403, Err: errors.New("rejected")}, "error", "No decision", ""},
		{"a text without a kind", pdp.Decision{Outcome: pdp.Error, Err: errors.New("dial tcp: connection refused")}, "error", "No decision", ""},
		{"anything else", pdp.Decision{Outcome: pdp.Error, Err: errors.New("boom")}, "error", "No decision", ""},
		{"no error at all", pdp.Decision{Outcome: pdp.Error}, "error", "No decision", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := Explain(tc.d, check(t, "bob", "read", "document", ""), nil)
			if len(x.Cards) != 1 {
				t.Fatalf("cards %+v", x.Cards)
			}
			got := x.Cards[0]
			if got.Code != tc.code || got.Title != tc.title || got.Sentence == "" {
				t.Errorf("card %+v", got)
			}
			if tc.action == "" && got.Action != nil || tc.action != "" && (got.Action == nil || got.Action.Kind != tc.action) {
				t.Errorf("action %+v, want %s", got.Action, tc.action)
			}
			if got.Action != nil && got.Action.Kind == RetryLater && tc.code == "rate_limited" && got.Action.Value != 30.0 {
				t.Errorf("retry after %v", got.Action.Value)
			}
		})
	}
}

// pdpx serve is a remote PDP too: its debug object, read back from the wire
// body, gives the same cards without the policy, from its reasons' lists.
func TestServedDebugObject(t *testing.T) {
	cases := []struct {
		c        pdp.Check
		code     string
		sentence string
		action   *Action
	}{
		{check(t, "john@permit.io", "read", "document", ""), "no_role_in_tenant",
			"john@permit.io has no role in default; they have roles in awesome_inc",
			&Action{Kind: RetryInTenant, Field: "tenant", Value: "awesome_inc", Label: "retry in awesome_inc"}},
		{check(t, "john@smith.com", "raed", "document", ""), "no_such_action",
			"document has no action `raed`; did you mean `read`?",
			&Action{Kind: UseName, Field: "action", Value: "read", Label: "use read"}},
		{check(t, "john@smith.com", "read", "documnt", ""), "no_such_resource",
			"there is no resource type `documnt`; did you mean `document`?",
			&Action{Kind: UseName, Field: "resource.type", Value: "document", Label: "use document"}},
		{check(t, "john@smith.com", "read", "document", "defualt"), "no_such_tenant",
			"there is no tenant `defualt`; did you mean `default`?",
			&Action{Kind: UseName, Field: "tenant", Value: "default", Label: "use default"}},
	}
	for _, tc := range cases {
		d := demo().Decide(tc.c)
		var wire struct {
			Debug *pdp.Debug `json:"debug"`
		}
		if err := json.Unmarshal(d.Response, &wire); err != nil {
			t.Fatal(err)
		}
		x := Explain(pdp.Decision{Outcome: d.Outcome, Debug: wire.Debug, Status: 200}, tc.c, nil)
		got := card(t, x, tc.code)
		if got.Sentence != tc.sentence || got.Action == nil || *got.Action != *tc.action {
			t.Errorf("%s: %+v", tc.c, got)
		}
	}
}
