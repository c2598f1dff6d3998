package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/pdpx/pdpx/pdp"
	"github.com/pdpx/pdpx/pdp/server"
)

// tokenEnv holds the API key pdpx serve demands when --token is not given.
// It is not PERMIT_API_KEY on purpose: that one is the key pdpx and the
// SDKs send, and a shell that sets it for a client should not lock the
// server by accident.
const tokenEnv = "PDPX_TOKEN"

// newServeCmd is `pdpx serve`: flags (and the profile) to a server.Config,
// then serve until fang cancels the command's context on SIGINT or SIGTERM.
func newServeCmd(g *globals) *cobra.Command {
	var (
		addr, token, logFormat    string
		defaultTenant, publicURL  string
		noDebug                   bool
		readTimeout, writeTimeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a policy file as a Permit-compatible PDP (for development, tests and CI)",
		Long: `Serve the embedded engine over HTTP with the API of Permit's PDP, so that
Permit's SDKs, pdpx --pdp and AuthZEN clients use it unchanged, offline:
/allowed, /allowed/bulk, /allowed/all-tenants, /user-permissions,
/user-tenants, /authorized_users, GET /local/role_assignments, /health,
/healthy, /ready, and AuthZEN's /access/v1/evaluation(s),
/access/v1/search/{subject,resource,action} and
/.well-known/authzen-configuration. Bodies up to 2 MiB are read, as on
Permit's PDP; --read-timeout and --write-timeout cut off clients that stop
sending or reading.

AuthZEN requests rarely name a Permit tenant (resource.properties.tenant):
--default-tenant (else the served profile's default_tenant) gives them one,
so that roles held in that tenant count.

The policy file (--policy, else the policy of the profile --profile names,
else the demo policy) is the source of truth. It is reloaded when it
changes; a file that no longer validates is reported and the last good
policy keeps serving. A profile must be of kind embedded; the config's
default profile is served when it is one (a default naming a PDP is said
in the log, and the demo policy served).

pdpx serve is for development, demos, tests and CI. Production traffic
belongs on Permit's PDP, which scales out and syncs from Permit's cloud.`,
		Example: `  pdpx serve                                  # the demo policy on 127.0.0.1:7766
  pdpx serve --policy env.yaml --token dev-key
  pdpx serve --profile mine                        # an embedded profile of the config file
  pdpx serve --policy todo.yaml --default-tenant default   # AuthZEN clients, no tenant in their requests
  PERMIT_PDP_URL=http://127.0.0.1:7766 node app.js   # Permit's Node SDK, unchanged`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, f := range []string{"pdp", "cloud", "authzen"} {
				if fl := cmd.Flags().Lookup(f); fl != nil && fl.Changed {
					return fmt.Errorf("--%s does not apply to pdpx serve: it serves a policy file (--policy FILE, default the demo policy)", f)
				}
			}
			log, err := newLogger(cmd.ErrOrStderr(), logFormat)
			if err != nil {
				return err
			}
			policyPath, err := g.servedPolicy(log)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("default-tenant") {
				defaultTenant = g.servedDefaultTenant()
			}
			if token == "" {
				token = os.Getenv(tokenEnv)
			}
			for _, d := range []struct {
				flag string
				v    *time.Duration
			}{{"--read-timeout", &readTimeout}, {"--write-timeout", &writeTimeout}} {
				if *d.v < 0 {
					return fmt.Errorf("%s %v: give a duration such as 30s, or 0 for none", d.flag, *d.v)
				}
				if *d.v == 0 {
					*d.v = -1 // server.Config reads a negative timeout as none
				}
			}
			srv, err := server.New(server.Config{Policy: policyPath, Token: token, NoDebug: noDebug, Log: log,
				ReadTimeout: readTimeout, WriteTimeout: writeTimeout,
				DefaultTenant: defaultTenant, PublicURL: publicURL})
			if err != nil {
				return fmt.Errorf("%s:\n%w", policyPath, err)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("cannot listen on %s: %w (is another PDP running there? pass --addr)", addr, err)
			}
			log.Info("pdpx serve: a Permit-compatible PDP for development and tests",
				"url", "http://"+ln.Addr().String(), "policy", srv.PolicyName(), "debug", !noDebug)
			if defaultTenant != "" {
				log.Info("AuthZEN requests that name no tenant are decided in " + defaultTenant)
			}
			if token == "" {
				log.Warn("no --token or " + tokenEnv + ": accepting any API key, or none")
			}
			return srv.Serve(cmd.Context(), ln)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", server.DefaultAddr, "listen on this `host:port`")
	f.StringVar(&token, "token", "", "the API `key` requests must carry as Authorization: Bearer (default $"+tokenEnv+"; none accepts any)")
	f.BoolVar(&noDebug, "no-debug", false, "leave Permit's debug object out of decisions")
	f.StringVar(&logFormat, "log-format", "text", "access log `format`: text or json")
	f.StringVar(&defaultTenant, "default-tenant", "", "the `tenant` of AuthZEN requests that name none in resource.properties.tenant (default: the served profile's default_tenant, else none, as Permit's PDP)")
	f.StringVar(&publicURL, "public-url", "", "the base `URL` clients reach this server at, for the AuthZEN metadata (default: each request's Host and proxy headers)")
	f.DurationVar(&readTimeout, "read-timeout", server.DefaultReadTimeout, "the longest a client may take to send a whole request, body included (0: no limit)")
	f.DurationVar(&writeTimeout, "write-timeout", server.DefaultWriteTimeout, "the longest a request may take from its headers to the end of its answer, so that a client that stops reading lets go (0: no limit)")
	return cmd
}

// servedPolicy is the policy file pdpx serve serves, "" for the demo
// policy: --policy, else the selected profile's (--profile, or the
// config's default), which must be an embedded one.
func (g *globals) servedPolicy(log *slog.Logger) (string, error) {
	if g.policy != "" {
		return g.policy, nil
	}
	p, ok, err := g.selectedProfile()
	switch {
	case err != nil:
		return "", err
	case !ok:
		return "", nil
	case p.Kind == pdp.KindEmbedded:
		return p.Policy, nil
	case g.profile != "":
		return "", fmt.Errorf("profile %q is a %s target (%s): pdpx serve serves a policy file; use a profile of kind embedded, or --policy FILE",
			p.Name, p.Kind, stripUserinfo(p.Spec().URL))
	}
	log.Warn(fmt.Sprintf("the config's default profile %q is a %s target, which pdpx serve cannot serve: serving the demo policy (pass --policy FILE or --profile NAME)", p.Name, p.Kind))
	return "", nil
}

// servedDefaultTenant is the default_tenant of the profile whose policy
// pdpx serve serves, "" when it serves --policy or no profile.
func (g *globals) servedDefaultTenant() string {
	if g.policy != "" {
		return ""
	}
	p, ok, err := g.selectedProfile()
	if err != nil || !ok || p.Kind != pdp.KindEmbedded {
		return ""
	}
	return p.DefaultTenant
}

// newLogger is the access log and the server's reports, on w.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, errors.New("--log-format " + format + ": want text or json")
}
