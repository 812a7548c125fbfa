// `npm audit --omit=dev` for CI: fails on any known vulnerability in a runtime
// dependency. When the registry's advisory service cannot be reached or does not
// answer audits (some registry mirrors refuse the bulk endpoint), it says so
// loudly and does not fail: no answer is not a finding, and the test run must not
// depend on a live advisory service.
import { spawnSync } from "node:child_process";

const result = spawnSync("npm", ["audit", "--omit=dev", "--json"], { encoding: "utf8" });
let report;
try {
  report = JSON.parse(result.stdout);
} catch {
  report = undefined;
}

const counts = report?.metadata?.vulnerabilities;
if (counts !== undefined) {
  const found = counts.total ?? Object.values(counts).reduce((sum, n) => sum + (typeof n === "number" ? n : 0), 0);
  if (found > 0) {
    console.error(`npm audit: ${found} known vulnerabilities in runtime dependencies:`);
    spawnSync("npm", ["audit", "--omit=dev"], { stdio: "inherit" });
    process.exit(1);
  }
  console.log("npm audit --omit=dev: no known vulnerabilities in runtime dependencies");
  process.exit(0);
}

const why = report?.message !== undefined ? String(report.message) : (result.stderr || "no answer").trim().split("\n").at(-1);
console.warn(
  [
    "",
    "########################################################################",
    "#  npm audit NOT RUN: the registry's advisory service did not answer.  #",
    "########################################################################",
    `  ${why}`,
    "",
  ].join("\n"),
);
