package server

import (
	"slices"
	"strings"
	"testing"
)

// TestAuthZENSpecExamples runs the examples of the Authorization API 1.0
// (evaluation, evaluations with and without defaults, the three semantics,
// the three searches and paging) against a policy whose facts give the
// answers the examples show.
func TestAuthZENSpecExamples(t *testing.T) {
	s := azServer(t, "authzen-spec.yaml")
	alice := `"subject":{"type":"user","id":"alice@example.com"}`
	docs := `"evaluations":[{"resource":{"type":"document","id":"1"}},{"resource":{"type":"document","id":"2"}},{"resource":{"type":"document","id":"3"}}]`
	for _, tc := range []struct {
		name, path, body string
		decision         *bool
		decisions        []bool
	}{
		{name: "access evaluation request", path: "/access/v1/evaluation", body: `{"subject":{"type":"user","id":"alice@example.com"},"resource":{"type":"account","id":"123"},"action":{"name":"can_read","properties":{"method":"GET"}},"context":{"time":"1985-10-26T01:22-07:00"}}`, decision: ptr(true)},
		{name: "action with properties", path: "/access/v1/evaluation", body: `{` + alice + `,"action":{"name":"extend-loan","properties":{"period":"2W"}},"resource":{"type":"book","id":"123","properties":{"library_record":{"title":"AuthZEN in Action","isbn":"978-0593383322"}}}}`, decision: ptr(true)},
		{name: "action with other properties", path: "/access/v1/evaluation", body: `{` + alice + `,"action":{"name":"extend-loan","properties":{"period":"1M"}},"resource":{"type":"book","id":"123"}}`, decision: ptr(false)},
		{name: "three requests, no defaults", path: "/access/v1/evaluations", body: `{"evaluations":[
			{` + alice + `,"action":{"name":"can_read"},"resource":{"type":"document","id":"boxcarring.md"},"context":{"time":"2024-05-31T15:22-07:00"}},
			{` + alice + `,"action":{"name":"can_read"},"resource":{"type":"document","id":"subject-search.md"},"context":{"time":"2024-05-31T15:22-07:00"}},
			{` + alice + `,"action":{"name":"can_read"},"resource":{"type":"document","id":"resource-search.md"},"context":{"time":"2024-05-31T15:22-07:00"}}]}`, decisions: []bool{true, true, false}},
		{name: "default subject and context", path: "/access/v1/evaluations", body: `{` + alice + `,"context":{"time":"2024-05-31T15:22-07:00"},"evaluations":[
			{"action":{"name":"can_read"},"resource":{"type":"document","id":"boxcarring.md"}},
			{"action":{"name":"can_read"},"resource":{"type":"document","id":"subject-search.md"}},
			{"action":{"name":"can_read"},"resource":{"type":"document","id":"resource-search.md"}}]}`, decisions: []bool{true, true, false}},
		{name: "default action, overridden", path: "/access/v1/evaluations", body: `{` + alice + `,"context":{"time":"2024-05-31T15:22-07:00"},"action":{"name":"can_read"},"evaluations":[
			{"resource":{"type":"document","id":"boxcarring.md"}},
			{"resource":{"type":"document","id":"subject-search.md"}},
			{"action":{"name":"can_edit"},"resource":{"type":"document","id":"resource-search.md"}}]}`, decisions: []bool{true, true, true}},
		{name: "options example", path: "/access/v1/evaluations", body: `{"evaluations":[{"resource":{"type":"doc","id":"1"},"subject":{"type":"doc","id":"2"}}],"options":{"evaluations_semantic":"execute_all","another_option":"value"}}`, decisions: []bool{false}},
		{name: "execute_all", path: "/access/v1/evaluations", body: `{` + alice + `,"action":{"name":"read"},"options":{"evaluations_semantic":"execute_all"},` + docs + `}`, decisions: []bool{true, false, true}},
		{name: "execute_all by default", path: "/access/v1/evaluations", body: `{` + alice + `,"action":{"name":"read"},` + docs + `}`, decisions: []bool{true, false, true}},
		{name: "deny_on_first_deny", path: "/access/v1/evaluations", body: `{` + alice + `,"action":{"name":"read"},"options":{"evaluations_semantic":"deny_on_first_deny"},` + docs + `}`, decisions: []bool{true, false}},
		{name: "permit_on_first_permit", path: "/access/v1/evaluations", body: `{` + alice + `,"action":{"name":"read"},"options":{"evaluations_semantic":"permit_on_first_permit"},` + docs + `}`, decisions: []bool{true}},
		{name: "deny_on_first_deny stops at an error", path: "/access/v1/evaluations", body: `{` + alice + `,"action":{"name":"read"},"options":{"evaluations_semantic":"deny_on_first_deny"},"evaluations":[{"resource":{"type":"document","id":"1"}},{"resource":{"type":"document"}},{"resource":{"type":"document","id":"3"}}]}`, decisions: []bool{true, false}},
		{name: "permit_on_first_permit, none permits", path: "/access/v1/evaluations", body: `{` + alice + `,"action":{"name":"read"},"options":{"evaluations_semantic":"permit_on_first_permit"},"evaluations":[{"resource":{"type":"document","id":"2"}},{"resource":{"type":"document","id":"4"}}]}`, decisions: []bool{false, false}},
	} {
		status, body, _ := azDo(t, s, azReq{path: tc.path, body: tc.body})
		if status != 200 {
			t.Errorf("%s: HTTP %d %s", tc.name, status, body)
			continue
		}
		if tc.decision != nil {
			if got := azDecision(t, body); got != *tc.decision {
				t.Errorf("%s: %v: %s", tc.name, got, body)
			}
		} else if got := azDecisions(t, body); !slices.Equal(got, tc.decisions) {
			t.Errorf("%s: %v, want %v: %s", tc.name, got, tc.decisions, body)
		}
	}
	if status, body, _ := azDo(t, s, azReq{path: "/access/v1/evaluations", body: `{` + alice + `,"action":{"name":"read"},"options":{"evaluations_semantic":"first_match"},` + docs + `}`}); status != 400 || !strings.Contains(string(body), "evaluations_semantic") {
		t.Errorf("an unknown semantic: %d %s", status, body)
	}

	for _, tc := range []struct {
		name, path, body, typ string
		want                  []string
	}{
		{"subject search", "/access/v1/search/subject", `{"subject":{"type":"user"},"action":{"name":"can_read"},"resource":{"type":"account","id":"123"},"context":{"time":"2024-10-26T01:22-07:00"}}`, "user", []string{"alice@example.com", "bob@example.com"}},
		{"resource search", "/access/v1/search/resource", `{` + alice + `,"action":{"name":"can_read"},"resource":{"type":"account"}}`, "account", []string{"123", "456", "789"}},
		{"action search", "/access/v1/search/action", `{` + alice + `,"resource":{"type":"account","id":"123"},"context":{"time":"2024-10-26T01:22-07:00"}}`, "", []string{"can_read", "can_write"}},
		{"resource search, ReBAC", "/access/v1/search/resource", `{` + alice + `,"action":{"name":"read"},"resource":{"type":"document"}}`, "document", []string{"1", "3", "boxcarring.md", "subject-search.md"}},
	} {
		_, body, _ := azDo(t, s, azReq{path: tc.path, body: tc.body})
		if ids, _ := azResults(t, body, tc.typ); !slices.Equal(ids, tc.want) {
			t.Errorf("%s: %v, want %v: %s", tc.name, ids, tc.want, body)
		}
	}

	// The paging example: three accounts, two a page.
	first := `{` + alice + `,"action":{"name":"can_read"},"resource":{"type":"account"},"page":{"limit":2}}`
	_, body, _ := azDo(t, s, azReq{path: "/access/v1/search/resource", body: first})
	ids, page := azResults(t, body, "account")
	tok, _ := page["next_token"].(string)
	if !slices.Equal(ids, []string{"123", "456"}) || tok == "" || page["count"] != 2.0 || page["total"] != 3.0 {
		t.Fatalf("initial response: %s", body)
	}
	second := `{` + alice + `,"action":{"name":"can_read"},"resource":{"type":"account"},"page":{"limit":2,"token":"` + tok + `"}}`
	_, body, _ = azDo(t, s, azReq{path: "/access/v1/search/resource", body: second})
	ids, page = azResults(t, body, "account")
	if !slices.Equal(ids, []string{"789"}) || page["next_token"] != "" || page["count"] != 1.0 || page["total"] != 3.0 {
		t.Errorf("second response: %s", body)
	}
	// A search result, evaluated, is allowed (the search semantics).
	for _, id := range []string{"123", "456", "789"} {
		_, body, _ := azDo(t, s, azReq{path: "/access/v1/evaluation", body: `{` + alice + `,"action":{"name":"can_read"},"resource":{"type":"account","id":"` + id + `"}}`})
		if !azDecision(t, body) {
			t.Errorf("account %s found but denied: %s", id, body)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// todoUsers are the Todo scenario's PIDs, by name.
var todoUsers = map[string]string{
	"rick":   "CiRmZDA2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs",
	"morty":  "CiRmZDE2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs",
	"summer": "CiRmZDI2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs",
	"beth":   "CiRmZDM2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs",
	"jerry":  "CiRmZDQ2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs",
}

// TestAuthZENTodoInterop runs the AuthZEN interop "Todo" scenario's
// published decisions (authorization-api-1_0-02: 40 evaluations and 3
// batches) through /access/v1/evaluation(s), against the scenario written
// as a pdpx policy.
func TestAuthZENTodoInterop(t *testing.T) {
	s := azServer(t, "authzen-todo.yaml")
	const b2, b1, b3, b4, b5 = "7240d0db-8ff0-41ec-98b2-34a096273b92", "7240d0db-8ff0-41ec-98b2-34a096273b91", "7240d0db-8ff0-41ec-98b2-34a096273b93", "7240d0db-8ff0-41ec-98b2-34a096273b94", "7240d0db-8ff0-41ec-98b2-34a096273b95"
	type todo struct{ id, owner string }
	rickTodo := todo{b2, "rick@the-citadel.com"}
	own := map[string]todo{
		"rick": rickTodo, "morty": {b1, "morty@the-citadel.com"}, "summer": {b3, "summer@the-smiths.com"},
		"beth": {b4, "beth@the-smiths.com"}, "jerry": {b5, "jerry@the-smiths.com"},
	}
	emails := map[string]string{"rick": "rick@the-citadel.com", "morty": "morty@the-citadel.com", "summer": "summer@the-smiths.com", "beth": "beth@the-smiths.com", "jerry": "jerry@the-smiths.com"}
	// expected[user] = can_read_user beth, can_read_user self, can_read_todos,
	// can_create_todo, update rick's, update (other), delete rick's, delete (other):
	// for rick the "other" todo is morty's, for everyone else their own.
	expected := map[string][8]bool{
		"rick":   {true, true, true, true, true, true, true, true},
		"morty":  {true, true, true, true, false, true, false, true},
		"summer": {true, true, true, true, false, true, false, true},
		"beth":   {true, true, true, false, false, false, false, false},
		"jerry":  {true, true, true, false, false, false, false, false},
	}
	n := 0
	for _, who := range []string{"rick", "morty", "summer", "beth", "jerry"} {
		sub := `"subject":{"type":"user","id":"` + todoUsers[who] + `"}`
		other := own[who]
		if who == "rick" {
			other = own["morty"]
		}
		todoRes := func(td todo) string {
			return `"resource":{"type":"todo","id":"` + td.id + `","properties":{"ownerID":"` + td.owner + `"}}`
		}
		reqs := []string{
			`{` + sub + `,"action":{"name":"can_read_user"},"resource":{"type":"user","id":"beth@the-smiths.com"}}`,
			`{` + sub + `,"action":{"name":"can_read_user"},"resource":{"type":"user","id":"` + emails[who] + `"}}`,
			`{` + sub + `,"action":{"name":"can_read_todos"},"resource":{"type":"todo","id":"todo-1"}}`,
			`{` + sub + `,"action":{"name":"can_create_todo"},"resource":{"type":"todo","id":"todo-1"}}`,
			`{` + sub + `,"action":{"name":"can_update_todo"},` + todoRes(rickTodo) + `}`,
			`{` + sub + `,"action":{"name":"can_update_todo"},` + todoRes(other) + `}`,
			`{` + sub + `,"action":{"name":"can_delete_todo"},` + todoRes(rickTodo) + `}`,
			`{` + sub + `,"action":{"name":"can_delete_todo"},` + todoRes(other) + `}`,
		}
		for i, r := range reqs {
			n++
			status, body, _ := azDo(t, s, azReq{path: "/access/v1/evaluation", body: r})
			if status != 200 {
				t.Fatalf("%s: HTTP %d %s", r, status, body)
			}
			if got := azDecision(t, body); got != expected[who][i] {
				t.Errorf("%s #%d: %v, want %v: %s", who, i, got, expected[who][i], r)
			}
		}
	}
	if n != 40 {
		t.Fatalf("%d evaluations, the scenario has 40", n)
	}
	for _, tc := range []struct {
		who  string
		todo todo
		want []bool
	}{
		{"rick", own["jerry"], []bool{true, true}},
		{"morty", own["morty"], []bool{false, true}},
		{"jerry", own["jerry"], []bool{false, false}},
	} {
		body := `{"subject":{"type":"user","id":"` + todoUsers[tc.who] + `"},"action":{"name":"can_update_todo"},"evaluations":[
			{"resource":{"type":"todo","id":"` + b2 + `","properties":{"ownerID":"rick@the-citadel.com"}}},
			{"resource":{"type":"todo","id":"` + tc.todo.id + `","properties":{"ownerID":"` + tc.todo.owner + `"}}}]}`
		status, out, _ := azDo(t, s, azReq{path: "/access/v1/evaluations", body: body})
		if status != 200 {
			t.Fatalf("HTTP %d %s", status, out)
		}
		if got := azDecisions(t, out); !slices.Equal(got, tc.want) {
			t.Errorf("%s batch: %v, want %v", tc.who, got, tc.want)
		}
	}
	// The scenario names no tenant: without a default one, the Permit way
	// of writing it (roles in a tenant) denies what needs a role.
	bare, _ := newServer(t, Config{Policy: "testdata/authzen-todo.yaml", Poll: -1})
	_, body, _ := azDo(t, bare, azReq{path: "/access/v1/evaluation", body: `{"subject":{"type":"user","id":"` + todoUsers["rick"] + `"},"action":{"name":"can_create_todo"},"resource":{"type":"todo","id":"todo-1"}}`})
	if azDecision(t, body) {
		t.Errorf("allowed with no tenant at all: %s", body)
	}
	// A tenant the request names wins over the default.
	_, body, _ = azDo(t, s, azReq{path: "/access/v1/evaluation", body: `{"subject":{"type":"user","id":"` + todoUsers["rick"] + `"},"action":{"name":"can_create_todo"},"resource":{"type":"todo","id":"todo-1","properties":{"tenant":"elsewhere"}}}`})
	if azDecision(t, body) {
		t.Errorf("the default tenant replaced the request's own: %s", body)
	}
}
