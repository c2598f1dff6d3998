package snippet

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pdpx/pdpx/pdp"
)

// jsLiteral writes a JSON value as a JavaScript expression: JSON is
// JavaScript, and jsonEscaped leaves no line terminator or control
// character in a string.
func jsLiteral(v any) string { return jsonEscaped(jsonText(v)) }

// pyString writes s as a Python string literal. JSON's escapes (\", \\, \n,
// \u00XX) mean the same in a Python string; characters that do not print
// get Python's \u or \U escape (Python has no surrogate pairs).
func pyString(s string) string {
	return escapeNonPrint(jsonText(s), func(b *strings.Builder, r rune) {
		if r > 0xFFFF {
			fmt.Fprintf(b, "\\U%08x", r)
			return
		}
		fmt.Fprintf(b, "\\u%04x", r)
	})
}

// goString writes s as a Go string literal. Each byte of invalid UTF-8
// becomes U+FFFD, as in the JSON pdpx sent; strconv.Quote escapes whatever
// does not print.
func goString(s string) string { return strconv.Quote(string([]rune(s))) }

// plain turns a value of any type into JSON's types (map[string]any,
// []any, string, float64, bool, nil), so that the literal writers below
// meet only those.
func plain(v any) any {
	switch v.(type) {
	case nil, bool, string, float64, map[string]any, []any:
		return v
	}
	var out any
	if json.Unmarshal([]byte(jsonText(v)), &out) != nil {
		return nil
	}
	return out
}

// pyLiteral writes a JSON value as a Python literal.
func pyLiteral(v any) string {
	switch x := plain(v).(type) {
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
			parts = append(parts, pyString(k)+": "+pyLiteral(x[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = pyLiteral(it)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case string:
		return pyString(x)
	case float64:
		// JSON's spelling of a number is Python's.
		return jsonText(x)
	}
	return "None"
}

func python(c pdp.Check, base string, notes []string) string {
	var b strings.Builder
	// Python reads an encoding from a comment on line 1 or 2 ("coding:
	// utf-7" would make "+AAo-" a newline): line 1 declares it, and the
	// check, which could spell such a comment, comes after.
	b.WriteString("# -*- coding: utf-8 -*-\n")
	b.WriteString(header("#", "Permit's Python SDK (pip install permit)", c))
	b.WriteString(comment("#", notes))
	b.WriteString("import asyncio\nimport os\n\nfrom permit import Permit\n\n")
	b.WriteString("permit = Permit(\n")
	fmt.Fprintf(&b, "    pdp=%s,\n", pyString(base))
	fmt.Fprintf(&b, "    token=os.environ[%s],\n", pyString(TokenEnv))
	b.WriteString(")\n\n\nasync def main():\n")
	b.WriteString("    allowed = await permit.check(\n")
	fmt.Fprintf(&b, "        %s,\n", pyLiteral(sdkUser(c.User)))
	fmt.Fprintf(&b, "        %s,\n", pyString(c.Action))
	fmt.Fprintf(&b, "        %s,\n", pyLiteral(sdkResource(c.Resource, false)))
	if len(c.Context) > 0 {
		fmt.Fprintf(&b, "        %s,\n", pyLiteral(c.Context))
	}
	b.WriteString("    )\n    print(\"ALLOW\" if allowed else \"DENY\")\n\n\nasyncio.run(main())\n")
	return b.String()
}

func node(c pdp.Check, base string, notes []string) string {
	var b strings.Builder
	b.WriteString(header("//", "Permit's Node SDK (npm install permitio)", c))
	b.WriteString(comment("//", notes))
	b.WriteString("const { Permit } = require(\"permitio\");\n\n")
	b.WriteString("const permit = new Permit({\n")
	fmt.Fprintf(&b, "  pdp: %s,\n", jsLiteral(base))
	fmt.Fprintf(&b, "  token: process.env.%s,\n", TokenEnv)
	b.WriteString("});\n\npermit\n  .check(\n")
	fmt.Fprintf(&b, "    %s,\n", jsLiteral(sdkUser(c.User)))
	fmt.Fprintf(&b, "    %s,\n", jsLiteral(c.Action))
	fmt.Fprintf(&b, "    %s,\n", jsLiteral(sdkResource(c.Resource, true)))
	if len(c.Context) > 0 {
		fmt.Fprintf(&b, "    %s,\n", jsLiteral(c.Context))
	}
	b.WriteString("  )\n  .then((allowed) => console.log(allowed ? \"ALLOW\" : \"DENY\"));\n")
	return b.String()
}

// goLiteral writes a JSON value as a Go expression of type interface{}.
func goLiteral(v any) string {
	switch x := plain(v).(type) {
	case nil:
		return "nil"
	case bool:
		return strconv.FormatBool(x)
	case string:
		return goString(x)
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
	return "nil"
}

func goMap(m map[string]any) string {
	parts := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		parts = append(parts, goString(k)+": "+goLiteral(m[k]))
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
		parts = append(parts, goString(k)+": "+goString(s))
	}
	return "map[string]string{" + strings.Join(parts, ", ") + "}"
}

func goSDK(c pdp.Check, base string, notes []string) string {
	var b strings.Builder
	b.WriteString(header("//", "Permit's Go SDK (go get github.com/permitio/permit-golang)", c))
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
	fmt.Fprintf(&b, "\t\tWithPdpUrl(%s).\n\t\tBuild())\n\n", goString(base))
	u := c.User
	fmt.Fprintf(&b, "\tuser := enforcement.UserBuilder(%s)", goString(u.Key))
	for _, f := range []struct{ method, v string }{{"WithFirstName", u.FirstName}, {"WithLastName", u.LastName}, {"WithEmail", u.Email}} {
		if f.v != "" {
			fmt.Fprintf(&b, ".\n\t\t%s(%s)", f.method, goString(f.v))
		}
	}
	if len(u.Attributes) > 0 {
		fmt.Fprintf(&b, ".\n\t\tWithAttributes(%s)", goMap(u.Attributes))
	}
	b.WriteString(".\n\t\tBuild()\n")
	r := c.Resource
	fmt.Fprintf(&b, "\tresource := enforcement.ResourceBuilder(%s)", goString(r.Type))
	if r.Key != "" {
		fmt.Fprintf(&b, ".\n\t\tWithKey(%s)", goString(r.Key))
	}
	if r.Tenant != "" {
		fmt.Fprintf(&b, ".\n\t\tWithTenant(%s)", goString(r.Tenant))
	}
	if len(r.Attributes) > 0 {
		fmt.Fprintf(&b, ".\n\t\tWithAttributes(%s)", goMap(r.Attributes))
	}
	b.WriteString(".\n\t\tBuild()\n\n")
	if len(c.Context) > 0 {
		// The SDK's Client.Check takes no context; a CheckRequest does.
		b.WriteString("\tresults, err := client.BulkCheck(enforcement.CheckRequest{\n")
		fmt.Fprintf(&b, "\t\tUser:     user,\n\t\tAction:   %s,\n\t\tResource: resource,\n\t\tContext:  %s,\n\t})\n", goString(c.Action), goStringMap(c.Context))
		b.WriteString("\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n\tallowed := results[0]\n")
	} else {
		fmt.Fprintf(&b, "\tallowed, err := client.Check(user, %s, resource)\n", goString(c.Action))
		b.WriteString("\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n")
	}
	b.WriteString("\tif allowed {\n\t\tfmt.Println(\"ALLOW\")\n\t} else {\n\t\tfmt.Println(\"DENY\")\n\t}\n}\n")
	return b.String()
}
