package engine

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// Which blocks appear, as Permit's debugger decides it: rbac when it
// allowed or when neither rbac nor abac did (so beside a ReBAC allow too);
// abac when it allowed or when rbac did not; rebac when it allowed or when
// neither other model did and the environment has relationship tuples.
// ReBAC's deny codes fall in the same order with or without a resource key.
func TestDebugBlocks(t *testing.T) {
	e := rebacFixture()
	tests := []struct {
		name             string
		check            pdp.Check
		rbac, abac, reba string // codes, "" for an absent block
	}{
		{"rbac allows alone", chk("admin@x", "read", "document", "default"), "allow", "", ""},
		{"abac allows alone", chk("alice", "publish", "document:roadmap", "acme"), "", "allow", ""},
		{"a rebac allow hides nothing", chk("jane", "update", "document:roadmap", "default"), "no_user_roles", "no_matching_rules", "allow"},
		{"abac allows where the rbac role lacks the action", chk("multi", "share", "document:roadmap", "default"), "", "allow", ""},
		{"rebac allows by a direct role", chk("dora", "share", "document:roadmap", "default"), "no_user_roles", "no_matching_rules", "allow"},
		{"rbac and rebac allow", chk("multi", "read", "document:roadmap", "acme"), "allow", "", ""},
		{"nothing allows: every block", chk("noroles", "delete", "document:roadmap", "default"), "no_user_roles", "no_matching_rules", "no_permission"},
		{"unknown user denied", chk("nobody", "read", "document:roadmap", "default"), "user_not_synced", "no_matching_rules", "user_not_synced"},
		{"unknown user, no key", chk("nobody", "read", "document", "default"), "user_not_synced", "no_matching_rules", "user_not_synced"},
		{"unknown tenant, no key", chk("noroles", "read", "document", "nosuch"), "no_such_tenant", "no_matching_rules", "no_such_tenant"},
		{"unknown tenant, with key", chk("noroles", "read", "document:roadmap", "nosuch"), "no_such_tenant", "no_matching_rules", "no_such_tenant"},
		{"unknown type, no key", chk("noroles", "read", "spreadsheet", "default"), "no_such_resource", "no_matching_usersets", "no_such_resource"},
		{"unknown action, no key", chk("noroles", "fly", "document", "default"), "no_such_action", "no_matching_rules", "no_such_action"},
		{"empty type", with(chk("noroles", "read", "x", "default"), func(c *pdp.Check) { c.Resource.Type = "" }), "no_such_resource", "no_matching_usersets", "no_such_resource"},
		{"empty user and action", with(chk("x", "x", "document", "default"), func(c *pdp.Check) { c.User.Key, c.Action = "", "" }), "no_such_action", "no_matching_rules", "no_such_action"},
		{"no tenant, no key", chk("noroles", "read", "document", ""), "no_user_roles", "no_matching_rules", "no_permission"},
		{"known user, no key", chk("multi", "delete", "document", "default"), "no_permission", "no_matching_rules", "no_permission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(t, e, tt.check)
			got := []string{blockCode(d.Debug.RBAC), blockCode(d.Debug.ABAC), blockCode(d.Debug.ReBAC)}
			want := []string{tt.rbac, tt.abac, tt.reba}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("blocks %v, want %v", got, want)
			}
		})
	}
}

func blockCode(r *pdp.Reason) string {
	if r == nil {
		return ""
	}
	return r.Code
}

func TestDebugBlocksWhenTwoModelsAllow(t *testing.T) {
	// admin@x deletes the roadmap by RBAC; give them a direct owner role
	// too: both blocks appear, ABAC's does not (it did not allow, and RBAC did).
	p := fixture()
	p.Users["admin@x"].Roles = append(p.Users["admin@x"].Roles, instRoleOn("owner", "document:roadmap"))
	d := decide(t, New(p), chk("admin@x", "delete", "document:roadmap", "default"))
	if code(d.Debug.RBAC) != "allow" || code(d.Debug.ReBAC) != "allow" || d.Debug.ABAC != nil {
		t.Errorf("blocks rbac %s abac %s rebac %s", code(d.Debug.RBAC), code(d.Debug.ABAC), code(d.Debug.ReBAC))
	}
}

func TestDecisionEnvelope(t *testing.T) {
	c := chk("admin@x", "read", "document:roadmap", "default")
	c.Context = map[string]any{"ip": "10.0.0.1"}
	d := decide(t, fixtureEngine, c)
	if string(d.Request) != string(c.Body()) {
		t.Errorf("request %s", d.Request)
	}
	if d.Latency <= 0 || d.Latency > time.Second {
		t.Errorf("latency %v", d.Latency)
	}
	if d.Err != nil || d.Status != 0 {
		t.Errorf("err %v status %d", d.Err, d.Status)
	}
	var body struct {
		Allow  *bool `json:"allow"`
		Result *bool `json:"result"`
		Debug  struct {
			Request map[string]any `json:"request"`
			RBAC    struct {
				Allow         bool     `json:"allow"`
				Code          string   `json:"code"`
				AllowingRoles []string `json:"allowing_roles"`
			} `json:"rbac"`
			ABAC  *json.RawMessage `json:"abac"`
			ReBAC *json.RawMessage `json:"rebac"`
		} `json:"debug"`
	}
	if err := json.Unmarshal(d.Response, &body); err != nil {
		t.Fatalf("response %s: %v", d.Response, err)
	}
	if body.Allow == nil || !*body.Allow || body.Result == nil || !*body.Result {
		t.Errorf("allow/result in %s", d.Response)
	}
	// RBAC's allowing_roles are bare role keys on the wire.
	if body.Debug.RBAC.Code != "allow" || len(body.Debug.RBAC.AllowingRoles) != 1 || body.Debug.RBAC.AllowingRoles[0] != "admin" {
		t.Errorf("rbac on the wire %+v (%s)", body.Debug.RBAC, d.Response)
	}
	if body.Debug.ABAC != nil || body.Debug.ReBAC != nil {
		t.Errorf("absent blocks on the wire: %s", d.Response)
	}
	if body.Debug.Request["tenant"] != "default" || body.Debug.Request["context"].(map[string]any)["ip"] != "10.0.0.1" {
		t.Errorf("request on the wire %v", body.Debug.Request)
	}
	// The wire body decodes back into the same debug object.
	var back struct{ Debug pdp.Debug }
	if err := json.Unmarshal(d.Response, &back); err != nil || back.Debug.RBAC.AllowingRoles[0].Role != "admin" {
		t.Errorf("round trip: %v %+v", err, back.Debug.RBAC)
	}

	deny := decide(t, fixtureEngine, chk("noroles", "delete", "document:roadmap", "default"))
	if !strings.HasPrefix(string(deny.Response), `{"allow":false,"result":false,"debug":{`) {
		t.Errorf("deny response %s", deny.Response)
	}
	for _, r := range []*pdp.Reason{deny.Debug.RBAC, deny.Debug.ABAC, deny.Debug.ReBAC} {
		if r.SupportLink != "https://docs.permit.io/errors/"+r.Code || r.Reason == "" {
			t.Errorf("block %+v", r)
		}
	}
}

func TestResponseBodyKeepsAnswerOnBadValues(t *testing.T) {
	c := chk("admin@x", "read", "document", "default")
	c.Context = map[string]any{"f": func() {}}
	d := fixtureEngine.Decide(c)
	if string(d.Response) != `{"allow":true,"result":true}` {
		t.Errorf("response %s", d.Response)
	}
}

func TestReasonsNameTheParts(t *testing.T) {
	d := decide(t, fixtureEngine, chk("multi", "delete", "document", "default"))
	for _, part := range []string{"'multi'", "'viewer'", "'default'", "'delete'", "'document'"} {
		if !strings.Contains(d.Debug.RBAC.Reason, part) {
			t.Errorf("rbac reason %q lacks %s", d.Debug.RBAC.Reason, part)
		}
	}
}
