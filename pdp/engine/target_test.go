package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

func TestTarget(t *testing.T) {
	tg := NewTarget(fixtureEngine, "fixture.yaml", "/tmp/fixture.yaml")
	info := tg.Describe()
	if info != (pdp.TargetInfo{Kind: pdp.KindEmbedded, Name: "embedded: fixture.yaml", URL: "/tmp/fixture.yaml", ABAC: true, Debug: true, Trace: true}) {
		t.Errorf("describe %+v", info)
	}
	if tg.Engine() != fixtureEngine {
		t.Error("Engine")
	}
	ctx := context.Background()
	d := tg.Check(ctx, chk("admin@x", "read", "document", "default"))
	if d.Outcome != pdp.Allow || d.Target != "embedded: fixture.yaml" || d.Debug == nil || d.Trace == nil {
		t.Errorf("check %+v", d)
	}
	if err := tg.Health(ctx); err != nil {
		t.Error(err)
	}

	ds, err := tg.Bulk(ctx, []pdp.Check{chk("admin@x", "read", "document", "default"), chk("nobody", "read", "document", "default")})
	if err != nil || len(ds) != 2 || ds[0].Outcome != pdp.Allow || ds[1].Outcome != pdp.Deny || ds[1].Target != info.Name {
		t.Errorf("bulk %v %+v", err, ds)
	}
	if ds, err := tg.Bulk(ctx, nil); err != nil || len(ds) != 0 {
		t.Errorf("empty bulk %v %v", ds, err)
	}
	perms, err := tg.UserPermissions(ctx, pdp.PermissionsQuery{User: pdp.User{Key: "multi"}})
	// multi: two tenants, and share on the roadmap (ABAC: a viewer in default, an approved document).
	if err != nil || len(perms) != 3 || !slices.Equal(perms["document:roadmap"].Permissions, []string{"document:read", "document:share"}) {
		t.Errorf("permissions %v %v", perms, err)
	}
	all, err := tg.AllTenants(ctx, chk("multi", "read", "document", ""))
	if err != nil || len(all) != 2 || all[0].Decision.Target != info.Name {
		t.Errorf("all tenants %v %+v", err, all)
	}
	au, err := tg.AuthorizedUsers(ctx, pdp.AuthorizedUsersQuery{Action: "read", Resource: pdp.Resource{Type: "document", Tenant: "default"}})
	if err != nil || len(au.Users) != 2 || au.Users["multi"][0].Role != "viewer" {
		t.Errorf("authorized users %v %s", err, mustJSON(t, au))
	}
}

func TestTargetCancelled(t *testing.T) {
	tg := NewTarget(fixtureEngine, "demo policy", "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := chk("admin@x", "read", "document", "default")
	d := tg.Check(ctx, c)
	if d.Outcome != pdp.Error || !errors.Is(d.Err, context.Canceled) || d.ErrorText() != context.Canceled.Error() || d.Target != "embedded: demo policy" {
		t.Errorf("cancelled check %+v", d)
	}
	if string(d.Request) != string(c.Body()) {
		t.Errorf("request %s", d.Request)
	}
	if _, err := tg.Bulk(ctx, []pdp.Check{c}); !errors.Is(err, context.Canceled) {
		t.Errorf("bulk %v", err)
	}
	if _, err := tg.UserPermissions(ctx, pdp.PermissionsQuery{}); !errors.Is(err, context.Canceled) {
		t.Errorf("permissions %v", err)
	}
	if _, err := tg.AllTenants(ctx, c); !errors.Is(err, context.Canceled) {
		t.Errorf("all tenants %v", err)
	}
	if _, err := tg.AuthorizedUsers(ctx, pdp.AuthorizedUsersQuery{}); !errors.Is(err, context.Canceled) {
		t.Errorf("authorized users %v", err)
	}
	dl, cancel2 := context.WithTimeout(context.Background(), 0)
	defer cancel2()
	if d := tg.Check(dl, c); d.Outcome != pdp.Error || !errors.Is(d.Err, context.DeadlineExceeded) {
		t.Errorf("expired check %+v", d)
	}
}

// The engine is immutable: many goroutines deciding at once (run with
// -race) get the same answers as one goroutine does.
func TestConcurrentDecide(t *testing.T) {
	e := rebacFixture()
	var checks []pdp.Check
	for _, u := range append(e.Users(), "nobody") {
		for _, res := range []string{"document", "document:roadmap", "folder:plans", "document:cycdoc", "document:acmedoc", "folder"} {
			for _, a := range []string{"read", "update", "share", "publish", "create"} {
				for _, tn := range []string{"default", "acme", ""} {
					c := chk(u, a, res, tn)
					c.User.Attributes = map[string]any{"department": "Engineering", "location": "England"}
					checks = append(checks, c)
				}
			}
		}
	}
	want := make([]string, len(checks))
	for i, c := range checks {
		want[i] = string(e.Decide(c).Response)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := range checks {
				i := (k*7 + g*13) % len(checks)
				c := checks[i]
				if got := string(e.Decide(c).Response); got != want[i] {
					errs <- fmt.Errorf("%s: %s, want %s", c, got, want[i])
					return
				}
				if e.Allowed(&c) != (e.Decide(c).Outcome == pdp.Allow) {
					errs <- fmt.Errorf("%s: Allowed and Decide disagree", c)
					return
				}
			}
			e.AllTenants(checks[g])
			e.UserPermissions(pdp.PermissionsQuery{User: checks[g*50].User})
			e.AuthorizedUsers(pdp.AuthorizedUsersQuery{Action: checks[g*50].Action, Resource: checks[g*50].Resource})
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
