package pdp

import "encoding/json"

// DecodePermissionsQuery reads a /user-permissions body as Permit's PDP
// receives it: {user, tenants?, resources?, resource_types?, context?}.
// The user follows the /allowed rules (an object with a key); the lists are
// arrays of strings or null; unknown keys are ignored. A body the PDP would
// refuse is a *BodyError (400 not JSON, 422 wrong shape).
func DecodePermissionsQuery(body []byte) (PermissionsQuery, error) {
	var q PermissionsQuery
	var w struct {
		User          json.RawMessage `json:"user"`
		Tenants       json.RawMessage `json:"tenants"`
		Resources     json.RawMessage `json:"resources"`
		ResourceTypes json.RawMessage `json:"resource_types"`
		Context       json.RawMessage `json:"context"`
	}
	if err := decodeObject(body, &w, "the body must be a JSON object with a user"); err != nil {
		return q, err
	}
	var err error
	if q.User, err = decodeUser(w.User); err != nil {
		return q, err
	}
	for _, l := range []struct {
		raw  json.RawMessage
		name string
		dst  *[]string
	}{
		{w.Tenants, "tenants", &q.Tenants},
		{w.Resources, "resources", &q.Resources},
		{w.ResourceTypes, "resource_types", &q.ResourceTypes},
	} {
		if isNull(l.raw) {
			continue
		}
		if err := json.Unmarshal(l.raw, l.dst); err != nil {
			kind := JSONKind(l.raw)
			if kind == "an array" {
				kind = "a list holding something else"
			}
			return q, badShape("%s must be a list of strings, not %s", l.name, kind)
		}
	}
	if q.Context, err = object(w.Context, "context"); err != nil {
		return q, err
	}
	return q, nil
}

// DecodeAuthorizedUsersQuery reads an /authorized_users body:
// {action, resource, context?}, the resource as in /allowed. No default
// tenant is added (a query without one authorizes nobody, as on the PDP).
func DecodeAuthorizedUsersQuery(body []byte) (AuthorizedUsersQuery, error) {
	var q AuthorizedUsersQuery
	var w struct {
		Action   json.RawMessage `json:"action"`
		Resource json.RawMessage `json:"resource"`
		Context  json.RawMessage `json:"context"`
	}
	if err := decodeObject(body, &w, "the body must be a JSON object with action and resource"); err != nil {
		return q, err
	}
	if isNull(w.Action) {
		return q, badShape("action is missing")
	}
	if err := json.Unmarshal(w.Action, &q.Action); err != nil {
		return q, badShape("action must be a string, not %s", JSONKind(w.Action))
	}
	var err error
	if q.Resource, err = decodeResource(w.Resource); err != nil {
		return q, err
	}
	if q.Context, err = object(w.Context, "context"); err != nil {
		return q, err
	}
	return q, nil
}

// decodeObject unmarshals a body that must be a JSON object into dst:
// text that is not JSON is a 400, JSON that is not an object a 422 with msg.
func decodeObject(body []byte, dst any, msg string) error {
	if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		return &BodyError{Status: 400, Msg: "the body is not valid JSON: " + jsonErr(body, err)}
	}
	if err := json.Unmarshal(body, dst); err != nil || isNull(body) {
		return badShape("%s", msg)
	}
	return nil
}
