package snippet

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pdpx/pdpx/pdp"
)

// goSDK stands in for Permit's Go SDK (github.com/permitio/permit-golang):
// the types and methods the snippet uses, with the same signatures.
var goSDKFiles = map[string]string{
	"go.mod": "module github.com/permitio/permit-golang\n\ngo 1.22\n",
	"pkg/config/config.go": `package config

type PermitConfig struct{ token, pdpURL string }

type PermitBuilder struct{ PermitConfig }

func NewConfigBuilder(token string) *PermitBuilder {
	return &PermitBuilder{PermitConfig{token: token}}
}

func (c *PermitConfig) WithPdpUrl(u string) *PermitConfig { c.pdpURL = u; return c }

func (c *PermitConfig) Build() PermitConfig { return *c }

func (c *PermitConfig) GetToken() string { return c.token }

func (c *PermitConfig) GetPdpUrl() string { return c.pdpURL }
`,
	"pkg/enforcement/enforcement.go": `package enforcement

type Action string

type User struct {
	Key        string                 ` + "`json:\"key\"`" + `
	FirstName  string                 ` + "`json:\"first_name\"`" + `
	LastName   string                 ` + "`json:\"last_name\"`" + `
	Email      string                 ` + "`json:\"email\"`" + `
	Attributes map[string]interface{} ` + "`json:\"attributes\"`" + `
}

func UserBuilder(key string) *User                                { return &User{Key: key} }
func (u *User) WithFirstName(s string) *User                      { u.FirstName = s; return u }
func (u *User) WithLastName(s string) *User                       { u.LastName = s; return u }
func (u *User) WithEmail(s string) *User                          { u.Email = s; return u }
func (u *User) WithAttributes(a map[string]interface{}) *User     { u.Attributes = a; return u }
func (u *User) Build() User                                       { return *u }

type Resource struct {
	Type       string                 ` + "`json:\"type\"`" + `
	Key        string                 ` + "`json:\"key\"`" + `
	Tenant     string                 ` + "`json:\"tenant\"`" + `
	Attributes map[string]interface{} ` + "`json:\"attributes\"`" + `
	Context    map[string]string      ` + "`json:\"context\"`" + `
}

func ResourceBuilder(t string) *Resource                              { return &Resource{Type: t} }
func (r *Resource) WithKey(k string) *Resource                        { r.Key = k; return r }
func (r *Resource) WithTenant(t string) *Resource                     { r.Tenant = t; return r }
func (r *Resource) WithAttributes(a map[string]interface{}) *Resource { r.Attributes = a; return r }
func (r *Resource) WithContext(c map[string]string) *Resource         { r.Context = c; return r }
func (r *Resource) Build() Resource                                   { return *r }

type CheckRequest struct {
	User     User              ` + "`json:\"user\"`" + `
	Action   Action            ` + "`json:\"action\"`" + `
	Resource Resource          ` + "`json:\"resource\"`" + `
	Context  map[string]string ` + "`json:\"context\"`" + `
}
`,
	"pkg/permit/permit.go": `package permit

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/permitio/permit-golang/pkg/config"
	"github.com/permitio/permit-golang/pkg/enforcement"
)

type Client struct{ cfg config.PermitConfig }

var New = NewPermit

func NewPermit(cfg config.PermitConfig) *Client { return &Client{cfg: cfg} }

func (c *Client) Check(user enforcement.User, action enforcement.Action, resource enforcement.Resource) (bool, error) {
	return c.post(enforcement.CheckRequest{User: user, Action: action, Resource: resource})
}

func (c *Client) BulkCheck(requests ...enforcement.CheckRequest) ([]bool, error) {
	out := make([]bool, len(requests))
	for i, r := range requests {
		ok, err := c.post(r)
		if err != nil {
			return nil, err
		}
		out[i] = ok
	}
	return out, nil
}

func (c *Client) post(r enforcement.CheckRequest) (bool, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return false, err
	}
	req, err := http.NewRequest("POST", c.cfg.GetPdpUrl()+"/sdk-check", bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.GetToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	var out struct {
		Allow bool ` + "`json:\"allow\"`" + `
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out.Allow, err
}
`,
}

func TestHostileGoRunsOnlyTheRequest(t *testing.T) {
	goBin := need(t, "go")
	stub := newPDPStub(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "PWNED")
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range goSDKFiles {
		write(filepath.Join("permit-golang", name), text)
	}
	write("go.mod", "module snippets\n\ngo 1.22\n\nrequire github.com/permitio/permit-golang v0.0.0\n\n"+
		"replace github.com/permitio/permit-golang => ./permit-golang\n")
	checks := hostileChecks(hostile(marker))
	// One program holds every snippet, each file's main renamed, so that
	// the test links once rather than once per snippet; the line that
	// declares main is the only one of its kind, as no value can put a
	// newline outside a comment or a literal.
	var dispatch strings.Builder
	dispatch.WriteString("package main\n\nimport \"os\"\n\nvar snippets = map[string]func(){\n")
	for i, c := range checks {
		src, err := Generate(Go, c, Target{Kind: pdp.KindPDP, URL: stub.srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		const decl = "\nfunc main() {\n"
		if n := strings.Count(src, decl); n != 1 {
			t.Fatalf("Go snippet %d declares main %d times:\n%s", i, n, src)
		}
		name := fmt.Sprintf("main%02d", i)
		write(fmt.Sprintf("run/s%02d.go", i), strings.Replace(src, decl, "\nfunc "+name+"() {\n", 1))
		fmt.Fprintf(&dispatch, "\t%q: %s,\n", strconv.Itoa(i), name)
	}
	dispatch.WriteString("}\n\nfunc main() { snippets[os.Args[1]]() }\n")
	write("run/main.go", dispatch.String())
	// Nothing is fetched: the SDK is the local stand-in.
	bin := filepath.Join(dir, "snippets")
	build := exec.Command(goBin, "build", "-o", bin, "./run")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the Go snippets do not build: %v\n%s", err, out)
	}
	runAll(t, Go, checks, stub, marker, func(srcs []string) ([]string, error) {
		var outs []string
		for i := range srcs {
			cmd := exec.Command(bin, strconv.Itoa(i))
			cmd.Env = snippetEnv()
			out, err := output(cmd)
			if err != nil {
				return nil, fmt.Errorf("snippet %d: %v", i, err)
			}
			outs = append(outs, strings.TrimSuffix(string(out), "\n"))
		}
		return outs, nil
	})
}
