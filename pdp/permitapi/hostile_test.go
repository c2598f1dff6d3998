package permitapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp/permitapi"
	"github.com/pdpx/pdpx/pdp/permitapi/standin"
)

// servePage answers page 2 of the list at suffix with body instead of the
// stand-in's own.
func servePage(srv *standin.Server, suffix, body string) {
	srv.Fault = func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		if strings.HasSuffix(r.URL.Path, suffix) && r.URL.Query().Get("page") == "2" {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(body))
			return true
		}
		return false
	}
}

// A page that is not what Permit sends ends the pull with an error naming
// the list, the page and what is wrong where, whichever decoder met it;
// it never panics and never passes as data.
func TestMalformedPagesAreNamed(t *testing.T) {
	for _, tc := range []struct {
		name, suffix, body string
		want               []string
	}{
		{"wrong type", "/relationship_tuples",
			`{"data":[{"id":"x1","subject":5,"relation":"parent","object":"doc:d1"}],"total_count":250,"page_count":3}`,
			[]string{"page 2 of the relationship tuples", "data.subject holds a number where a string belongs"}},
		{"truncated", "/relationship_tuples",
			`{"data":[{"id":"x1","subject":"doc:d2","relation":"par`,
			[]string{"page 2 of the relationship tuples", "unexpected end of JSON input"}},
		{"trailing garbage", "/relationship_tuples",
			`{"data":[],"total_count":250,"page_count":3} {"data":[]}`,
			[]string{"page 2 of the relationship tuples", "invalid character", "at byte"}},
		{"huge number", "/users",
			`{"data":[{"id":"u9","key":"u9","attributes":{"n":1e999}}],"total_count":101,"page_count":2}`,
			[]string{"page 2 of the users", "data.attributes holds the number 1e999, which is out of range"}},
		{"a list where an object belongs", "/users",
			`{"data":[{"id":"u9","key":"u9","attributes":[1,2]}],"total_count":101,"page_count":2}`,
			[]string{"page 2 of the users", "data.attributes holds an array where an object belongs"}},
		{"page count as text", "/relationship_tuples",
			`{"data":[],"total_count":"250","page_count":3}`,
			[]string{"page 2 of the relationship tuples", "total_count holds a string where a whole number belongs"}},
		{"a fraction for a count", "/relationship_tuples",
			`{"data":[],"total_count":2.5,"page_count":3}`,
			[]string{"page 2 of the relationship tuples", "total_count holds the number 2.5, which is out of range or not a whole number"}},
		{"html", "/relationship_tuples",
			`<html><body>502 Bad Gateway</body></html>`,
			[]string{"page 2 of the relationship tuples", "invalid character '<'"}},
		{"escape sequence in a key", "/users",
			"{\"data\":[{\"id\":\"u9\",\"key\":\"u9\",\"attributes\":{\"\\u001b[2J\":[1,{\"a\":[true]}]}}],\"total_count\":101,\"page_count\":2}",
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := standin.New(env(101, 250), key)
			defer srv.Close()
			servePage(srv, tc.suffix, tc.body)
			c := newClient(t, srv.URL, func(c *permitapi.Config) { c.Retries = -1 })
			snap, err := fetch(t, c)
			if tc.want == nil {
				// Valid JSON, however odd: read as encoding/json reads it.
				if err != nil {
					t.Fatal(err)
				}
				var got any
				for _, u := range snap.Users {
					if u.Key == "u9" {
						got = u.Attributes["\x1b[2J"]
					}
				}
				if s, ok := got.([]any); !ok || len(s) != 2 {
					t.Errorf("attribute read as %#v", got)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; %d tuples", len(snap.Tuples))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v\nlacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\x1b") || strings.Contains(err.Error(), "permitapi.") {
				t.Errorf("%q: raw text or Go type names in the message", err)
			}
		})
	}
}

// Odd but valid pages (escapes, unicode, nulls) read as encoding/json reads
// them, item for item: the fast decoder leaves what it does not read
// plainly to encoding/json.
func TestOddPagesReadExactly(t *testing.T) {
	srv := standin.New(env(0, 250), key)
	defer srv.Close()
	servePage(srv, "/relationship_tuples", `{"data":[
		{"id":"x1","subject":"doc:d\"1","relation":"parent","object":"doc:x\u00e9"},
		{"id":"x2","subject":"doc:日本","relation":"parent","object":"doc:x2","tenant":null},
		{"id":"x3","subject":null,"relation":"parent","object":"doc:x3","extra":{"nested":[1.5e3,null,"\\"]}},
		{"id":"x4","subject":"doc:d4","relation":"parent","object":"doc:x5","Tenant":"acme"}
	],"total_count":250,"page_count":3}`)
	c := newClient(t, srv.URL, nil)
	snap, err := fetch(t, c)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]permitapi.RelationshipTuple{
		"doc:xé": {Subject: `doc:d"1`, Relation: "parent", Object: "doc:xé"},
		"doc:x2": {Subject: "doc:日本", Relation: "parent", Object: "doc:x2"},
		"doc:x3": {Relation: "parent", Object: "doc:x3"},
		"doc:x5": {Subject: "doc:d4", Relation: "parent", Object: "doc:x5", Tenant: "acme"},
	}
	found := 0
	for _, tp := range snap.Tuples {
		if w, ok := want[tp.Object]; ok {
			if tp != w {
				t.Errorf("read %+v, want %+v", tp, w)
			}
			found++
		}
	}
	if found != len(want) || len(snap.Tuples) != 154 {
		t.Errorf("%d of %d odd tuples found, %d in all (100 + 4 + 50)", found, len(want), len(snap.Tuples))
	}
}

// A list that changes while it is read (a page longer or shorter than the
// counts said, an item repeated from another page) still arrives whole,
// each item once.
func TestPagesThatDisagreeWithTheCounts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		items int
		want  int
	}{
		{"longer", 120, 100 + 120 + 50},
		{"shorter", 7, 100 + 7 + 50},
		{"as counted", 100, 250},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := standin.New(env(0, 250), key)
			defer srv.Close()
			var b strings.Builder
			b.WriteString(`{"data":[`)
			for i := range tc.items {
				if i > 0 {
					b.WriteString(",")
				}
				// Ids x0..: new items, but for the first, which repeats page
				// 1's first tuple (the stand-in numbers tuples from 0).
				id := fmt.Sprintf("x%d", i)
				if i == 0 {
					id = "0000000b-0000-4000-8000-000000000000"
				}
				fmt.Fprintf(&b, `{"id":%q,"subject":"doc:n%d","relation":"parent","object":"doc:m%d"}`, id, i, i)
			}
			b.WriteString(`],"total_count":250,"page_count":3}`)
			servePage(srv, "/relationship_tuples", b.String())
			snap, err := fetch(t, newClient(t, srv.URL, nil))
			if err != nil {
				t.Fatal(err)
			}
			if len(snap.Tuples) != tc.want-1 {
				t.Errorf("%d tuples, want %d (the repeated one once)", len(snap.Tuples), tc.want-1)
			}
			seen := map[string]bool{}
			for _, tp := range snap.Tuples {
				k := tp.Subject + " " + tp.Object
				if seen[k] || tp.Object == "" {
					t.Fatalf("tuple %q twice or empty", k)
				}
				seen[k] = true
			}
			if seen["doc:n0 doc:m0"] || !seen[fmt.Sprintf("doc:n%d doc:m%d", tc.items-1, tc.items-1)] || !seen["doc:d1 doc:d0"] {
				t.Errorf("the wrong tuples were kept")
			}
		})
	}
}

// Tuples handed to a sink arrive as Fetch keeps them: every page, in the
// list's order, each tuple once, whatever order the pages come back in.
func TestTupleSinkSeesTheListInOrder(t *testing.T) {
	srv := standin.New(env(0, 1003), key)
	defer srv.Close()
	kept, err := fetch(t, newClient(t, srv.URL, func(c *permitapi.Config) { c.PerPage = 10 }))
	if err != nil {
		t.Fatal(err)
	}
	// Later pages answer first; page 3 repeats page 2's items.
	srv.Fault = func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		if strings.HasSuffix(r.URL.Path, "/relationship_tuples") {
			var n int
			fmt.Sscan(r.URL.Query().Get("page"), &n)
			time.Sleep(time.Duration(120-n) * 100 * time.Microsecond)
			if n == 3 {
				q := r.URL.Query()
				q.Set("page", "2")
				r.URL.RawQuery = q.Encode()
			}
		}
		return false
	}
	c := newClient(t, srv.URL, func(c *permitapi.Config) { c.PerPage = 10; c.Concurrency = 8 })
	tg, err := c.Resolve(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []permitapi.RelationshipTuple
	calls, totals := 0, map[int]bool{}
	snap, err := c.FetchWith(context.Background(), tg, nil, permitapi.FetchOptions{Tuples: func(page []permitapi.RelationshipTuple, total int) {
		calls++
		totals[total] = true
		got = append(got, page...)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Tuples) != 0 || calls != 101 || len(totals) != 1 || !totals[1003] {
		t.Errorf("%d tuples kept, %d pages handed over, totals %v", len(snap.Tuples), calls, totals)
	}
	want := append(slices.Clone(kept.Tuples[:20]), kept.Tuples[30:]...) // page 3 was page 2 again
	if !slices.Equal(got, want) {
		t.Errorf("the sink saw %d tuples, want %d in the list's order", len(got), len(want))
	}
}

// An error on one page ends a streamed list with that error.
func TestTupleSinkError(t *testing.T) {
	srv := standin.New(env(0, 250), key)
	defer srv.Close()
	servePage(srv, "/relationship_tuples", `{"data":[{"id":1}],"total_count":250,"page_count":3}`)
	c := newClient(t, srv.URL, nil)
	tg, err := c.Resolve(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.FetchWith(context.Background(), tg, nil, permitapi.FetchOptions{Tuples: func([]permitapi.RelationshipTuple, int) {}})
	if err == nil || !strings.Contains(err.Error(), "page 2 of the relationship tuples") {
		t.Errorf("err = %v", err)
	}
}
