// Permit's official Node SDK (permitio, pinned in package.json) against a
// running `pdpx serve` on the demo policy: the SDK must work unchanged.
//
//   PDP_URL=http://127.0.0.1:7766 TOKEN=dev-key node check.mjs
//
// Every call's arguments and answer are written as JSON lines to $RESULTS
// (when set), so that the Go test (compat/compat_test.go) can compare each
// answer with `pdpx check --json` on the same policy. This script checks the
// demo story's answers itself too, and exits 1 on any failure.
import { writeFileSync } from "node:fs";
import { Permit } from "permitio";

const pdp = process.env.PDP_URL ?? "http://127.0.0.1:7766";
const token = process.env.TOKEN ?? "";

// As an app would configure it: the PDP's URL and the environment's key.
const permit = new Permit({ token, pdp, log: { level: "warn" } });

const results = [];
let passed = 0;
let failed = 0;

function verdict(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}: ${detail}`);
  }
}

const england = { location: "England", department: "Engineering" };

// [name, user, action, resource, context, expected]: the ways an app calls
// permit.check, and the demo story (README "The demo story").
const checks = [
  ["string user, type string", "john@smith.com", "create", "document", undefined, true],
  ["string user, deny in the default tenant", "john@permit.io", "read", "document", undefined, false],
  ["resource object with a tenant", "john@permit.io", "read", { type: "document", tenant: "awesome_inc" }, undefined, true],
  ["user object with attributes, resource object with attributes (\"true\")",
    { key: "check@permit.io", attributes: england }, "publish", { type: "document", attributes: { hasApproval: "true" } }, undefined, true],
  ["ABAC: the bool true is not the string \"true\"",
    { key: "check@permit.io", attributes: england }, "publish", { type: "document", attributes: { hasApproval: true } }, undefined, false],
  ["type:key string, ReBAC derived editor", "jane@permit.io", "update", "document:roadmap", undefined, true],
  ["type:key string, editors may not delete", "jane@permit.io", "delete", "document:roadmap", undefined, false],
  ["user object in camelCase", { key: "john@smith.com", firstName: "John", lastName: "Smith", email: "john@smith.com" }, "create", "document", undefined, true],
  ["resource object with key, tenant and attributes", "jane@permit.io", "update",
    { type: "document", key: "roadmap", tenant: "default", attributes: { hasApproval: "false" } }, undefined, true],
  ["with a context", "bob@acme.io", "delete", "document", { ip: "127.0.0.1" }, false],
  ["unknown user", "nobody@example.com", "read", "document", undefined, false],
];

async function main() {
  for (const [name, user, action, resource, context, want] of checks) {
    let got;
    try {
      got = await permit.check(user, action, resource, context);
    } catch (e) {
      verdict(name, false, `threw ${e.message}`);
      continue;
    }
    results.push({ kind: "check", name, user, action, resource, context: context ?? {}, got });
    verdict(name, got === want, `got ${got}, want ${want}`);
  }

  // bulkCheck: one request, answers in order.
  const queries = checks.map(([, user, action, resource]) => ({ user, action, resource }));
  try {
    const got = await permit.bulkCheck(queries);
    const want = checks.map((c) => c[5]);
    results.push({ kind: "bulk", name: "bulkCheck", checks: queries, got });
    verdict("bulkCheck", JSON.stringify(got) === JSON.stringify(want), `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    const empty = await permit.bulkCheck([]);
    verdict("bulkCheck of nothing", Array.isArray(empty) && empty.length === 0, `got ${JSON.stringify(empty)}`);
  } catch (e) {
    verdict("bulkCheck", false, `threw ${e.message}`);
  }

  // Empty strings are checks like any other for Permit's PDP: the SDK gets
  // a denial, not an error.
  for (const [name, user, action, resource] of [
    ["an empty user key is a denial", "", "create", { type: "document", tenant: "default" }],
    ["an empty action is a denial", "john@smith.com", "", { type: "document", tenant: "default" }],
    ["an empty resource type is a denial", "john@smith.com", "create", { type: "", tenant: "default" }],
  ]) {
    let got;
    try {
      got = await permit.check(user, action, resource);
    } catch (e) {
      verdict(name, false, `threw ${e.message}`);
      continue;
    }
    results.push({ kind: "empty", name, user, action, resource, got });
    verdict(name, got === false, `got ${got}`);
  }

  // getUserPermissions: what jane may do, and john@smith.com in default.
  for (const [name, user, tenants, key, has, hasNot] of [
    ["getUserPermissions (ReBAC instances)", "jane@permit.io", undefined, "document:roadmap", "document:update", "document:delete"],
    ["getUserPermissions (tenant filter)", { key: "john@smith.com" }, ["default"], "__tenant:default", "document:create", "folder:none"],
  ]) {
    try {
      const got = await permit.getUserPermissions(user, tenants);
      results.push({ kind: "permissions", name, user, tenants: tenants ?? null, got });
      const perms = got[key]?.permissions ?? [];
      verdict(name, perms.includes(has) && !perms.includes(hasNot), `${key}: ${JSON.stringify(got[key])}`);
    } catch (e) {
      verdict(name, false, `threw ${e.message}`);
    }
  }

  // A wrong key: the SDK raises (pdpx serve answers 403), or with
  // throwOnError: false answers false. Only meaningful when serve has a key.
  if (token !== "") {
    const wrong = new Permit({ token: `wrong-${token}`, pdp, log: { level: "silent" } });
    let threw = null;
    try {
      await wrong.check("john@smith.com", "create", "document");
    } catch (e) {
      threw = e;
    }
    results.push({ kind: "error", name: "wrong token raises", threw: threw !== null, message: threw?.message ?? "" });
    verdict("wrong token raises", threw !== null && /403/.test(threw.message), threw ? threw.message : "no exception");
    const quiet = await wrong.check("john@smith.com", "create", "document", {}, { throwOnError: false });
    verdict("wrong token with throwOnError: false is false", quiet === false, `got ${quiet}`);
    try {
      await wrong.bulkCheck(queries);
      verdict("wrong token raises in bulkCheck", false, "no exception");
    } catch (e) {
      verdict("wrong token raises in bulkCheck", /403/.test(e.message), e.message);
    }
  }

  if (process.env.RESULTS) {
    writeFileSync(process.env.RESULTS, results.map((r) => JSON.stringify(r)).join("\n") + "\n");
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.log(`FAIL unexpected: ${e.stack ?? e}`);
  process.exit(1);
});
