package cli

import (
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// tidyHelp readies the command tree for fang's help screens, which print a
// flag's usage and a command's summary as they are, on one line, whatever
// the terminal's width:
//
//   - a flag that takes a value says so: cobra's `name` quotes become the
//     value's name in front of the usage ("= FILE  Decide with …"), and a
//     flag without them shows its type ("= DURATION"). The "=" keeps the
//     name as written: fang title-cases the first word of a usage
//     ("FILE" would show as "File");
//   - summaries and usages are wrapped to the width left beside the page's
//     names, so an 80-column terminal does not break them mid-word.
//
// The root's page is laid out now; every other page when it is shown.
func tidyHelp(root *cobra.Command) {
	orig := map[*pflag.Flag]string{}
	short := map[*cobra.Command]string{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		short[c] = c.Short
		for _, fs := range []*pflag.FlagSet{c.LocalNonPersistentFlags(), c.PersistentFlags(), c.Flags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if _, done := orig[f]; !done {
					orig[f] = withValueName(f)
				}
			})
		}
		for _, sc := range c.Commands() {
			walk(sc)
			sc.SetHelpFunc(func(c *cobra.Command, args []string) {
				layOut(c, orig, short)
				c.Root().HelpFunc()(c, args)
			})
		}
	}
	walk(root)
	layOut(root, orig, short)
}

// withValueName is f's usage with the name of its value in front.
func withValueName(f *pflag.Flag) string {
	name, usage := pflag.UnquoteUsage(f)
	if f.Value.Type() == "bool" || name == "" {
		return usage
	}
	switch name {
	case "string", "stringArray":
		name = "value"
	case "int", "uint64":
		name = "n"
	}
	return "= " + strings.ToUpper(name) + "  " + capitalize(usage)
}

// capitalize upper-cases the first letter of s, as fang would have.
func capitalize(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}

// helpWidth is the terminal's width as fang's help measures it.
func helpWidth() int {
	if s := os.Getenv("__FANG_TEST_WIDTH"); s != "" {
		if w, err := strconv.Atoi(s); err == nil {
			return w
		}
	}
	w, _, err := term.GetSize(os.Stdout.Fd())
	if err != nil {
		return 120
	}
	return min(w, 120)
}

// layOut wraps the summaries of c's subcommands and the usages of its flags
// to the room fang's help leaves them on c's page: the width less the
// indent and the widest name, as fang measures it.
func layOut(c *cobra.Command, orig map[*pflag.Flag]string, short map[*cobra.Command]string) {
	const indent, gap, minName, defaultRoom = 4, 2, 10, 16
	name := minName
	for _, sc := range c.Commands() {
		if !sc.Hidden {
			name = max(name, len(usageKey(sc))+gap)
		}
	}
	c.Flags().VisitAll(func(f *pflag.Flag) {
		key := "--" + f.Name
		if f.Shorthand != "" {
			key = "-" + f.Shorthand + " " + key
		}
		name = max(name, len(key)+gap)
	})
	room := max(helpWidth()-indent-name-1, 24)
	for _, sc := range c.Commands() {
		if s, ok := short[sc]; ok {
			sc.Short = wrap(s, room)
		}
	}
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if u, ok := orig[f]; ok {
			// Room for the default fang appends: " (5s)".
			f.Usage = wrap(u, room-min(defaultRoom, len(f.DefValue)+3))
		}
	})
}

// usageKey is the name fang shows for a subcommand: its use line with the
// markers it moves or adds, at their widest.
func usageKey(c *cobra.Command) string {
	u := c.Use
	for _, m := range []string{"[args]", "[flags]", "[--flags]", "[command]"} {
		u = strings.ReplaceAll(u, m, "")
	}
	u = strings.Join(strings.Fields(u), " ")
	if c.HasAvailableSubCommands() {
		u += " [command]"
	}
	if c.HasAvailableFlags() || c.HasAvailablePersistentFlags() {
		u += " [--flags]"
	}
	return u
}

// wrap breaks s into lines of at most width columns at spaces.
func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(s) {
		w := len([]rune(word))
		switch {
		case i == 0:
		case n+1+w > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += w
	}
	return b.String()
}
