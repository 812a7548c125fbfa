// the agent-orchestrator bin from the tarball: --help, schema, validate (exit 0 on a good file, 1 with the position on a bad one)
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

const usage = run("validate");
if (usage.status !== 2) fail("validate without a file", usage);
console.log("cli ok");
