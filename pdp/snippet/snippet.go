// Package snippet writes a check as code that makes the same check: a curl
// command and calls to Permit's Python, Node and Go SDKs. The API key is
// always read from the environment ($PERMIT_API_KEY, os.environ,
// process.env, os.Getenv), never written in the snippet. It knows no
// terminal: the CLI prints its text and the explorer copies it.
package snippet

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/pdpx/pdpx/pdp"
)

// Lang is a snippet language.
type Lang string

// The languages snippets are written in.
const (
	Curl   Lang = "curl"
	Python Lang = "python"
	Node   Lang = "node"
	Go     Lang = "go"
)

// Langs lists every language, in the order menus show them.
var Langs = []Lang{Curl, Python, Node, Go}

// ParseLang reads a language name.
func ParseLang(s string) (Lang, error) {
	for _, l := range Langs {
		if string(l) == strings.ToLower(strings.TrimSpace(s)) {
			return l, nil
		}
	}
	return "", fmt.Errorf("unknown snippet language %q: want curl, python, node or go", s)
}

// TokenEnv is the variable every snippet reads the API key from.
const TokenEnv = "PERMIT_API_KEY"

// LocalURL is the PDP URL a snippet uses for the embedded engine, which has
// no URL of its own: pdpx serve and Permit's PDP container listen there.
const LocalURL = pdp.LocalPDPURL

// Target says where the snippet sends the check.
type Target struct {
	Kind pdp.Kind
	// URL is the PDP's base URL; ignored for the embedded engine.
	URL string
}

// pdpURL is the URL the snippet calls, without any credentials a URL might
// carry (user:pass@host), and a note for the reader when the URL is not
// the target's own.
func (t Target) pdpURL() (string, string) {
	if t.Kind == pdp.KindEmbedded || t.Kind == "" || t.URL == "" {
		return LocalURL, "pdpx decided this with its embedded engine, which has no URL: this asks `pdpx serve` (or a local PDP) at " + LocalURL
	}
	u, err := url.Parse(t.URL)
	if err != nil {
		return LocalURL, "the target's URL does not parse; this asks " + LocalURL
	}
	u.User = nil
	return strings.TrimRight(u.String(), "/"), ""
}

// Generate writes c as a snippet in lang that asks the target.
func Generate(lang Lang, c pdp.Check, t Target) (string, error) {
	base, note := t.pdpURL()
	var notes []string
	if note != "" {
		notes = append(notes, note)
	}
	switch lang {
	case Curl:
		return curl(c, base, notes), nil
	case Python:
		return python(c, base, sdkNotes(c, notes, lang)), nil
	case Node:
		return node(c, base, sdkNotes(c, notes, lang)), nil
	case Go:
		return goSDK(c, base, sdkNotes(c, notes, lang)), nil
	}
	return "", fmt.Errorf("unknown snippet language %q: want curl, python, node or go", lang)
}

// sdkNotes says where an SDK cannot send exactly what pdpx sent.
func sdkNotes(c pdp.Check, notes []string, lang Lang) []string {
	if len(c.TenantAttributes) > 0 {
		notes = append(notes, "Permit's SDKs do not send JIT tenant attributes (pdpx sent tenant."+
			"attributes in the /allowed body); the curl snippet sends them")
	}
	if c.Resource.Tenant == "" {
		notes = append(notes, "pdpx sent no tenant, but the SDK fills in \"default\" when the resource names none")
	}
	if lang == Go && len(c.Context) > 0 && !allStrings(c.Context) {
		notes = append(notes, "the Go SDK's context is map[string]string: non-string values are written as their JSON text")
	}
	if lang == Go && len(c.Resource.Context) > 0 {
		notes = append(notes, "resource.context is left out: the Go SDK's builder has no typed field for it")
	}
	return notes
}

func allStrings(m map[string]any) bool {
	for _, v := range m {
		if _, ok := v.(string); !ok {
			return false
		}
	}
	return true
}

func comment(prefix string, notes []string) string {
	var b strings.Builder
	for _, n := range notes {
		b.WriteString(prefix)
		b.WriteString(" ")
		b.WriteString(n)
		b.WriteString("\n")
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell: in single quotes, each quote inside
// closed, escaped and reopened.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func curl(c pdp.Check, base string, notes []string) string {
	var b strings.Builder
	b.WriteString("# " + c.String() + " — Permit's /allowed, as pdpx sent it\n")
	b.WriteString(comment("#", notes))
	fmt.Fprintf(&b, "curl -sS -X POST %s \\\n", shellQuote(base+"/allowed"))
	// Double quotes so the shell expands the variable; the key never
	// appears in the text.
	b.WriteString("  -H \"Authorization: Bearer $" + TokenEnv + "\" \\\n")
	b.WriteString("  -H 'Content-Type: application/json' \\\n")
	b.WriteString("  -d " + shellQuote(string(c.Body())) + "\n")
	return b.String()
}

// sdkUser is the user as the SDKs take it: a key alone, or an object.
func sdkUser(u pdp.User) any {
	if u.FirstName == "" && u.LastName == "" && u.Email == "" && len(u.Attributes) == 0 {
		return u.Key
	}
	m := map[string]any{"key": u.Key}
	if u.FirstName != "" {
		m["first_name"] = u.FirstName
	}
	if u.LastName != "" {
		m["last_name"] = u.LastName
	}
	if u.Email != "" {
		m["email"] = u.Email
	}
	if len(u.Attributes) > 0 {
		m["attributes"] = u.Attributes
	}
	return m
}

// sdkResource is the resource as the SDKs take it: "type" or "type:key"
// when that says all, else an object. keyString is false for Python, whose
// SDK has read the key of a "type:key" string into a field named id in
// some releases: an object with "key" means the same in all of them.
func sdkResource(r pdp.Resource, keyString bool) any {
	if len(r.Attributes) == 0 && len(r.Context) == 0 && (r.Tenant == "" || r.Tenant == pdp.DefaultTenant) &&
		(r.Key == "" || keyString && !strings.Contains(r.Key, ":")) {
		return r.Ref()
	}
	m := map[string]any{"type": r.Type}
	if r.Key != "" {
		m["key"] = r.Key
	}
	if r.Tenant != "" {
		m["tenant"] = r.Tenant
	}
	if len(r.Attributes) > 0 {
		m["attributes"] = r.Attributes
	}
	if len(r.Context) > 0 {
		m["context"] = r.Context
	}
	return m
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// jsonText is v as compact JSON; for JavaScript it is also a valid literal.
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "null"
	}
	return strings.TrimSpace(b.String())
}

// pyLiteral writes a JSON value as a Python literal.
func pyLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case map[string]any:
		parts := make([]string, 0, len(x))
		for _, k := range sortedKeys(x) {
			parts = append(parts, jsonText(k)+": "+pyLiteral(x[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = pyLiteral(it)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	// Strings and numbers: JSON's spelling is Python's.
	return jsonText(v)
}

func python(c pdp.Check, base string, notes []string) string {
	var b strings.Builder
	b.WriteString("# " + c.String() + " — Permit's Python SDK (pip install permit)\n")
	b.WriteString(comment("#", notes))
	b.WriteString("import asyncio\nimport os\n\nfrom permit import Permit\n\n")
	b.WriteString("permit = Permit(\n")
	fmt.Fprintf(&b, "    pdp=%s,\n", jsonText(base))
	fmt.Fprintf(&b, "    token=os.environ[%s],\n", jsonText(TokenEnv))
	b.WriteString(")\n\n\nasync def main():\n")
	b.WriteString("    allowed = await permit.check(\n")
	fmt.Fprintf(&b, "        %s,\n", pyLiteral(sdkUser(c.User)))
	fmt.Fprintf(&b, "        %s,\n", jsonText(c.Action))
	fmt.Fprintf(&b, "        %s,\n", pyLiteral(sdkResource(c.Resource, false)))
	if len(c.Context) > 0 {
		fmt.Fprintf(&b, "        %s,\n", pyLiteral(c.Context))
	}
	b.WriteString("    )\n    print(\"ALLOW\" if allowed else \"DENY\")\n\n\nasyncio.run(main())\n")
	return b.String()
}

func node(c pdp.Check, base string, notes []string) string {
	var b strings.Builder
	b.WriteString("// " + c.String() + " — Permit's Node SDK (npm install permitio)\n")
	b.WriteString(comment("//", notes))
	b.WriteString("const { Permit } = require(\"permitio\");\n\n")
	b.WriteString("const permit = new Permit({\n")
	fmt.Fprintf(&b, "  pdp: %s,\n", jsonText(base))
	fmt.Fprintf(&b, "  token: process.env.%s,\n", TokenEnv)
	b.WriteString("});\n\npermit\n  .check(\n")
	fmt.Fprintf(&b, "    %s,\n", jsonText(sdkUser(c.User)))
	fmt.Fprintf(&b, "    %s,\n", jsonText(c.Action))
	fmt.Fprintf(&b, "    %s,\n", jsonText(sdkResource(c.Resource, true)))
	if len(c.Context) > 0 {
		fmt.Fprintf(&b, "    %s,\n", jsonText(c.Context))
	}
	b.WriteString("  )\n  .then((allowed) => console.log(allowed ? \"ALLOW\" : \"DENY\"));\n")
	return b.String()
}

// goLiteral writes a JSON value as a Go expression of type interface{}.
func goLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case bool:
		return strconv.FormatBool(x)
	case string:
		return strconv.Quote(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case map[string]any:
		return goMap(x)
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = goLiteral(it)
		}
		return "[]interface{}{" + strings.Join(parts, ", ") + "}"
	}
	return strconv.Quote(jsonText(v))
}

func goMap(m map[string]any) string {
	parts := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		parts = append(parts, strconv.Quote(k)+": "+goLiteral(m[k]))
	}
	return "map[string]interface{}{" + strings.Join(parts, ", ") + "}"
}

func goStringMap(m map[string]any) string {
	parts := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		s, ok := m[k].(string)
		if !ok {
			s = jsonText(m[k])
		}
		parts = append(parts, strconv.Quote(k)+": "+strconv.Quote(s))
	}
	return "map[string]string{" + strings.Join(parts, ", ") + "}"
}

func goSDK(c pdp.Check, base string, notes []string) string {
	var b strings.Builder
	b.WriteString("// " + c.String() + " — Permit's Go SDK (go get github.com/permitio/permit-golang)\n")
	b.WriteString(comment("//", notes))
	b.WriteString(`package main

import (
	"fmt"
	"log"
	"os"

	"github.com/permitio/permit-golang/pkg/config"
	"github.com/permitio/permit-golang/pkg/enforcement"
	"github.com/permitio/permit-golang/pkg/permit"
)

func main() {
`)
	fmt.Fprintf(&b, "\tclient := permit.New(config.NewConfigBuilder(os.Getenv(%q)).\n", TokenEnv)
	fmt.Fprintf(&b, "\t\tWithPdpUrl(%s).\n\t\tBuild())\n\n", strconv.Quote(base))
	u := c.User
	fmt.Fprintf(&b, "\tuser := enforcement.UserBuilder(%s)", strconv.Quote(u.Key))
	for _, f := range []struct{ method, v string }{{"WithFirstName", u.FirstName}, {"WithLastName", u.LastName}, {"WithEmail", u.Email}} {
		if f.v != "" {
			fmt.Fprintf(&b, ".\n\t\t%s(%s)", f.method, strconv.Quote(f.v))
		}
	}
	if len(u.Attributes) > 0 {
		fmt.Fprintf(&b, ".\n\t\tWithAttributes(%s)", goMap(u.Attributes))
	}
	b.WriteString(".\n\t\tBuild()\n")
	r := c.Resource
	fmt.Fprintf(&b, "\tresource := enforcement.ResourceBuilder(%s)", strconv.Quote(r.Type))
	if r.Key != "" {
		fmt.Fprintf(&b, ".\n\t\tWithKey(%s)", strconv.Quote(r.Key))
	}
	if r.Tenant != "" {
		fmt.Fprintf(&b, ".\n\t\tWithTenant(%s)", strconv.Quote(r.Tenant))
	}
	if len(r.Attributes) > 0 {
		fmt.Fprintf(&b, ".\n\t\tWithAttributes(%s)", goMap(r.Attributes))
	}
	b.WriteString(".\n\t\tBuild()\n\n")
	if len(c.Context) > 0 {
		fmt.Fprintf(&b, "\tallowed, err := client.Check(user, %s, resource, %s)\n", strconv.Quote(c.Action), goStringMap(c.Context))
	} else {
		fmt.Fprintf(&b, "\tallowed, err := client.Check(user, %s, resource)\n", strconv.Quote(c.Action))
	}
	b.WriteString("\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n")
	b.WriteString("\tif allowed {\n\t\tfmt.Println(\"ALLOW\")\n\t} else {\n\t\tfmt.Println(\"DENY\")\n\t}\n}\n")
	return b.String()
}
