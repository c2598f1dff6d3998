package snippet

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// nodeSDK stands in for Permit's Node SDK (npm install permitio).
const nodeSDK = `"use strict";
const http = require("http");

class Permit {
  constructor(config) {
    this.config = config;
  }
  check(user, action, resource, context) {
    const done = this._check(user, action, resource, context);
    // The test's driver waits for each snippet's check before the next.
    (globalThis.__checks = globalThis.__checks || []).push(done);
    return done;
  }
  _check(user, action, resource, context) {
    const body = JSON.stringify({ user, action, resource, context: context === undefined ? null : context });
    const url = new URL(this.config.pdp + "/sdk-check");
    return new Promise((resolve, reject) => {
      const req = http.request(url, {
        method: "POST",
        headers: { Authorization: "Bearer " + this.config.token, "Content-Type": "application/json" },
      }, (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => { data += chunk; });
        res.on("end", () => resolve(JSON.parse(data).allow));
      });
      req.on("error", reject);
      req.end(body);
    });
  }
}

module.exports = { Permit };
`

func TestHostileNodeRunsOnlyTheRequest(t *testing.T) {
	node := need(t, "node")
	stub := newPDPStub(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "PWNED")
	mod := filepath.Join(dir, "node_modules", "permitio")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "index.js"), []byte(nodeSDK), 0o600); err != nil {
		t.Fatal(err)
	}
	checks := hostileChecks(hostile(marker))
	// Each snippet is a file loaded by one process, as node FILE loads it
	// (require compiles it the same way), one after another.
	driver := `"use strict";
(async () => {
  for (const f of process.argv.slice(2)) {
    globalThis.__checks = [];
    require(f);
    await Promise.all(globalThis.__checks);
    await new Promise((r) => setImmediate(r));
  }
})().catch((e) => { console.error(e); process.exit(1); });
`
	runAll(t, Node, checks, stub, marker, func(srcs []string) ([]string, error) {
		d := filepath.Join(dir, "driver.js")
		if err := os.WriteFile(d, []byte(driver), 0o600); err != nil {
			return nil, err
		}
		args := []string{d}
		for i, src := range srcs {
			f := filepath.Join(dir, fmt.Sprintf("s%02d.js", i))
			if err := os.WriteFile(f, []byte(src), 0o600); err != nil {
				return nil, err
			}
			args = append(args, f)
		}
		cmd := exec.Command(node, args...)
		cmd.Dir = dir
		cmd.Env = snippetEnv()
		out, err := output(cmd)
		return lines(out), err
	})
}
