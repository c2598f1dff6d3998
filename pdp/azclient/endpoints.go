package azclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/authzen"
)

// decision starts a Decision for an exchange: an Error until a decision is
// read, carrying what was sent and received.
func (c *Client) decision(req []byte, ex *exchange) pdp.Decision {
	d := pdp.Decision{Outcome: pdp.Error, Request: req, Target: c.info.Name}
	if ex != nil {
		d.Response, d.Status, d.Latency = ex.resp, ex.status, ex.latency
	}
	return d
}

// body is the AuthZEN request for a check, as JSON.
func (c *Client) body(ch pdp.Check) ([]byte, error) {
	b, err := authzen.FromCheck(ch).Body()
	if err != nil {
		// Only an attribute JSON cannot hold (a NaN) gets here.
		return nil, &pdp.TargetError{Kind: pdp.ErrorBadRequest, URL: c.base, Msg: "cannot send the check to " + c.base + ": " + err.Error(), Cause: err}
	}
	return b, nil
}

// apply puts one answer in d: the outcome and its reasons, or, for a
// decision whose context reports an error, an Error (a closed decision is
// not a deny: nothing was decided). what names the check in a batch.
func (c *Client) apply(d *pdp.Decision, a authzen.Answer, what string) {
	if a.Outcome == pdp.Error {
		kind := pdp.ErrorServer
		if a.Status >= 400 && a.Status < 500 {
			kind = pdp.ErrorBadRequest
		}
		msg := fmt.Sprintf("the AuthZEN PDP at %s could not evaluate %s", c.base, what)
		if a.Status != 0 {
			msg += fmt.Sprintf(" (status %d)", a.Status)
		}
		if a.Message != "" {
			msg += ": " + c.redactString(a.Message)
		}
		d.Err = &pdp.TargetError{Kind: kind, Status: a.Status, URL: c.base, Msg: msg, Detail: c.redactString(a.Message)}
		return
	}
	d.Outcome, d.Debug, d.Reasons = a.Outcome, a.Debug, a.Reasons
	for i, r := range d.Reasons {
		d.Reasons[i] = c.redactString(r)
	}
}

// Check asks the access evaluation API. The decision is Allow or Deny only
// for HTTP 200 with a boolean decision and no error in its context.
func (c *Client) Check(ctx context.Context, ch pdp.Check) pdp.Decision {
	body, err := c.body(ch)
	if err != nil {
		d := c.decision(nil, nil)
		d.Err = err
		return d
	}
	ep, err := c.endpoints(ctx)
	if err != nil {
		d := c.decision(body, nil)
		d.Err = err
		return d
	}
	return c.check(ctx, ep, body)
}

func (c *Client) check(ctx context.Context, ep *endpoints, body []byte) pdp.Decision {
	ex, err := c.do(ctx, http.MethodPost, ep.evaluation, body)
	d := c.decision(body, ex)
	if err != nil {
		d.Err = err
		return d
	}
	if p := jsonProblem(ex.resp); p != "" {
		d.Err = c.badResponse(ex, p)
		return d
	}
	a, p := authzen.ReadDecision(ex.resp)
	if p != "" {
		d.Err = c.badResponse(ex, p)
		return d
	}
	c.apply(&d, a, "the check")
	return d
}

// Bulk decides cs in order: in evaluations requests of BatchSize checks
// (execute_all, every item whole, so each Decision's Request is that
// check's own evaluation body), or one evaluation at a time when the PDP
// offers no evaluations API. Each Decision's Response is its item of the
// answer; Status and Latency are its request's.
//
// When a request as a whole fails, the Decisions it carried and those
// after it are Errors with the same error, which is returned. An item
// whose context reports an error is an Error of its own, and the returned
// error is nil.
func (c *Client) Bulk(ctx context.Context, cs []pdp.Check) ([]pdp.Decision, error) {
	ds := make([]pdp.Decision, len(cs))
	if len(cs) == 0 {
		return ds, nil
	}
	reqs := make([]authzen.Request, len(cs))
	bodies := make([][]byte, len(cs))
	for i, ch := range cs {
		b, err := c.body(ch)
		if err != nil {
			return c.failFrom(ds, bodies, 0, err)
		}
		reqs[i], bodies[i] = authzen.FromCheck(ch), b
	}
	ep, err := c.endpoints(ctx)
	if err != nil {
		return c.failFrom(ds, bodies, 0, err)
	}
	for start := 0; start < len(cs); start += BatchSize {
		end := min(start+BatchSize, len(cs))
		if ep.evaluations == "" {
			if err := c.each(ctx, ep, bodies[start:], ds[start:]); err != nil {
				return ds, err
			}
			return ds, nil
		}
		body, _ := json.Marshal(authzen.EvaluationsRequest{Evaluations: reqs[start:end], Options: &authzen.Options{EvaluationsSemantic: authzen.ExecuteAll}})
		ex, err := c.do(ctx, http.MethodPost, ep.evaluations, body)
		if err != nil && !ep.fromMetadata && pdp.ErrorKindOf(err) == pdp.ErrorNotSupported {
			// No metadata, and nothing at the default path: ask one by one
			// from now on.
			ep = c.withoutBatches()
			start -= BatchSize
			continue
		}
		if err == nil {
			err = c.readBatch(ex, bodies[start:end], ds[start:end])
		}
		if err != nil {
			return c.failFrom(ds, bodies, start, err)
		}
	}
	return ds, nil
}

// withoutBatches remembers that the PDP has no evaluations API and
// returns the endpoints that say so. Endpoints are never changed once
// shared: a copy replaces them.
func (c *Client) withoutBatches() *endpoints {
	c.mu.Lock()
	defer c.mu.Unlock()
	ep := &endpoints{}
	if c.ep != nil {
		*ep = *c.ep
	}
	ep.evaluations = ""
	c.ep = ep
	return ep
}

// failFrom makes ds[from:] Errors carrying err, and returns err.
func (c *Client) failFrom(ds []pdp.Decision, bodies [][]byte, from int, err error) ([]pdp.Decision, error) {
	for i := from; i < len(ds); i++ {
		if ds[i].Outcome != pdp.Error || ds[i].Err == nil {
			ds[i] = c.decision(bodies[i], nil)
			ds[i].Err = err
		}
	}
	return ds, err
}

// readBatch reads an evaluations answer into ds, one item per check.
func (c *Client) readBatch(ex *exchange, bodies [][]byte, ds []pdp.Decision) error {
	if p := jsonProblem(ex.resp); p != "" {
		return c.badResponse(ex, p)
	}
	var top struct {
		Evaluations json.RawMessage `json:"evaluations"`
	}
	var items []json.RawMessage
	if json.Unmarshal(ex.resp, &top) != nil || json.Unmarshal(top.Evaluations, &items) != nil || items == nil {
		return c.badResponse(ex, `JSON without an "evaluations" list of decisions`)
	}
	if len(items) != len(bodies) {
		return c.badResponse(ex, fmt.Sprintf("%d decisions for %d checks", len(items), len(bodies)))
	}
	for i, it := range items {
		d := c.decision(bodies[i], ex)
		d.Response = bytes.Clone(it)
		what := fmt.Sprintf("check %d of %d", i+1, len(bodies))
		if a, p := authzen.ReadDecision(it); p != "" {
			d.Err = c.badResponse(ex, "for "+what+" "+p)
		} else {
			c.apply(&d, a, what)
		}
		ds[i] = d
	}
	return nil
}

// each decides one evaluation at a time, a few at once. It stops at the
// first error that is not the decision's own (a refusal, a timeout): the
// rest are Errors with it.
func (c *Client) each(ctx context.Context, ep *endpoints, bodies [][]byte, ds []pdp.Decision) error {
	const workers = 4
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		next  = make(chan int)
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d := c.check(ctx, ep, bodies[i])
				ds[i] = d
				if err := transportFailure(d); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range bodies {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		for i := range ds {
			if ds[i].Target == "" {
				ds[i] = c.decision(bodies[i], nil)
				ds[i].Err = first
			}
		}
	}
	return first
}

// transportFailure is a decision's error when it is not about the check
// itself: the request failed as a whole.
func transportFailure(d pdp.Decision) error {
	var te *pdp.TargetError
	if d.Outcome != pdp.Error || !errors.As(d.Err, &te) {
		return nil
	}
	switch te.Kind {
	case pdp.ErrorBadResponse:
		return nil
	case pdp.ErrorBadRequest, pdp.ErrorServer:
		if d.Status == http.StatusOK {
			return nil // the item's own error, in its context
		}
	}
	return d.Err
}

// search runs one search to its last page (at most MaxPages) and returns
// the raw results.
func (c *Client) search(ctx context.Context, url, api string, req authzen.SearchRequest) ([]json.RawMessage, error) {
	if url == "" {
		return nil, &pdp.TargetError{Kind: pdp.ErrorNotSupported, URL: c.base,
			Msg: fmt.Sprintf("the AuthZEN PDP at %s offers no %s search (its metadata names no %s)", c.base, api, "search_"+api+"_endpoint")}
	}
	var out []json.RawMessage
	seen := map[string]bool{}
	for range MaxPages {
		body, err := json.Marshal(req)
		if err != nil {
			return nil, &pdp.TargetError{Kind: pdp.ErrorBadRequest, URL: c.base, Msg: "cannot send the search to " + c.base + ": " + err.Error(), Cause: err}
		}
		ex, err := c.do(ctx, http.MethodPost, url, body)
		if err != nil {
			return nil, err
		}
		if p := jsonProblem(ex.resp); p != "" {
			return nil, c.badResponse(ex, p)
		}
		var page struct {
			Page *struct {
				NextToken *string `json:"next_token"`
			} `json:"page"`
			Results []json.RawMessage `json:"results"`
		}
		if json.Unmarshal(ex.resp, &page) != nil || page.Results == nil {
			return nil, c.badResponse(ex, `JSON without a "results" list`)
		}
		out = append(out, page.Results...)
		if page.Page == nil || page.Page.NextToken == nil || *page.Page.NextToken == "" {
			return out, nil
		}
		tok := *page.Page.NextToken
		if seen[tok] {
			return nil, c.badResponse(ex, "the same page token twice")
		}
		seen[tok] = true
		if req.Page == nil {
			req.Page = &authzen.PageRequest{}
		}
		req.Page.Token = tok
	}
	return nil, &pdp.TargetError{Kind: pdp.ErrorBadResponse, URL: c.base, Msg: fmt.Sprintf("the AuthZEN PDP at %s answered more than %d pages to a %s search", c.base, MaxPages, api)}
}

// AuthorizedUsers asks the subject search who may do q.Action on
// q.Resource. The answer lists users without the role that lets them: an
// AuthZEN PDP says who, not why.
func (c *Client) AuthorizedUsers(ctx context.Context, q pdp.AuthorizedUsersQuery) (pdp.AuthorizedUsers, error) {
	ep, err := c.endpoints(ctx)
	if err != nil {
		return pdp.AuthorizedUsers{}, err
	}
	r := authzen.FromCheck(pdp.Check{Action: q.Action, Resource: q.Resource, Context: q.Context})
	req := authzen.SearchRequest{Subject: &authzen.Subject{Type: authzen.SubjectType}, Action: &r.Action, Resource: &r.Resource, Context: r.Context}
	results, err := c.search(ctx, ep.subject, "subject", req)
	if err != nil {
		return pdp.AuthorizedUsers{}, err
	}
	out := pdp.AuthorizedUsers{Resource: q.Resource.Type + ":*", Tenant: q.Resource.Tenant, Users: map[string][]pdp.UserRoleAssignment{}}
	if q.Resource.Key != "" {
		out.Resource = q.Resource.Type + ":" + q.Resource.Key
	}
	for _, raw := range results {
		var e authzen.Entity
		if json.Unmarshal(raw, &e) != nil || e.ID == "" {
			continue
		}
		out.Users[c.clean(e.ID)] = []pdp.UserRoleAssignment{}
	}
	return out, nil
}

// UserPermissions asks the action search what q.User may do: on each
// instance of q.Resources ("type:key"), and on each type of
// q.ResourceTypes in each tenant of q.Tenants (or in none). An AuthZEN PDP
// cannot list a user's tenants or instances, so a query naming neither
// resources nor types is refused. Entries carry no roles.
func (c *Client) UserPermissions(ctx context.Context, q pdp.PermissionsQuery) (pdp.Permissions, error) {
	if len(q.Resources) == 0 && len(q.ResourceTypes) == 0 {
		return nil, &pdp.TargetError{Kind: pdp.ErrorNotSupported, URL: c.base,
			Msg: "an AuthZEN PDP cannot list a user's tenants and instances: name the resource types (--type) or instances (--resource type:key) to ask about"}
	}
	ep, err := c.endpoints(ctx)
	if err != nil {
		return nil, err
	}
	out := pdp.Permissions{}
	// actions asks which actions of res's type the user may do on res.
	actions := func(res pdp.Resource) ([]string, error) {
		r := authzen.FromCheck(pdp.Check{User: q.User, Resource: res, Context: q.Context})
		results, err := c.search(ctx, ep.action, "action", authzen.SearchRequest{Subject: &r.Subject, Resource: &r.Resource, Context: r.Context})
		if err != nil {
			return nil, err
		}
		perms := []string{}
		for _, raw := range results {
			var a authzen.ActionName
			if json.Unmarshal(raw, &a) == nil && a.Name != "" {
				perms = append(perms, c.clean(res.Type)+":"+c.clean(a.Name))
			}
		}
		return perms, nil
	}
	tenants := q.Tenants
	if len(tenants) == 0 {
		tenants = []string{""}
	}
	for _, ref := range q.Resources {
		typ, key, err := pdp.ParseResource(ref)
		if err != nil {
			return nil, err
		}
		perms, err := actions(pdp.Resource{Type: typ, Key: key, Tenant: tenants[0]})
		if err != nil {
			return nil, err
		}
		slices.Sort(perms)
		out[typ+":"+key] = pdp.PermissionEntry{Resource: &pdp.ObjectRef{Key: key, Type: typ, Attributes: map[string]any{}}, Permissions: perms}
	}
	for _, t := range tenants {
		e := pdp.PermissionEntry{Tenant: &pdp.ObjectRef{Key: t, Attributes: map[string]any{}}, Permissions: []string{}}
		for _, typ := range q.ResourceTypes {
			perms, err := actions(pdp.Resource{Type: typ, Tenant: t})
			if err != nil {
				return nil, err
			}
			e.Permissions = append(e.Permissions, perms...)
		}
		if len(q.ResourceTypes) > 0 {
			slices.Sort(e.Permissions)
			out["__tenant:"+t] = e
		}
	}
	return out, nil
}

// Health reads the PDP's metadata again: nil when the PDP answers it, or
// answers that it has none (HTTP 404).
func (c *Client) Health(ctx context.Context) error {
	ep, err := c.discover(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.ep = ep
	c.mu.Unlock()
	return nil
}
