package permit

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

func TestNewRejectsBadURLs(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                      "the PDP URL is empty: type a base URL such as http://localhost:7766",
		"   ":                   "is empty",
		"localhost:7766":        `has no scheme: type http://localhost:7766`,
		"ftp://pdp.example.com": "must start with http:// or https://, not ftp://",
		"http://":               "has no host",
		"http://:7766":          "has no host",
		"http://pdp:%zz":        "not a valid URL",
		"https://user:" + testToken + "@cloudpdp.api.permit.io": "must not contain a user or password",
		"http://localhost:7766/?token=" + testToken:             "must not have a query",
		"http://localhost:7766/#x":                              "must not have a fragment",
	} {
		_, err := New(in, testToken)
		if err == nil {
			t.Errorf("New(%q) accepted it", in)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("New(%q) = %q, want it to say %q", in, err, want)
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("New(%q) repeats the API key: %q", in, err)
		}
	}
}

func TestNewNormalizes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://localhost:7766/":      "http://localhost:7766",
		"  http://localhost:7766  ":   "http://localhost:7766",
		"HTTP://localhost:7766":       "http://localhost:7766",
		"https://gw.example.com/pdp/": "https://gw.example.com/pdp",
		CloudURL:                      CloudURL,
	} {
		c, err := New(in, "")
		if err != nil {
			t.Errorf("New(%q): %v", in, err)
			continue
		}
		if c.URL() != want || c.Describe().URL != want {
			t.Errorf("New(%q).URL() = %q, Describe().URL = %q, want %q", in, c.URL(), c.Describe().URL, want)
		}
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url  string
		opts []Option
		want pdp.TargetInfo
	}{
		{LocalURL, nil, pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: localhost:7766", URL: LocalURL, ABAC: true, Debug: true}},
		{CloudURL, nil, pdp.TargetInfo{Kind: pdp.KindCloud, Name: "cloud PDP", URL: CloudURL, ABAC: false, Debug: true}},
		{"https://cloudpdp.api.eu-central-1.permit.io/", nil, pdp.TargetInfo{Kind: pdp.KindCloud,
			Name: "cloud PDP: cloudpdp.api.eu-central-1.permit.io", URL: "https://cloudpdp.api.eu-central-1.permit.io", Debug: true}},
		{"http://proxy:8080", []Option{WithCloud()}, pdp.TargetInfo{Kind: pdp.KindCloud, Name: "cloud PDP: proxy:8080", URL: "http://proxy:8080", Debug: true}},
		{"https://gw.example.com/pdp", nil, pdp.TargetInfo{Kind: pdp.KindPDP, Name: "pdp: gw.example.com/pdp", URL: "https://gw.example.com/pdp", ABAC: true, Debug: true}},
	}
	for _, tt := range tests {
		c, err := New(tt.url, testToken, tt.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Describe(); got != tt.want {
			t.Errorf("%s: Describe() = %+v, want %+v", tt.url, got, tt.want)
		}
		noSecret(t, tt.url, c.Describe())
	}
}

func TestIsCloudHost(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"cloudpdp.api.permit.io":                true,
		"CloudPDP.API.Permit.IO.":               true,
		"cloudpdp.api.eu-central-1.permit.io":   true,
		"localhost":                             false,
		"api.permit.io":                         false,
		"cloudpdp.api.permit.io.evil.example":   false,
		"notcloudpdp.api.permit.io":             false,
		"cloudpdp.api.permit.io-evil.permit.io": true, // still Permit's domain
	} {
		if got := IsCloudHost(host); got != want {
			t.Errorf("IsCloudHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	c, _ := New(LocalURL, "")
	if c.Timeout() != 5*time.Second || c.maxBody != 8<<20 || c.Cloud() {
		t.Errorf("defaults: timeout %v, max body %d, cloud %v", c.Timeout(), c.maxBody, c.Cloud())
	}
	c, _ = New(LocalURL, "", WithTimeout(time.Second), WithMaxBody(10), WithTimeout(0), WithMaxBody(-1))
	if c.Timeout() != time.Second || c.maxBody != 10 {
		t.Errorf("timeout %v, max body %d", c.Timeout(), c.maxBody)
	}
	// The caller's http.Client keeps its redirect policy; ours refuses redirects.
	hc := &http.Client{}
	c, _ = New(LocalURL, "", WithHTTPClient(hc))
	if hc.CheckRedirect != nil || c.hc == hc || c.hc.CheckRedirect == nil {
		t.Error("WithHTTPClient changed the caller's client or kept following redirects")
	}
}
