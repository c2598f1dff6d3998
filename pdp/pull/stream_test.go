package pull

import (
	"context"
	"reflect"
	"testing"

	"github.com/pdpx/pdpx/pdp/permitapi"
	"github.com/pdpx/pdpx/pdp/permitapi/standin"
	"github.com/pdpx/pdpx/pdp/policy"
)

// A pull maps the tuples as they stream in; the policy, its counts and its
// notes are what mapping the whole snapshot gives.
func TestStreamedTuplesMapAsTheSnapshot(t *testing.T) {
	p := policy.Demo()
	// Tuples the mapping must drop, and one listed twice.
	p.Relationships = append(p.Relationships, p.Relationships[0],
		policy.Relationship{Subject: "nosuch:x", Relation: "parent", Object: p.Relationships[0].Object})
	srv := standin.New(p, testKey)
	defer srv.Close()
	c := client(t, srv.URL, func(c *permitapi.Config) { c.PerPage = 2 })
	got, err := Run(context.Background(), c, Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := c.Resolve(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := c.Fetch(context.Background(), tg, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Map(snap)
	if err != nil {
		t.Fatal(err)
	}
	src := got.Policy.Source
	got.Policy.Source = nil
	defer func() { got.Policy.Source = src }()
	if !reflect.DeepEqual(got.Policy, want.Policy) || !reflect.DeepEqual(got.Counts, want.Counts) || !reflect.DeepEqual(got.NotKept, want.NotKept) {
		t.Errorf("streamed:\n%+v\n%v\n%q\nsnapshot:\n%+v\n%v\n%q", got.Policy, got.Counts, got.NotKept, want.Policy, want.Counts, want.NotKept)
	}
	if len(want.NotKept) == 0 || got.Counts["relationship_tuples"] != len(p.Relationships) {
		t.Errorf("the odd tuples were not noticed: %q, %d tuples", want.NotKept, got.Counts["relationship_tuples"])
	}
}
