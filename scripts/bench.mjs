// `npm run bench`: runs every bench/*.bench.ts in turn (each prints its own
// Markdown table, and exits non-zero when its target is missed), then lists
// the benchmarks that missed. Pass names to run a subset: `npm run bench -- bus scheduler`.
// It builds the package first: the benchmarks import it as users do.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(join(root, "bench"))
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, "")))
  .sort();

// the benchmarks import the package by its name, which resolves to the built dist/ (bench/tsconfig.run.json
// keeps tsx from mapping it to the source): build it first, so what is measured is what users import
const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
if (build.status !== 0) {
  console.error("npm run build failed: nothing to measure");
  process.exit(1);
}
const env = { ...process.env, TSX_TSCONFIG_PATH: join(root, "bench", "tsconfig.run.json") };

const missed = [];
for (const file of files) {
  console.log(`\n## ${file}\n`);
  const result = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", join("bench", file)], { cwd: root, stdio: "inherit", env });
  if (result.status !== 0) missed.push(`${file} (exit ${result.status})`);
}
if (missed.length > 0) {
  console.error(`\ntarget missed or benchmark failed: ${missed.join(", ")}`);
  process.exitCode = 1;
} else {
  console.log(`\nall ${files.length} benchmarks met their targets`);
}
