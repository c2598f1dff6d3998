package server

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/engine"
	"github.com/pdpx/pdpx/pdp/policy"
)

// sdkBodies are /allowed bodies as Permit's SDKs and pdpx send them; the
// fast decoder must take every one (else it would be no faster for them).
var sdkBodies = []string{
	johnCreates,
	`{"user":{"key":"check@permit.io","attributes":{"location":"England","department":"Engineering"}},"action":"publish","resource":{"type":"document","tenant":"default","attributes":{"hasApproval":"true"}}}`,
	`{"user":{"key":"check@permit.io","first_name":null,"last_name":null,"email":null,"attributes":{"location":"England","department":"Engineering"}},"action":"publish","resource":{"type":"document","key":null,"tenant":"default","attributes":{"hasApproval":"true"},"context":{"tenant":"default"}},"context":{}}`,
	`{"user":{"key":"check@permit.io","firstName":"Check","lastName":"Er","attributes":{"location":"England","department":"Engineering"}},"action":"publish","resource":{"type":"document","tenant":"default","attributes":{"hasApproval":"true"}},"context":{}}`,
	"{\n  \"user\" : { \"key\" : \"j\", \"email\": \"j@x.io\" },\n\t\"action\": \"read\",\r\n \"resource\": {\"type\": \"document\", \"key\": \"roadmap\", \"tenant\": null}, \"sdk\": \"node\"\n}",
	`{"user":{"key":"jane@permit.io","attributes":{"n":-1.5e3,"z":0,"b":false,"nil":null,"l":[1,"a",{"x":true}],"o":{"p":{}}}},"action":"update","resource":{"type":"document","key":"roadmap","tenant":"default"},"tenant":null}`,
	`{"user":{"key":"é@ü.io"},"action":"read","resource":{"type":"document","tenant":"default"}}`,
}

func TestFastDecodeTakesSDKBodies(t *testing.T) {
	for _, b := range sdkBodies {
		var c pdp.Check
		if !decodeCheckFast(b, &c) {
			t.Errorf("the fast decoder gave up on %s", b)
		}
		checkFastDecode(t, []byte(b))
	}
	for _, st := range story {
		checkFastDecode(t, st.check.Body())
	}
	bulk := "[" + sdkBodies[0]
	for _, b := range sdkBodies[1:] {
		bulk += " ,\n" + b
	}
	bulk += "]"
	if cs, ok := decodeChecksFast(bulk, nil); !ok || len(cs) != len(sdkBodies) {
		t.Errorf("the fast decoder gave up on the bulk body (%d checks)", len(cs))
	}
	checkFastDecode(t, []byte(bulk))
	checkFastDecode(t, bulkBody(100))
}

// TestFastDecodeGivesUp: bodies the fast decoder must leave to pdp's,
// because encoding/json reads them in a way it does not copy or because
// they are errors to be worded.
func TestFastDecodeGivesUp(t *testing.T) {
	for _, b := range []string{
		`{"user":{"key":"j\u0061"},"action":"read","resource":{"type":"d"}}`, // escape
		`{"USER":{"key":"j"},"action":"read","resource":{"type":"d"}}`,       // case-folded key
		`{"user":{"Key":"j"},"action":"read","resource":{"type":"d"}}`,
		`{"user":{"key":"j"},"action":"read","action":"write","resource":{"type":"d"}}`, // duplicate
		`{"user":{"key":"j"},"action":"read","resource":{"type":"d"},"tenant":{"key":"t","attributes":{"a":1}}}`,
		`{"user":{"key":null},"action":"read","resource":{"type":"d"}}`,
		`{"user":{"key":"j"},"resource":{"type":"d"}}`,
		`{"user":{"key":"j"},"action":"read","resource":{"type":"d","key":1}}`,
		`{"user":{"key":"j","attributes":{"n":1e400}},"action":"read","resource":{"type":"d"}}`,
		`{"user":{"key":"j","attributes":{"n":01}},"action":"read","resource":{"type":"d"}}`,
		`{"user":{"key":"j"},"action":"read","resource":{"type":"d"},"x":[1,}`,
		`{"user":{"key":"j"},"action":"read","resource":{"type":"d"}} x`,
		"{\"user\":{\"key\":\"j\xff\"},\"action\":\"read\",\"resource\":{\"type\":\"d\"}}",
		`{"user":"j","action":"read","resource":{"type":"d"}}`,
		`null`, `[]`, `{}`,
	} {
		var c pdp.Check
		if decodeCheckFast(b, &c) {
			t.Errorf("the fast decoder took %s", b)
		}
		checkFastDecode(t, []byte(b))
	}
}

// checkFastDecode holds the fast decoder to pdp's on body, as one check and
// as a bulk body, and the hand-written response to engine.ResponseBody.
func checkFastDecode(t *testing.T, body []byte) {
	t.Helper()
	var c pdp.Check
	if decodeCheckFast(string(body), &c) {
		want, err := pdp.DecodeCheck(body)
		if err != nil {
			t.Fatalf("the fast decoder took %q, pdp.DecodeCheck refuses it: %v", body, err)
		}
		if !reflect.DeepEqual(c, want) {
			t.Fatalf("%q:\nfast %#v\npdp  %#v", body, c, want)
		}
		checkResponse(t, c)
	}
	if cs, ok := decodeChecksFast(string(body), nil); ok {
		want, err := pdp.DecodeChecks(body)
		if err != nil {
			t.Fatalf("the fast decoder took %q as bulk, pdp.DecodeChecks refuses it: %v", body, err)
		}
		if len(cs) != len(want) || len(cs) > 0 && !reflect.DeepEqual(cs, want) {
			t.Fatalf("bulk %q:\nfast %#v\npdp  %#v", body, cs, want)
		}
	}
}

var demoEngine = engine.New(policy.Demo())

// checkResponse: the body the server writes for c is Decide's, from
// Evaluate's debug object and from EvaluateDebug's (which the server uses).
func checkResponse(t *testing.T, c pdp.Check) {
	t.Helper()
	d := demoEngine.Decide(c)
	// EvaluateDebugJSON twice: its encodings are made on first use and
	// kept, and the second use must write the kept bytes alike.
	evs := []pdp.Decision{demoEngine.Evaluate(c), demoEngine.EvaluateDebug(&c)}
	ajs := make([]engine.AttrsJSON, len(evs), len(evs)+2)
	for range 2 {
		ev, aj := demoEngine.EvaluateDebugJSON(&c, new(engine.DebugBuffer))
		evs, ajs = append(evs, ev), append(ajs, aj)
	}
	for i, ev := range evs {
		got := appendResponse([]byte("prefix"), ev.Outcome == pdp.Allow, ev.Debug, ajs[i])
		if !bytes.Equal(got[len("prefix"):], d.Response) {
			t.Fatalf("response %d for %v:\ngot  %s\nwant %s", i, c, got[len("prefix"):], d.Response)
		}
	}
}

// TestAppendValue: attribute values written by hand as json.Marshal writes
// them, and the types it does not write reported.
func TestAppendValue(t *testing.T) {
	for _, v := range []any{
		nil, true, "", "plain", `<a href="x">&'\` + "\x00\x1f\b\f\n\r\t\u2028\u2029\xff\xfeé😀",
		0.0, math.Copysign(0, -1), 1.0, -1.5, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, 5e-324, math.MaxFloat64,
		[]any{}, []any(nil), []any{1.0, "a", []any{nil}}, []string{"a", "<b>"}, []string(nil),
		map[string]any{}, map[string]any(nil), map[string]any{"b": 1.0, "a": map[string]any{"é": "<"}, "": []any{}, "A": false},
		map[string]any{"k1": 1.0, "k2": 2.0, "k3": 3.0, "k4": 4.0, "k5": 5.0, "k6": 6.0, "k7": 7.0, "k8": 8.0, "k9": 9.0,
			"k10": 10.0, "k11": 11.0, "k12": 12.0, "k13": 13.0, "k14": 14.0, "k15": 15.0, "k16": 16.0, "k17": 17.0},
	} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendValue(nil, v)
		if !ok || !bytes.Equal(got, want) {
			t.Errorf("%#v: got %s (%v), want %s", v, got, ok, want)
		}
	}
	for _, v := range []any{math.NaN(), math.Inf(1), 1, int64(2), map[string]int{}, []any{struct{}{}}} {
		if _, ok := appendValue(nil, v); ok {
			t.Errorf("%#v: written, want left to encoding/json", v)
		}
	}
}

// TestAppendResponseFallsBack: a value the hand encoder leaves alone gives
// ResponseBody's answer, its error handling included.
func TestAppendResponseFallsBack(t *testing.T) {
	for _, attrs := range []map[string]any{{"n": 7}, {"n": math.NaN()}, {"c": make(chan int)}} {
		c := pdp.Check{User: pdp.User{Key: "john@smith.com", Attributes: attrs}, Action: "create", Resource: pdp.Resource{Type: "document", Tenant: "default"}}
		ev := demoEngine.Evaluate(c)
		want := engine.ResponseBody(ev.Outcome == pdp.Allow, ev.Debug)
		if got := appendResponse([]byte("x"), ev.Outcome == pdp.Allow, ev.Debug, engine.AttrsJSON{}); !bytes.Equal(got[1:], want) {
			t.Errorf("%v:\ngot  %s\nwant %s", attrs, got[1:], want)
		}
	}
	for _, dbg := range []*pdp.Debug{{}, {RBAC: &pdp.Reason{Code: "x", AllowingRoles: []pdp.AllowingRole{{Role: "r"}}, AllowingRules: []pdp.AllowingRule{{}, {Role: "a", ResourceType: "b"}}}},
		{ABAC: &pdp.Reason{AllowingRoles: []pdp.AllowingRole{{Role: "r"}, {Role: "s", Sources: []string{"x"}}}}}} {
		if got, want := appendResponse(nil, true, dbg, engine.AttrsJSON{}), engine.ResponseBody(true, dbg); !bytes.Equal(got, want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}

// FuzzFastDecode is the differential test of the fast paths: whatever the
// body, when the fast decoder takes it, pdp's decoder takes it too with the
// same checks, and the hand-written response is Decide's.
//
//	go test -run '^$' -fuzz FuzzFastDecode -fuzztime 2m ./pdp/server/
func FuzzFastDecode(f *testing.F) {
	for _, b := range sdkBodies {
		f.Add([]byte(b))
		f.Add([]byte("[" + b + "," + b + "]"))
	}
	for _, st := range story {
		f.Add(st.check.Body())
	}
	for _, b := range []string{`[]`, ` [ ] `, `{}`, `null`, `[null]`, `{"user":{"key":"j"},"action":"read","resource":{"type":"d"},"x":{"y":[1,"]}",{}]}}`,
		`{"user":{"key":"j","attributes":{"a":"<&>","b":1e-7,"c":[{"d":null}]}},"action":"read","resource":{"type":"document","key":"","tenant":"default","context":{"e":"\u2028"}}}`} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkFastDecode(t, body)
	})
}

// TestBulkSplitKeepsOrder: a bulk request large enough to be split across
// goroutines answers exactly what one /allowed per check answers, in order.
func TestBulkSplitKeepsOrder(t *testing.T) {
	for _, noDebug := range []bool{false, true} {
		s, _ := newServer(t, Config{Token: testToken, NoDebug: noDebug})
		n := 3*minRunDebug + 7
		if noDebug {
			n = 3*minRunNoDebug + 7
		}
		want := []byte(`{"allow":[`)
		for i := range n {
			if i > 0 {
				want = append(want, ',')
			}
			_, out, _ := do(t, s, req{path: "/allowed", body: string(story[i%len(story)].check.Body())})
			want = append(want, out...)
		}
		want = append(want, "]}"...)
		status, got, _ := do(t, s, req{path: "/allowed/bulk", body: string(bulkBody(n))})
		if status != 200 || !bytes.Equal(got, want) {
			t.Errorf("no-debug %v: %d, the bulk answer differs from the single ones", noDebug, status)
		}
	}
}

// TestPlainWord: the eight-byte test agrees with the byte table for every
// byte value at every position, among plain bytes and next to bytes that
// borrow (the zero and 0x1f bytes below it).
func TestPlainWord(t *testing.T) {
	for _, fill := range []byte{'a', 0x20, 0x00, 0x1f, 0xff} {
		for pos := range 8 {
			for c := range 256 {
				var w [8]byte
				for i := range w {
					w[i] = fill
				}
				w[pos] = byte(c)
				want := true
				for _, x := range w {
					want = want && x < utf8.RuneSelf && plain[x]
				}
				if got := plainWord(binary.LittleEndian.Uint64(w[:])); got != want {
					t.Fatalf("%q: plainWord %v, the table %v", w, got, want)
				}
			}
		}
	}
}

// TestAppendStringWords: a byte to escape at every position of strings
// around the eight-byte words appendString skips, its tail check included.
func TestAppendStringWords(t *testing.T) {
	for n := 1; n <= 25; n++ {
		for pos := range n {
			for _, c := range []string{"\"", "\\", "<", ">", "&", "\x00", "\x1f", "é", "\u2028", "\xff"} {
				s := strings.Repeat("a", pos) + c + strings.Repeat("b", n-pos-1)
				want, _ := json.Marshal(s)
				if got := appendString(nil, s); !bytes.Equal(got, want) {
					t.Fatalf("%q: got %s, want %s", s, got, want)
				}
			}
		}
	}
}

// BenchmarkFastDecode is the fast decoder alone, on a bulk body of 100
// checks and on a single check as the SDKs send it (attributes, nulls);
// the baseline is pdp's decoding (encoding/json) of the same bodies.
func BenchmarkFastDecode(b *testing.B) {
	bulk := string(bulkBody(100))
	single := sdkBodies[2]
	b.Run("bulk-100/fast", func(b *testing.B) {
		b.SetBytes(int64(len(bulk)))
		b.ReportAllocs()
		cs := make([]pdp.Check, 0, 100)
		for b.Loop() {
			var ok bool
			if cs, ok = decodeChecksFast(bulk, cs[:0]); !ok {
				b.Fatal("gave up")
			}
		}
	})
	b.Run("bulk-100/encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(bulk)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := pdp.DecodeChecks([]byte(bulk)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("single/fast", func(b *testing.B) {
		b.SetBytes(int64(len(single)))
		b.ReportAllocs()
		for b.Loop() {
			var c pdp.Check
			if !decodeCheckFast(single, &c) {
				b.Fatal("gave up")
			}
		}
	})
	b.Run("single/encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(single)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := pdp.DecodeCheck([]byte(single)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
