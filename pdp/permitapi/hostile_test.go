package permitapi_test

import (
	"net/http"
	"strings"
	"testing"

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
