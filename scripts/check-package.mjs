// Checks the package as users get it: `npm pack`, then publint and
// @arethetypeswrong/cli on the tarball, then a consumer project that imports
// every entry point from ESM and requires it from CommonJS, with types checked
// by TypeScript under node16 resolution. Run after `npm run build`.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = join(root, ".tmp", "package");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// code entries; the JSON ones (./schema.json, ./grafana-dashboard.json) are imported with `with { type: "json" }` by
// scripts/consumer/schema.mjs and scripts/consumer/ops-files.mjs, which also reads the YAML one (./prometheus-alerts.yml)
const entries = Object.keys(pkg.exports).filter((key) => !/\.(json|yml)$/.test(key));
let failures = 0;

function check(name, command, args, cwd = root) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  const ok = result.status === 0;
  console.log(`${ok ? "  ✔" : "  ✘"} ${name}`);
  if (!ok) {
    failures++;
    console.log(output.replace(/^/gm, "    "));
  }
  return output;
}

// 1. The tarball, packed without running prepack again (the build is fresh).
const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: root, encoding: "utf8" }));
const tarball = join(work, packed[0].filename);
const shipped = packed[0].files.map((f) => f.path);
const unexpected = shipped.filter((p) => !/^(dist\/|README\.md$|LICENSE$|CHANGELOG\.md$|package\.json$|ops\/[\w.-]+\.(json|yml)$)/.test(p));
console.log(`  ${unexpected.length === 0 ? "✔" : "✘"} tarball ships only dist/, ops/ (dashboard, alert rules, scrape config), README, LICENSE, CHANGELOG (${shipped.length} files)`);
if (unexpected.length > 0) {
  failures++;
  console.log(`    unexpected: ${unexpected.join(", ")}`);
}
// the operations files the package promises: every one of `files` under ops/ is in the tarball, and no test file of theirs
const opsPromised = pkg.files.filter((f) => f.startsWith("ops/"));
const opsMissing = opsPromised.filter((f) => !shipped.includes(f));
const opsExtra = shipped.filter((p) => p.startsWith("ops/") && !opsPromised.includes(p));
console.log(`  ${opsMissing.length + opsExtra.length === 0 ? "✔" : "✘"} tarball ships ${opsPromised.join(", ")} and nothing else of ops/`);
if (opsMissing.length + opsExtra.length > 0) {
  failures++;
  console.log(`    missing: ${opsMissing.join(", ") || "none"}; unexpected: ${opsExtra.join(", ") || "none"}`);
}

// 2. Linters of the published shape.
check("publint --strict", "npx", ["publint", "--strict", tarball]);
// a YAML export is a file to resolve and read, not a module: attw has nothing to check in it
const dataFiles = Object.keys(pkg.exports).filter((key) => key.endsWith(".yml"));
check("attw --pack (node16, bundler; ESM and CJS)", "npx", ["attw", "--profile", "node16", tarball, ...(dataFiles.length > 0 ? ["--exclude-entrypoints", ...dataFiles] : [])]);

// 3. A consumer: the tarball unpacked into node_modules, its dependencies linked from ours.
const consumer = join(work, "consumer");
const installed = join(consumer, "node_modules", ...pkg.name.split("/"));
mkdirSync(installed, { recursive: true });
execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
// the consumer scripts below also use these (as a user's project would have them)
const consumerDependencies = ["@types/node", "zod", "valibot"];
for (const dep of [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), ...consumerDependencies]) {
  const target = join(consumer, "node_modules", ...dep.split("/"));
  mkdirSync(join(target, ".."), { recursive: true });
  symlinkSync(join(root, "node_modules", ...dep.split("/")), target, "dir");
}
// the package's bins, linked into node_modules/.bin as npm links them
for (const [name, target] of Object.entries(pkg.bin ?? {})) {
  mkdirSync(join(consumer, "node_modules", ".bin"), { recursive: true });
  symlinkSync(join("..", ...pkg.name.split("/"), target), join(consumer, "node_modules", ".bin", name));
}
writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));

const specifier = (entry) => (entry === "." ? pkg.name : `${pkg.name}/${entry.slice(2)}`);
const esm = entries.map((e, i) => `import * as m${i} from "${specifier(e)}";\nif (Object.keys(m${i}).length === 0) throw new Error("empty ${e}");`).join("\n");
const cjs = entries.map((e, i) => `const m${i} = require("${specifier(e)}");\nif (Object.keys(m${i}).length === 0) throw new Error("empty ${e}");`).join("\n");
writeFileSync(join(consumer, "esm.mjs"), `${esm}\nconsole.log("esm ok");\n`);
writeFileSync(join(consumer, "cjs.cjs"), `${cjs}\nconsole.log("cjs ok");\n`);
check("import every entry from ESM", process.execPath, ["esm.mjs"], consumer);
check("require every entry from CommonJS (no require(esm) needed)", process.execPath, ["--no-experimental-require-module", "cjs.cjs"], consumer);

// Each scripts/consumer/*.mjs runs in the consumer (exit 0 = passed; its first comment line names it), and
// each scripts/consumer/*.mts is type-checked there with the rest: what a feature does for a user of the tarball.
const consumerDir = join(root, "scripts", "consumer");
const consumerFiles = readdirSync(consumerDir).sort();
for (const file of consumerFiles) copyFileSync(join(consumerDir, file), join(consumer, file));
for (const file of consumerFiles.filter((name) => name.endsWith(".mjs"))) {
  const title = readFileSync(join(consumerDir, file), "utf8").match(/^\/\/ (.*)$/m)?.[1] ?? file;
  check(`${file}: ${title}`, process.execPath, [file], consumer);
}

// Types, as a TypeScript user under node16 resolution sees them, from both module kinds.
const typed = [
  `import { createOrchestrator, createBus, Agent, type Bus } from "${pkg.name}";`,
  `import { ManualClock, FakeBus, testAgent } from "${pkg.name}/testing";`,
  `class Feed extends Agent { static readonly agentName = "feed"; override async start(): Promise<void> { await this.bus.publish("a.b", 1); } }`,
  `const bus: Bus = createBus({ clock: new ManualClock(0) });`,
  `const fake: Bus = new FakeBus();`,
  `const orch = createOrchestrator({ agents: [Feed], bus, logger: false });`,
  `export const used = [orch, fake, testAgent];`,
].join("\n");
writeFileSync(join(consumer, "types.mts"), typed);
writeFileSync(join(consumer, "types.cts"), typed.replaceAll(/^import /gm, "import "));
writeFileSync(
  join(consumer, "tsconfig.json"),
  JSON.stringify({
    compilerOptions: { module: "node16", moduleResolution: "node16", target: "ES2022", strict: true, noEmit: true, skipLibCheck: false, types: ["node"], lib: ["ES2023", "DOM"] },
    files: ["types.mts", "types.cts", ...consumerFiles.filter((name) => name.endsWith(".mts"))],
  }),
);
check("types resolve from ESM and CommonJS (tsc, node16)", process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", consumer]);

const files = readdirSync(join(installed, "dist"));
console.log(`  dist: ${files.length} files`);
process.exitCode = failures === 0 ? 0 : 1;
