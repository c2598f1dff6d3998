package pdp

import (
	"errors"
	"reflect"
	"testing"
)

func TestDecodePermissionsQuery(t *testing.T) {
	cases := map[string]PermissionsQuery{
		// Node: a string user becomes {key}; absent lists are left out.
		`{"user":{"key":"jane"}}`: {User: User{Key: "jane"}},
		// Python: nulls everywhere.
		`{"user":{"key":"jane","attributes":null},"tenants":null,"resources":null,"resource_types":null,"context":null}`: {User: User{Key: "jane"}},
		`{"user":{"key":"jane","firstName":"Jane","attributes":{"a":1}},"tenants":["default"],"resources":["document:roadmap"],"resource_types":["document"],"context":{"ip":"1"},"x":1}`: {
			User:    User{Key: "jane", FirstName: "Jane", Attributes: map[string]any{"a": float64(1)}},
			Tenants: []string{"default"}, Resources: []string{"document:roadmap"}, ResourceTypes: []string{"document"},
			Context: map[string]any{"ip": "1"},
		},
	}
	for body, want := range cases {
		got, err := DecodePermissionsQuery([]byte(body))
		if err != nil {
			t.Errorf("%s: %v", body, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", body, got, want)
		}
	}
	refusals := map[string]int{
		`{"user":`:                         400,
		`[]`:                               422,
		`null`:                             422,
		`{}`:                               422,
		`{"user":"jane"}`:                  422,
		`{"user":{"key":"j"},"tenants":3}`: 422,
		`{"user":{"key":"j"},"context":1}`: 422,
	}
	for body, status := range refusals {
		_, err := DecodePermissionsQuery([]byte(body))
		var be *BodyError
		if !errors.As(err, &be) || be.Status != status {
			t.Errorf("%s: got %v, want a BodyError %d", body, err, status)
		}
	}
}

func TestDecodeAuthorizedUsersQuery(t *testing.T) {
	got, err := DecodeAuthorizedUsersQuery([]byte(`{"action":"read","resource":{"type":"document","key":null,"tenant":"default","attributes":null},"context":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := AuthorizedUsersQuery{Action: "read", Resource: Resource{Type: "document", Tenant: "default"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
	refusals := map[string]int{
		`nope`:                                 400,
		`"x"`:                                  422,
		`{"resource":{"type":"d"}}`:            422,
		`{"action":5,"resource":{"type":"d"}}`: 422,
		`{"action":"read"}`:                    422,
		`{"action":"read","resource":"d:1"}`:   422,
	}
	for body, status := range refusals {
		_, err := DecodeAuthorizedUsersQuery([]byte(body))
		var be *BodyError
		if !errors.As(err, &be) || be.Status != status {
			t.Errorf("%s: got %v, want a BodyError %d", body, err, status)
		}
	}
}
