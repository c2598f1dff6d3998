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
	"unicode/utf16"
	"unicode/utf8"

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
	base := strings.TrimRight(u.String(), "/")
	if !printable(base) {
		return LocalURL, "the target's URL holds characters that do not print; this asks " + LocalURL
	}
	return base, ""
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

// comment writes each note as a line comment. Every line starts with the
// marker and a space, so that no note can become a directive (//go:build,
// a shebang), and holds only printable characters: a newline would end the
// comment and run what follows, and an escape sequence would act on the
// terminal the snippet is printed on.
func comment(prefix string, notes []string) string {
	var b strings.Builder
	for _, n := range notes {
		b.WriteString(prefix)
		b.WriteString(" ")
		b.WriteString(commentText(n))
		b.WriteString("\n")
	}
	return b.String()
}

// printable reports whether s is valid UTF-8 made only of characters that
// print as themselves: no control or format character (ESC, CR, NUL, bidi
// overrides, zero-width joiners), no line or paragraph separator (U+2028
// ends a line in JavaScript).
func printable(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") || !strconv.IsPrint(r) {
			return false
		}
	}
	return true
}

// commentText is s made safe for a one-line comment: itself when it is
// printable, else with every other character written as a Go escape (\n,
// \x1b, \u2028), which any reader understands.
func commentText(s string) string {
	if printable(s) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// shown is one part of a check as a comment shows it: as written when it
// is printable, else quoted with escapes, so that a user key holding a
// newline reads "x\ntouch f" and stays on its line.
func shown(s string) string {
	if printable(s) {
		return s
	}
	return strconv.Quote(s)
}

// summary is the check on one line for a comment, like pdp.Check.String
// but with each part that is not printable quoted.
func summary(c pdp.Check) string {
	tenant := " (no tenant)"
	if c.Resource.Tenant != "" {
		tenant = " @" + shown(c.Resource.Tenant)
	}
	return shown(c.User.Key) + " " + shown(c.Action) + " " + shown(c.Resource.Ref()) + tenant
}

// header is a snippet's first comment line: pdpx's words first, then the
// check, so that the line is a comment whatever the check holds.
func header(prefix, what string, c pdp.Check) string {
	return prefix + " " + what + ": " + summary(c) + "\n"
}

// shellQuote quotes s for a POSIX shell: in single quotes, each quote inside
// closed, escaped and reopened. s must hold no NUL, which no shell passes;
// the callers quote JSON text and URLs, which cannot.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func curl(c pdp.Check, base string, notes []string) string {
	var b strings.Builder
	b.WriteString(header("#", "Permit's /allowed, as pdpx sent it", c))
	b.WriteString(comment("#", notes))
	fmt.Fprintf(&b, "curl -sS -X POST %s \\\n", shellQuote(base+"/allowed"))
	// Double quotes so the shell expands the variable; the key never
	// appears in the text.
	b.WriteString("  -H \"Authorization: Bearer $" + TokenEnv + "\" \\\n")
	b.WriteString("  -H 'Content-Type: application/json' \\\n")
	// Inside single quotes the shell expands nothing, and the JSON holds
	// no quote of its own kind unescaped: shellQuote closes and reopens.
	b.WriteString("  -d " + shellQuote(jsonEscaped(string(c.Body()))) + "\n")
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
// when that says all (a ':' inside the type or key would split elsewhere),
// else an object. keyString is false for Python, whose
// SDK has read the key of a "type:key" string into a field named id in
// some releases: an object with "key" means the same in all of them.
func sdkResource(r pdp.Resource, keyString bool) any {
	if len(r.Attributes) == 0 && len(r.Context) == 0 && (r.Tenant == "" || r.Tenant == pdp.DefaultTenant) &&
		!strings.Contains(r.Type, ":") && (r.Key == "" || keyString && !strings.Contains(r.Key, ":")) {
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

// jsonText is v as compact JSON.
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "null"
	}
	return strings.TrimSpace(b.String())
}

// jsonEscaped is JSON text with every character that does not print
// written as a \u escape, which means the same to every JSON reader and
// to JavaScript. encoding/json already escapes the C0 controls, U+2028 and
// U+2029; this adds DEL, the C1 controls (0x9b is CSI to some terminals)
// and the format characters (bidi overrides), all of which can only be
// inside strings. Characters beyond the BMP become surrogate pairs.
func jsonEscaped(s string) string {
	return escapeNonPrint(s, func(b *strings.Builder, r rune) {
		if r > 0xFFFF {
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(b, "\\u%04x\\u%04x", hi, lo)
			return
		}
		fmt.Fprintf(b, "\\u%04x", r)
	})
}

// escapeNonPrint copies s, writing each rune at or above 0x7f that does not
// print with esc. Runes below 0x7f are left alone: in JSON text the C0
// controls are already escaped inside strings, and outside strings they
// are only the whitespace between tokens.
func escapeNonPrint(s string, esc func(*strings.Builder, rune)) string {
	clean := true
	for _, r := range s {
		if r >= 0x7f && !strconv.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= 0x7f && !strconv.IsPrint(r) {
			esc(&b, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
