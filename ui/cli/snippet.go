package cli

import (
	"fmt"
	"io"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/snippet"
)

// printSnippet is `pdpx check --print LANG`: the check as code that makes
// it, for the target the flags or the profile name. It only prints: nothing
// is decided or recorded, no token is resolved (the snippet reads
// $PERMIT_API_KEY itself), and the exit code is 0.
func printSnippet(w io.Writer, g *globals, lang string, c pdp.Check) error {
	l, err := snippet.ParseLang(lang)
	if err != nil {
		return err
	}
	spec, err := g.resolveSpec(false)
	if err != nil {
		return err
	}
	if spec.Kind == pdp.KindAuthZEN {
		if l != snippet.Curl {
			return fmt.Errorf("--print %s on an AuthZEN target: only curl, since Permit's SDKs speak Permit's API, not AuthZEN", lang)
		}
		text, err := snippet.AuthZENCurl(c, spec.URL)
		if err != nil {
			return err
		}
		_, err = fmt.Fprint(w, text)
		return err
	}
	text, err := snippet.Generate(l, c, snippet.Target{Kind: spec.Kind, URL: spec.URL})
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(w, text)
	return err
}
