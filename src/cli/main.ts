import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeThrown } from "../errors/describeThrown.js";
import type { CliIo } from "./CliIo.js";
import { runCli } from "./runCli.js";

// The `agent-orchestrator` bin (dist/cli.js): the package's files are found next to it.
const here = dirname(fileURLToPath(import.meta.url));

/** The package's own package.json: the closest one above this file. */
function packageFile(): string {
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${here}`);
  }
}

const io: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  version: () => (JSON.parse(readFileSync(packageFile(), "utf8")) as { version: string }).version,
  schema: () => readFileSync(join(here, "schema.json"), "utf8"),
};

try {
  process.exitCode = await runCli(process.argv.slice(2), io);
} catch (error) {
  io.err(`agent-orchestrator: unexpected error: ${describeThrown(error)}`);
  process.exitCode = 1;
}
