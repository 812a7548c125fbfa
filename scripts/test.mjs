// The whole test run behind `npm test`: typecheck, lint, the API reference
// check, unit + integration + type tests (vitest), then the packed package (build, npm pack, publint,
// @arethetypeswrong/cli, and importing/requiring the tarball from a consumer).
// Each check step counts as one test; vitest's own tests are counted one by one.
// It ends with the line `tests: N passed, N failed`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tmp = join(root, ".tmp");
mkdirSync(tmp, { recursive: true });

let passed = 0;
let failed = 0;
const failures = [];

function run(name, command, args, options = {}) {
  const started = Date.now();
  process.stdout.write(`\n▶ ${name}: ${[command, ...args].join(" ")}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", shell: process.platform === "win32", ...options });
  const ok = result.status === 0;
  process.stdout.write(`${ok ? "✔" : "✘"} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  return ok;
}

function step(name, command, args, options) {
  if (run(name, command, args, options)) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

const npx = process.platform === "win32" ? "npx.cmd" : "npx";
const only = process.argv.slice(2);
const wants = (name) => only.length === 0 || only.includes(name);

if (wants("typecheck")) step("typecheck", npx, ["tsc", "--noEmit", "-p", "."]);
if (wants("lint")) step("lint", npx, ["eslint", "."]);

// the API reference builds with every export documented (typedoc.json treats warnings as errors)
if (wants("docs")) step("api-docs", npx, ["typedoc", "--emit", "none"]);

function vitest(name, extra) {
  const report = join(tmp, `${name}.json`);
  const ok = run(name, npx, ["vitest", "run", ...extra, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`]);
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, "utf8"));
    passed += json.numPassedTests ?? 0;
    failed += json.numFailedTests ?? 0;
    if (!ok && (json.numFailedTests ?? 0) === 0) {
      // a suite failed to load, or an unhandled error ended the run
      failed++;
      failures.push(`${name} (run error)`);
    }
  } else {
    failed++;
    failures.push(`${name} (no report)`);
  }
}

// unit, integration, type tests and the examples' tests
if (wants("vitest")) vitest("vitest", []);
// the NATS suite: a real nats-server (NATS_URL, or one it starts); skipped loudly without one, except under CI
if (wants("nats")) vitest("nats", ["--config", "vitest.nats.config.ts", "--typecheck.enabled=false"]);

if (wants("package")) {
  if (run("build", "npm", ["run", "build", "--silent"])) {
    passed++;
    step("package", process.execPath, [join(root, "scripts/check-package.mjs")]);
  } else {
    failed++;
    failures.push("build");
  }
}

if (failures.length > 0) process.stdout.write(`\nfailed: ${failures.join(", ")}\n`);
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
