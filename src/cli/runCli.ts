import { parseArgs } from "node:util";
import { describeThrown } from "../errors/describeThrown.js";
import { EXIT, type CliIo } from "./CliIo.js";
import { USAGE } from "./usage.js";
import { validateCommand } from "./validateCommand.js";

/** Options the command line accepts, for `parseArgs`. */
const OPTIONS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
  "skip-modules": { type: "boolean" },
} as const;

/**
 * Run `agent-orchestrator` with `args` (without node and the script) and
 * return its exit code: 0 ok, 1 invalid configuration, 2 wrong command line.
 *
 * @example
 * ```ts
 * const code = await runCli(["validate", "orchestrator.yaml"], io);
 * ```
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    return usageError(io, describeThrown(error));
  }
  const { values, positionals } = parsed;
  if (values.version === true) {
    io.out(io.version());
    return EXIT.ok;
  }
  const [command, ...rest] = positionals;
  if (values.help === true || command === undefined) {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (command === "schema") {
    if (rest.length > 0) return usageError(io, `"schema" takes no arguments, got ${rest.map((arg) => JSON.stringify(arg)).join(" ")}`);
    io.out(io.schema().trimEnd());
    return EXIT.ok;
  }
  if (command === "validate") {
    const [file, ...extra] = rest;
    if (file === undefined || extra.length > 0) return usageError(io, `"validate" takes one configuration file, got ${rest.length === 0 ? "none" : rest.map((arg) => JSON.stringify(arg)).join(" ")}`);
    return validateCommand(file, io, { skipModules: values["skip-modules"] === true });
  }
  return usageError(io, `unknown command ${JSON.stringify(command)}: expected "validate" or "schema"`);
}

function parse(args: readonly string[]) {
  return parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
}

function usageError(io: CliIo, message: string): number {
  io.err(`agent-orchestrator: ${message}`);
  io.err("Run `agent-orchestrator --help` for usage.");
  return EXIT.usage;
}
