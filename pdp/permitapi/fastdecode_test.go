package permitapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"reflect"
	"strings"
	"testing"
)

// slowPage decodes body as list's encoding/json path does: the reference
// the fast decoder must match whenever it does not give up.
func slowPage[T any](body []byte, id func(*T) *string) (items []T, ids []uint64, count int, object bool, err error) {
	body = bytes.TrimLeft(body, " \t\r\n")
	count = -1
	if len(body) > 0 && body[0] == '[' {
		err = json.Unmarshal(body, &items)
	} else {
		var p page[T]
		err = json.Unmarshal(body, &p)
		items, count, object = p.Data, pageCount(p.PageCount, p.TotalCount, 100), true
	}
	ids = make([]uint64, len(items))
	for i := range items {
		if p := id(&items[i]); *p != "" {
			ids[i] = maphash.String(seed, *p)
			*p = ""
		}
	}
	return items, ids, count, object, err
}

// sameAsSlow checks the fast decoder against encoding/json on body: when
// the fast one does not give up, encoding/json succeeds with the same
// items, ids and page count. It reports whether the fast one decoded it.
func sameAsSlow[T any](t *testing.T, body []byte, fast itemFunc[T], id func(*T) *string) bool {
	t.Helper()
	p, ok := decodePageFast(body, fast, nil, nil)
	if !ok {
		return false
	}
	items, ids, count, object, err := slowPage(body, id)
	if err != nil {
		t.Fatalf("the fast decoder read a page encoding/json rejects (%v):\n%q", err, body)
	}
	fcount := -1
	if p.object {
		fcount = pageCount(p.pageCount, p.totalCount, 100)
	}
	if len(items) == 0 && len(p.items) == 0 {
		// nil and empty item lists mean the same to list.
		items, p.items = nil, nil
		ids, p.ids = nil, nil
	}
	if !reflect.DeepEqual(items, p.items) || !reflect.DeepEqual(ids, p.ids) || count != fcount || object != p.object {
		t.Fatalf("the fast decoder read\n%q\nas %#v %v (count %d)\nencoding/json as %#v %v (count %d)", body, p.items, p.ids, fcount, items, ids, count)
	}
	return true
}

func checkAll(t *testing.T, body []byte) (decoded int) {
	t.Helper()
	for _, ok := range []bool{
		sameAsSlow(t, body, fastTuple, func(x *RelationshipTuple) *string { return &x.ID }),
		sameAsSlow(t, body, fastAssignment, func(x *RoleAssignment) *string { return &x.ID }),
		sameAsSlow(t, body, fastInstance, func(x *ResourceInstance) *string { return &x.ID }),
		sameAsSlow(t, body, fastUser, func(x *User) *string { return &x.ID }),
	} {
		if ok {
			decoded++
		}
	}
	return decoded
}

// Pages the API sends, and pages it might: the fast decoder reads the
// plain ones as encoding/json does and leaves the rest to it.
var fastSeeds = []string{
	`{"data":[{"id":"t1","subject":"folder:f1","relation":"parent","object":"document:d1","tenant":"acme","subject_id":"s","created_at":"2025-01-01T00:00:00Z"}],"total_count":1,"page_count":1}`,
	`[{"id":"t1","subject":"folder:f1","relation":"parent","object":"document:d1","tenant":"acme"},{"id":"t2","subject":"folder:f2","relation":"parent","object":"document:d1","tenant":null}]`,
	`{"data":[],"total_count":0,"page_count":0}`,
	`{"data":null,"total_count":null}`,
	`[]`,
	` [ ] `,
	`{"data":[{"id":"a1","user":"alice","role":"admin","tenant":"acme","resource_instance":null,"user_id":"u"},{"id":"a2","user":"bob","role":"editor","tenant":"acme","resource_instance":"document:d1"}],"total_count":2,"page_count":1}`,
	`{"data":[{"id":"i1","key":"d1","resource":"document","tenant":"acme","attributes":{"size":10,"tags":["a","b"],"meta":{"x":null,"y":true,"z":[]},"n":-1.5e-7,"big":1e300,"o":{}}}],"page_count":1}`,
	`{"data":[{"id":"i1","key":"d1","resource":"document","tenant":"acme","attributes":null}]}`,
	`{"data":[{"id":"u1","key":"alice","email":"alice@acme.io","first_name":null,"last_name":"Smith","attributes":{"clearance":3},"associated_tenants":[{"tenant":"acme","roles":["admin"],"status":"active","resource_instance_roles":[]},{"tenant":"globex","roles":[],"status":"pending","resource_instance_roles":[{"resource_instance":"f1","resource":"folder","role":"editor"}, null ]}],"roles":[{"role":"admin","tenant":"acme"}]}],"total_count":1,"page_count":1}`,
	`{"data":[{"id":"u1","key":"álvaro","email":"ä@x.io","attributes":{"名前":"値"},"associated_tenants":null}]}`,
	// Left to encoding/json: escapes, case-folded keys, duplicates, wrong
	// types, huge numbers, truncation, trailing data.
	`[{"id":"t1","subject":"folder:f\"1","relation":"parent","object":"document:d1"}]`,
	`[{"id":"t1","Subject":"folder:f1","relation":"parent","object":"document:d1"}]`,
	`[{"id":"t1","subject":"folder:f1","subject":"folder:f2","relation":"parent","object":"document:d1"}]`,
	`[{"id":"t1","subject":5,"relation":"parent","object":"document:d1"}]`,
	`[{"id":7,"subject":"a:b","relation":"parent","object":"document:d1"}]`,
	`{"data":[{"id":"i1","key":"d1","resource":"document","attributes":{"n":1e400}}]}`,
	`{"data":[{"id":"i1","key":"d1","resource":"document","attributes":{"n":"\ud800"}}]}`,
	`{"data":[],"total_count":1.5}`,
	`{"data":[],"page_count":99999999999999999999999}`,
	`{"data":[{"id":"t1","subject":"folder:f1","relation":"par`,
	`[{"id":"t1"}] x`,
	`[null]`,
	`{"data":[{"id":"t1","subject":"folder:f1","x":"\u00e9\n","y":[1,{"z":"\\"}]}]}`,
	`{"Data":[{"id":"t1"}]}`,
	"[{\"id\":\"t1\",\"subject\":\"a:\xff\"}]",
	"[{\"id\":\"t1\",\"x\":\"\xff\"}]",
	`[{"id":"t1","ſubject":"a:b"}]`,
	`{"data":[{"id":"u1","key":"a","associated_tenants":[{"tenant":"t","roles":[null]}]}]}`,
	`{"data":[{"id":"u1","key":"a","associated_tenants":{}}]}`,
	`[{"id":"t1","x":01}]`,
	`[{"id":"t1","x":-}]`,
	`[{"id":"t1","x":1.}]`,
	`[{"id":"t1","x":tru}]`,
	`[{"id":"t1","x":nulls}]`,
	`[{"id":"t1",}]`,
	`[{"id":"t1"},]`,
	`{"data":[{"id":"i1","attributes":` + strings.Repeat(`[`, 100) + strings.Repeat(`]`, 100) + `}]}`,
}

func TestFastDecodeMatchesEncodingJSON(t *testing.T) {
	read := 0
	for _, s := range fastSeeds {
		read += checkAll(t, []byte(s))
	}
	if read < 20 {
		t.Errorf("the fast decoder read only %d of the plain pages: it gives up too often to be of use", read)
	}
	// The plain pages are read fast, not left to encoding/json.
	for _, s := range fastSeeds[:11] {
		if _, ok := decodePageFast([]byte(s), fastUser, nil, nil); !ok && strings.Contains(s, "associated_tenants") {
			if !strings.Contains(s, "null ]") {
				t.Errorf("a plain users page was left to encoding/json: %s", s)
			}
		}
	}
	for i, s := range fastSeeds[:3] {
		if _, ok := decodePageFast([]byte(s), fastTuple, nil, nil); !ok {
			t.Errorf("plain tuple page %d was left to encoding/json", i)
		}
	}
}

// FuzzFastPage holds the fast decoder to encoding/json on any input: when it
// does not give up, encoding/json agrees, item by item.
func FuzzFastPage(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAll(t, body)
	})
}

// tuplePage is a page of 100 tuples as the stand-in (and Permit) sends it.
func tuplePage() []byte {
	var b bytes.Buffer
	b.WriteString(`{"data":[`)
	for i := range 100 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"environment_id":"0c000000-0000-4000-8000-000000000001","id":"0000000b-0000-4000-8000-%012x","object":"document:d%d","object_id":"o","organization_id":"0a000000-0000-4000-8000-000000000001","project_id":"0b000000-0000-4000-8000-000000000001","relation":"related","relation_id":"r","subject":"document:d%d","subject_id":"s","tenant":"t%04d","tenant_id":"t"}`, i, i*7, i*13, i%50)
	}
	b.WriteString(`],"total_count":200000,"page_count":2000}`)
	return b.Bytes()
}

// BenchmarkFastTuplePage is the fast decoder on a page of tuples; the
// baseline is encoding/json on the same page.
func BenchmarkFastTuplePage(b *testing.B) {
	body := tuplePage()
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, ok := decodePageFast(body, fastTuple, nil, nil); !ok {
				b.Fatal("gave up")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var p page[RelationshipTuple]
			if err := json.Unmarshal(body, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
