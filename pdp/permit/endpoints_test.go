package permit

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

func TestCheckAllowSendsWhatTheSDKsSend(t *testing.T) {
	t.Parallel()
	const resp = `{"allow": true, "result": true, "query": {"user": {"key": "bob"}}}`
	c, f := newFake(t, answer(200, resp))
	ch := sampleCheck()

	d := c.Check(context.Background(), ch)

	if d.Outcome != pdp.Allow || d.Err != nil {
		t.Fatalf("outcome %v, err %v", d.Outcome, d.Err)
	}
	r := f.last(t)
	if r.Method != http.MethodPost || r.Path != "/allowed" {
		t.Errorf("sent %s %s, want POST /allowed", r.Method, r.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
		t.Errorf("Authorization = %q, want exactly %q", got, "Bearer "+testToken)
	}
	for h, want := range map[string]string{
		"Content-Type": "application/json",
		"Accept":       "application/json",
		"User-Agent":   "pdpx/" + Version,
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if !bytes.Equal(r.Body, ch.Body()) {
		t.Errorf("body sent\n%s\nwant c.Body()\n%s", r.Body, ch.Body())
	}
	if !bytes.Equal(d.Request, r.Body) {
		t.Errorf("Decision.Request %s is not the bytes sent %s", d.Request, r.Body)
	}
	if string(d.Response) != resp {
		t.Errorf("Decision.Response %q is not the bytes received %q", d.Response, resp)
	}
	if d.Status != 200 || d.Latency <= 0 || d.Debug != nil {
		t.Errorf("status %d, latency %v, debug %+v", d.Status, d.Latency, d.Debug)
	}
	if want := "pdp: " + strings.TrimPrefix(f.srv.URL, "http://"); d.Target != want {
		t.Errorf("Target = %q, want %q", d.Target, want)
	}
}

func TestCheckDenyWithDebug(t *testing.T) {
	t.Parallel()
	// As a PDP with PDP_DEBUG answers: rbac allowing_roles are bare keys,
	// rebac ones are objects.
	const resp = `{"allow": false, "result": false, "debug": {
	  "request": {"user": {"key": "bob", "synced": true, "attributes": {"roles": ["viewer"]}},
	              "tenant": "acme", "action": "delete", "resource": {"type": "document", "key": "d1"}},
	  "rbac": {"allow": false, "code": "no_permission", "reason": "bob's role viewer grants no delete on document",
	           "support_link": "https://docs.permit.io/errors/no_permission", "allowing_roles": ["editor", "owner"]},
	  "abac": {"allow": false, "code": "no_matching_rules", "reason": "no rule", "matching_usersets": ["eng"], "matching_resourcesets": []},
	  "rebac": {"allow": false, "code": "no_permission", "reason": "no role",
	            "allowing_roles": [{"role": "editor", "resource": "folder:f1", "sources": ["folder:f1#editor --parent--> document:d1#editor"]}],
	            "some_future_field": {"x": 1}}}}`
	c, _ := newFake(t, answer(200, resp))

	d := c.Check(context.Background(), sampleCheck())

	if d.Outcome != pdp.Deny || d.Err != nil {
		t.Fatalf("outcome %v, err %v", d.Outcome, d.Err)
	}
	if d.Debug == nil || d.Debug.RBAC == nil || d.Debug.ABAC == nil || d.Debug.ReBAC == nil || d.Debug.Request == nil {
		t.Fatalf("debug not decoded: %+v", d.Debug)
	}
	if got := d.Debug.RBAC.AllowingRoles; len(got) != 2 || got[0].Role != "editor" || got[1].Role != "owner" {
		t.Errorf("rbac allowing_roles = %+v", got)
	}
	want := pdp.AllowingRole{Role: "editor", Resource: "folder:f1", Sources: []string{"folder:f1#editor --parent--> document:d1#editor"}}
	if got := d.Debug.ReBAC.AllowingRoles; len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("rebac allowing_roles = %+v, want %+v", got, want)
	}
	if d.Debug.RBAC.Code != "no_permission" || d.Debug.Request.Tenant != "acme" || !d.Debug.Request.User.Synced {
		t.Errorf("debug = %+v / %+v", d.Debug.RBAC, d.Debug.Request)
	}
	if got := d.Debug.ABAC.MatchingUsersets; len(got) != 1 || got[0] != "eng" {
		t.Errorf("abac matching_usersets = %v", got)
	}
}

func TestCheckReadsResultWhenAllowIsMissing(t *testing.T) {
	t.Parallel()
	c, _ := newFake(t, answer(200, `{"result": true}`))
	if d := c.Check(context.Background(), sampleCheck()); d.Outcome != pdp.Allow {
		t.Fatalf("outcome %v (%v), want allow from result", d.Outcome, d.Err)
	}
}

func TestCloudABACCodeIsADeny(t *testing.T) {
	t.Parallel()
	// The cloud PDP answers 200 and says in the abac block that it did not
	// evaluate ABAC. RBAC and ReBAC did run, so it is a real deny; the
	// explainer says why ABAC did not count.
	c, _ := newFake(t, answer(200, `{"allow": false, "debug": {"abac": {"allow": false, "code": "cloud_pdp_not_supporting_abac", "reason": "no ABAC in the cloud"}}}`), WithCloud())
	d := c.Check(context.Background(), sampleCheck())
	if d.Outcome != pdp.Deny || d.Err != nil {
		t.Fatalf("outcome %v, err %v", d.Outcome, d.Err)
	}
	if !pdp.ABACUnsupported(d) {
		t.Error("ABACUnsupported = false for a cloud_pdp_not_supporting_abac deny")
	}
	if d.Target != "cloud PDP: "+strings.TrimPrefix(c.URL(), "http://") {
		t.Errorf("Target = %q", d.Target)
	}
}

func TestBulkInOrder(t *testing.T) {
	t.Parallel()
	// Allow, deny, allow: an answer whose order shows.
	c, f := newFake(t, answer(200, `{"allow": [{"allow": true, "result": true}, {"allow": false, "result": false, "debug": {"rbac": {"allow": false, "code": "no_role_in_tenant"}}}, {"allow": true}]}`))
	cs := []pdp.Check{sampleCheck(), sampleCheck(), sampleCheck()}
	cs[1].User.Key = "alice"
	cs[2].Resource.Tenant = ""

	ds, err := c.Bulk(context.Background(), cs)
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if r.Path != "/allowed/bulk" || !bytes.Equal(r.Body, pdp.BulkBody(cs)) {
		t.Errorf("sent %s %s, want /allowed/bulk %s", r.Path, r.Body, pdp.BulkBody(cs))
	}
	want := []pdp.Outcome{pdp.Allow, pdp.Deny, pdp.Allow}
	for i, d := range ds {
		if d.Outcome != want[i] || d.Err != nil {
			t.Errorf("decision %d: %v %v, want %v", i, d.Outcome, d.Err, want[i])
		}
		if !bytes.Equal(d.Request, cs[i].Body()) {
			t.Errorf("decision %d: Request %s, want its check's body", i, d.Request)
		}
		if d.Status != 200 || d.Target == "" {
			t.Errorf("decision %d: status %d target %q", i, d.Status, d.Target)
		}
	}
	if string(ds[2].Response) != `{"allow": true}` {
		t.Errorf("decision 2 Response = %q, want its element", ds[2].Response)
	}
	if ds[1].Debug == nil || ds[1].Debug.RBAC.Code != "no_role_in_tenant" {
		t.Errorf("decision 1 debug = %+v", ds[1].Debug)
	}
	// The bulk body is the array of the single bodies, so each Request is
	// exactly a slice of what was sent.
	var elems []json.RawMessage
	if err := json.Unmarshal(r.Body, &elems); err != nil || len(elems) != 3 || !bytes.Equal(elems[1], ds[1].Request) {
		t.Errorf("bulk body elements %s do not match the Requests", elems)
	}
}

func TestBulkCountMismatchIsAnError(t *testing.T) {
	t.Parallel()
	c, _ := newFake(t, answer(200, `{"allow": [{"allow": true}]}`))
	ds, err := c.Bulk(context.Background(), []pdp.Check{sampleCheck(), sampleCheck()})
	e := asError(t, err, pdp.ErrorBadResponse)
	contains(t, e.Msg, "1 decisions for 2 checks", c.URL())
	if len(ds) != 2 {
		t.Fatalf("%d decisions, want one per check", len(ds))
	}
	for i, d := range ds {
		errDecision(t, d, pdp.ErrorBadResponse)
		if d.Outcome == pdp.Deny {
			t.Errorf("decision %d is a deny", i)
		}
	}
}

func TestBulkOneBrokenElement(t *testing.T) {
	t.Parallel()
	c, _ := newFake(t, answer(200, `{"allow": [{"allow": true}, {"allow": "yes"}]}`))
	ds, err := c.Bulk(context.Background(), []pdp.Check{sampleCheck(), sampleCheck()})
	if err != nil {
		t.Fatalf("err %v: the request succeeded, only one element is broken", err)
	}
	if ds[0].Outcome != pdp.Allow {
		t.Errorf("decision 0 = %v", ds[0].Outcome)
	}
	e := errDecision(t, ds[1], pdp.ErrorBadResponse)
	contains(t, e.Msg, "check 2 of 2", `"allow": "yes" (a string)`)
}

func TestBulkOfNothingSendsNothing(t *testing.T) {
	t.Parallel()
	c, f := newFake(t, answer(500, `{}`))
	ds, err := c.Bulk(context.Background(), nil)
	if err != nil || ds == nil || len(ds) != 0 {
		t.Fatalf("Bulk(nil) = %v, %v", ds, err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for no checks", n)
	}
}

func TestBulkTransportErrorMarksEveryDecision(t *testing.T) {
	t.Parallel()
	c, _ := newFake(t, answer(403, `{"detail": "invalid api key"}`))
	ds, err := c.Bulk(context.Background(), []pdp.Check{sampleCheck(), sampleCheck()})
	asError(t, err, pdp.ErrorAuth)
	for _, d := range ds {
		errDecision(t, d, pdp.ErrorAuth)
		if d.Status != 403 {
			t.Errorf("status %d", d.Status)
		}
	}
}

func TestAllTenants(t *testing.T) {
	t.Parallel()
	c, f := newFake(t, answer(200, `{"allowed_tenants": [
	  {"allow": true, "result": true, "tenant": {"key": "acme", "attributes": {"tier": "gold"}}},
	  {"allow": true, "result": true, "debug": {"rbac": {"allow": true, "code": "allow", "allowing_roles": ["admin"]}}, "tenant": {"key": "globex", "attributes": {}}}]}`))
	ch := sampleCheck()

	tds, err := c.AllTenants(context.Background(), ch)
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if r.Path != "/allowed/all-tenants" || !bytes.Equal(r.Body, ch.Body()) {
		t.Errorf("sent %s %s", r.Path, r.Body)
	}
	if len(tds) != 2 || tds[0].Tenant != "acme" || tds[1].Tenant != "globex" {
		t.Fatalf("tenants = %+v", tds)
	}
	if tds[0].TenantAttributes["tier"] != "gold" {
		t.Errorf("acme attributes = %v", tds[0].TenantAttributes)
	}
	for _, td := range tds {
		if td.Decision.Outcome != pdp.Allow || !bytes.Equal(td.Decision.Request, ch.Body()) {
			t.Errorf("%s: %v request %s", td.Tenant, td.Decision.Outcome, td.Decision.Request)
		}
	}
	if d := tds[1].Decision.Debug; d == nil || d.RBAC.AllowingRoles[0].Role != "admin" {
		t.Errorf("globex debug = %+v", d)
	}
}

func TestAllTenantsNone(t *testing.T) {
	t.Parallel()
	c, _ := newFake(t, answer(200, `{"allowed_tenants": []}`))
	tds, err := c.AllTenants(context.Background(), sampleCheck())
	if err != nil || tds == nil || len(tds) != 0 {
		t.Fatalf("= %v, %v; want an empty list", tds, err)
	}
}

func TestAllTenantsWrongShape(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"allow": true}`, `{"allowed_tenants": [{"allow": true}]}`, `{"allowed_tenants": 3}`} {
		c, _ := newFake(t, answer(200, body))
		_, err := c.AllTenants(context.Background(), sampleCheck())
		asError(t, err, pdp.ErrorBadResponse)
	}
}

func TestAllTenantsOnTheCloud(t *testing.T) {
	t.Parallel()
	c, _ := newFake(t, answer(501, `{"detail": "not implemented"}`), WithCloud())
	_, err := c.AllTenants(context.Background(), sampleCheck())
	e := asError(t, err, pdp.ErrorNotSupported)
	contains(t, e.Msg, "cloud PDP", "all tenants", "permitio/pdp-v2", "embedded engine")
}

func TestUserPermissions(t *testing.T) {
	t.Parallel()
	c, f := newFake(t, answer(200, `{
	  "__tenant:acme": {"tenant": {"key": "acme", "attributes": {}}, "permissions": ["document:read", "document:create"], "roles": ["editor"]},
	  "document:d1": {"resource": {"key": "d1", "type": "document", "attributes": {"owner": "bob"}}, "permissions": ["document:delete"]}}`))
	q := pdp.PermissionsQuery{User: pdp.User{Key: "bob"}, Tenants: []string{"acme"}, Resources: []string{"document:d1"}}

	perms, err := c.UserPermissions(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	want, _ := json.Marshal(q)
	if r.Path != "/user-permissions" || !bytes.Equal(r.Body, want) {
		t.Errorf("sent %s %s, want %s", r.Path, r.Body, want)
	}
	var sent map[string]any
	_ = json.Unmarshal(r.Body, &sent)
	if u, _ := sent["user"].(map[string]any); u["key"] != "bob" || sent["tenants"] == nil || sent["resources"] == nil {
		t.Errorf("body %s lacks user.key, tenants or resources", r.Body)
	}
	acme := perms["__tenant:acme"]
	if acme.Tenant == nil || acme.Tenant.Key != "acme" || len(acme.Permissions) != 2 || acme.Roles[0] != "editor" {
		t.Errorf("acme = %+v", acme)
	}
	d1 := perms["document:d1"]
	if d1.Resource == nil || d1.Resource.Type != "document" || d1.Resource.Attributes["owner"] != "bob" || d1.Permissions[0] != "document:delete" {
		t.Errorf("d1 = %+v", d1)
	}
}

func TestUserPermissionsWrongShape(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`[]`, `{"x": 5}`, `{"x": {"permissions": "all"}}`, `"no"`} {
		c, _ := newFake(t, answer(200, body))
		_, err := c.UserPermissions(context.Background(), pdp.PermissionsQuery{User: pdp.User{Key: "bob"}})
		asError(t, err, pdp.ErrorBadResponse)
	}
}

func TestAuthorizedUsers(t *testing.T) {
	t.Parallel()
	c, f := newFake(t, answer(200, `{"resource": "document:d1", "tenant": "acme", "users": {
	  "bob": [{"user": "bob", "tenant": "acme", "resource": "__tenant:acme", "role": "editor"}],
	  "carol": [{"user": "carol", "tenant": "acme", "resource": "document:d1", "role": "owner"}]}}`))
	q := pdp.AuthorizedUsersQuery{Action: "read", Resource: pdp.Resource{Type: "document", Key: "d1", Tenant: "acme"}}

	au, err := c.AuthorizedUsers(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if r.Path != "/authorized_users" {
		t.Errorf("sent to %s", r.Path)
	}
	if want := `{"action":"read","resource":{"type":"document","key":"d1","tenant":"acme"},"context":{}}`; string(r.Body) != want {
		t.Errorf("body %s, want %s", r.Body, want)
	}
	if au.Resource != "document:d1" || au.Tenant != "acme" || len(au.Users) != 2 || au.Users["carol"][0].Role != "owner" {
		t.Errorf("answer = %+v", au)
	}
}

func TestAuthorizedUsersWrongShape(t *testing.T) {
	t.Parallel()
	c, _ := newFake(t, answer(200, `{"users": ["bob"]}`))
	_, err := c.AuthorizedUsers(context.Background(), pdp.AuthorizedUsersQuery{Action: "read", Resource: pdp.Resource{Type: "document"}})
	asError(t, err, pdp.ErrorBadResponse)
}

func TestHealth(t *testing.T) {
	t.Parallel()
	c, f := newFake(t, answer(200, `{"status": "ok"}`))
	if err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if r.Method != http.MethodGet || r.Path != "/healthy" {
		t.Errorf("sent %s %s, want GET /healthy", r.Method, r.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
		t.Errorf("Authorization = %q on /healthy", got)
	}
}

func TestHealthFallsBackToHealth(t *testing.T) {
	t.Parallel()
	c, f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			answer(200, `{"status":"ok"}`)(w, r)
			return
		}
		http.NotFound(w, r)
	})
	if err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rs := f.requests(); len(rs) != 2 || rs[0].Path != "/healthy" || rs[1].Path != "/health" {
		t.Errorf("requests = %+v", rs)
	}
}

func TestHealthNotReady(t *testing.T) {
	t.Parallel()
	c, _ := newFake(t, answer(503, `{"status": "not ready"}`))
	e := asError(t, c.Health(context.Background()), pdp.ErrorServer)
	contains(t, e.Msg, "not ready (HTTP 503)", c.URL())
}

func TestPathPrefixIsKept(t *testing.T) {
	t.Parallel()
	_, f := newFake(t, answer(200, `{"allow": true}`))
	c, err := New(f.srv.URL+"/pdp/", testToken)
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Check(context.Background(), sampleCheck()); d.Outcome != pdp.Allow {
		t.Fatal(d.Err)
	}
	if p := f.last(t).Path; p != "/pdp/allowed" {
		t.Errorf("path = %q, want /pdp/allowed", p)
	}
}
