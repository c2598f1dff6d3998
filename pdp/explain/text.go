package explain

import (
	"fmt"
	"strings"

	"github.com/pdpx/pdpx/pdp"
)

// maxNamed is how many names a sentence lists before "and N more".
const maxNamed = 5

// names joins names for a sentence: "a, b and c", "a, b, c, d, e and 3 more".
func names(ns []string) string {
	switch len(ns) {
	case 0:
		return "none"
	case 1:
		return ns[0]
	}
	if len(ns) > maxNamed {
		return fmt.Sprintf("%s and %d more", strings.Join(ns[:maxNamed], ", "), len(ns)-maxNamed)
	}
	return strings.Join(ns[:len(ns)-1], ", ") + " and " + ns[len(ns)-1]
}

// tick quotes a name the person may have to type: `read`.
func tick(s string) string { return "`" + s + "`" }

// cleanAll cleans every string.
func cleanAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = pdp.Clean(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// tenantWord names a tenant in a sentence; a check may have none.
func tenantWord(t string) string {
	if t == "" {
		return "no tenant"
	}
	return t
}

// listAfter reads the list of names a PDP's reason ends with after one of
// markers: "... roles in these tenants: acme, globex" (pdpx) or "...; bob has
// roles in: acme" (Permit). Quotes are dropped; "and N more" ends the list.
// The result is cleaned: reasons come from a remote party.
func listAfter(reason string, markers ...string) []string {
	for _, m := range markers {
		i := strings.LastIndex(reason, m)
		if i < 0 {
			continue
		}
		rest := reason[i+len(m):]
		if j := strings.IndexAny(rest, ";\n"); j >= 0 {
			rest = rest[:j]
		}
		var out []string
		for _, part := range strings.Split(rest, ",") {
			part = strings.TrimSpace(part)
			if k := strings.Index(part, " and "); k >= 0 {
				part = part[:k]
			}
			part = strings.Trim(strings.TrimSuffix(part, "."), `'"`+"`")
			if part != "" && part != "none" {
				out = append(out, part)
			}
		}
		return cleanAll(out)
	}
	return nil
}
