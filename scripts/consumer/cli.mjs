// the agent-orchestrator bin from the tarball: --help, schema, validate (exit 0 on a good file; 1 with the position on a bad one, a zod configSchema refusal, a trigger without onCron or a missing module, every problem at once; warnings for unimportable modules)
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const bin = join("node_modules", ".bin", "agent-orchestrator");
const run = (...args) => spawnSync(bin, args, { encoding: "utf8" });
const fail = (what, result) => {
  throw new Error(`${what}: exit ${result.status}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
};

const help = run("--help");
if (help.status !== 0 || !help.stdout.includes("Usage: agent-orchestrator")) fail("--help", help);

const schema = run("schema");
if (schema.status !== 0 || JSON.parse(schema.stdout).$schema === undefined) fail("schema", schema);

writeFileSync("good.yaml", "agents:\n  risk:\n    group: critical\nschedule:\n  risk: { every: 5s }\n");
const good = run("validate", "good.yaml");
if (good.status !== 0 || !good.stdout.startsWith("ok: good.yaml")) fail("validate good.yaml", good);

writeFileSync("bad.yaml", "shutdown:\n  timout: 5s\n");
const bad = run("validate", "bad.yaml");
if (bad.status !== 1 || !/bad\.yaml:2:3 \(shutdown\.timout\): unknown key "timout" \(did you mean "timeout"\?\)/.test(bad.stderr)) fail("validate bad.yaml", bad);

// an agent module of the user's whose class declares a zod configSchema: validate applies it to the file's config
writeFileSync(
  "feed.mjs",
  'import { Agent } from "@acme/agent-orchestrator";\nimport { z } from "zod";\nexport class Feed extends Agent {\n  static configSchema = z.object({ symbols: z.array(z.string()).min(1) });\n}\n',
);
writeFileSync("feed-bad.yaml", "agents:\n  feed:\n    module: ./feed.mjs\n    export: Feed\n    config:\n      symbols: AAPL\n");
const refused = run("validate", "feed-bad.yaml");
if (refused.status !== 1 || !/feed-bad\.yaml:6:16 \(agents\.feed\.config\.symbols\)/.test(refused.stderr)) fail("validate feed-bad.yaml", refused);
writeFileSync("feed-good.yaml", "agents:\n  feed:\n    module: ./feed.mjs\n    export: Feed\n    config:\n      symbols: [AAPL]\n");
const accepted = run("validate", "feed-good.yaml");
if (accepted.status !== 0 || !accepted.stdout.includes("1 agent module loaded")) fail("validate feed-good.yaml", accepted);

// what start() refuses, validate refuses, every problem at once: a trigger without onCron, a refused config, a module that is not there
writeFileSync(
  "many.yaml",
  "agents:\n  feed:\n    module: ./feed.mjs\n    export: Feed\n    config:\n      symbols: AAPL\n  typo:\n    module: ./feeed.mjs\n  gone:\n    module: no-such-agents-package\nschedule:\n  feed: { every: 1s }\n",
);
const many = run("validate", "many.yaml");
const expectedLines = [
  /many\.yaml:6:16 \(agents\.feed\.config\.symbols\)/,
  /many\.yaml:12:\d+ \(schedule\.feed\): agent "feed" has a trigger, but its class Feed defines no onCron/,
  /many\.yaml:8:13 \(agents\.typo\.module\): agent "typo": module "file:.*feeed\.mjs" cannot be found: there is no file /,
  /many\.yaml:10:13 \(agents\.gone\.module\): agent "gone": module "no-such-agents-package" cannot be found: /,
];
if (many.status !== 1 || many.stdout !== "" || expectedLines.some((line) => !line.test(many.stderr))) fail("validate many.yaml", many);

// modules that exist but cannot be imported here are warnings that say why: one imports a package that is not installed, one is TypeScript
writeFileSync("needs-dep.mjs", 'import "no-such-dependency";\nexport class Needy {}\n');
writeFileSync("typed.ts", 'import { Agent } from "@acme/agent-orchestrator";\nexport class Typed extends Agent {}\n');
writeFileSync("unimportable.yaml", "agents:\n  needy:\n    module: ./needs-dep.mjs\n  typed:\n    module: ./typed.ts\n    export: Typed\n");
const unimportable = run("validate", "unimportable.yaml");
if (unimportable.status !== 0 || !/^warning: agent "needy": module ".*needs-dep\.mjs" exists but cannot be imported here \(a module it needs, "no-such-dependency", cannot be found from it\)/m.test(unimportable.stderr)) {
  fail("validate unimportable.yaml", unimportable);
}
// a Node.js without type stripping has no loader for .ts; one with it imports the file
const typedWarned = unimportable.stderr.includes('warning: agent "typed"');
if (typedWarned ? !unimportable.stderr.includes('no loader for ".ts" files') : !unimportable.stdout.includes("1 agent module loaded")) {
  fail("validate unimportable.yaml (typed.ts)", unimportable);
}

const usage = run("validate");
if (usage.status !== 2) fail("validate without a file", usage);
console.log("cli ok");
