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

// Tuples that stream in before the resource types are mapped wait, and are
// kept or dropped as the later ones are once the types are known.
func TestTuplesBeforeTheSchemaWait(t *testing.T) {
	m := &mapper{p: &policy.Policy{Resources: map[string]*policy.Resource{
		"folder":   {},
		"document": {Relations: map[string]string{"parent": "folder"}},
	}}}
	schema := make(chan struct{})
	sink := tupleSink(m, schema)
	tuple := func(subj, rel, obj string) permitapi.RelationshipTuple {
		return permitapi.RelationshipTuple{Subject: subj, Relation: rel, Object: obj}
	}
	sink([]permitapi.RelationshipTuple{tuple("folder:b", "parent", "document:2"), tuple("nosuch:x", "parent", "document:1")}, 5)
	if m.rels != nil || len(m.early) != 2 {
		t.Fatalf("before the schema: some kept (%v), %d waiting", m.rels != nil, len(m.early))
	}
	close(schema)
	sink([]permitapi.RelationshipTuple{tuple("folder:a", "parent", "document:1"), tuple("folder:a", "owner", "document:1"), tuple("folder:b", "parent", "document:2")}, 5)
	bad, _ := m.keepAll()
	rels := m.sortKept()
	want := []policy.Relationship{{Subject: "folder:a", Relation: "parent", Object: "document:1"}, {Subject: "folder:b", Relation: "parent", Object: "document:2"}}
	if !reflect.DeepEqual(rels, want) || bad != 2 || m.listed != 5 {
		t.Errorf("kept %v, %d not kept, %d listed; want %v, 2, 5", rels, bad, m.listed, want)
	}
}
