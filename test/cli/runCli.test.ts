import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { CliIo } from "../../src/cli/CliIo.js";
import { runCli } from "../../src/cli/runCli.js";
import { configJsonSchema } from "../../src/config/jsonSchema.js";

// The command line run in-process with captured output; the built bin is run from a consumer install
// of the packed tarball by scripts/consumer/cli.mjs.

const fixtures = fileURLToPath(new URL("../fixtures/config/", import.meta.url));

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    version: () => "9.9.9",
    schema: () => `${JSON.stringify(configJsonSchema())}\n`,
  };
}

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orchestrator-cli-"));
  await writeFile(join(dir, "plain.mjs"), "export const value = 1;\n");
  // agent classes as another copy of the package makes them: recognised by the brand of their base class
  const base = 'class Base { static [Symbol.for("@acme/agent-orchestrator.agent")] = true; }\n';
  await writeFile(join(dir, "feed.mjs"), `${base}export class Feed extends Base { onCron() {} }\n`);
  await writeFile(join(dir, "quiet.mjs"), `${base}export class Quiet extends Base {}\n`);
  await writeFile(join(dir, "throws.mjs"), 'throw new Error("DATABASE_URL is not set");\n');
  await writeFile(join(dir, "needs-helper.mjs"), 'import "./no-helper.mjs";\nexport default class {}\n');
  await writeFile(join(dir, "valid.yaml"), "agents:\n  feed:\n    module: ./feed.mjs\n    export: Feed\n  risk:\n    group: critical\nschedule:\n  feed: [{ every: 1s }, \"0 * * * *\"]\n");
  await writeFile(join(dir, "no-oncron.yaml"), "agents:\n  quiet:\n    module: ./quiet.mjs\n    export: Quiet\nschedule:\n  quiet: { every: 1s }\n");
  await writeFile(join(dir, "missing-export.yaml"), "agents:\n  a:\n    module: ./plain.mjs\n    export: Feed\n");
  await writeFile(join(dir, "typo.yaml"), "agents:\n  a:\n    module: ./nowhere.mjs\n");
  await writeFile(join(dir, "no-package.yaml"), "agents:\n  a:\n    module: no-such-agents-package/market\n");
  await writeFile(join(dir, "unimportable.yaml"), "agents:\n  a:\n    module: ./throws.mjs\n  b:\n    module: ./needs-helper.mjs\n");
  // one problem per agent, of each kind: every one reported in file order
  await writeFile(
    join(dir, "many.yaml"),
    [
      "agents:",
      "  a:",
      "    module: ./plain.mjs",
      "    export: Feed",
      "  b:",
      "    module: ./nowhere.mjs",
      "  quiet:",
      "    module: ./quiet.mjs",
      "    export: Quiet",
      "  quotes:",
      `    module: ${JSON.stringify(fileURLToPath(new URL("../fixtures/registry/schema-agents.ts", import.meta.url)))}`,
      "    export: Quotes",
      "    config: { symbols: AAPL }",
      "schedule:",
      "  quiet: { every: 1s }",
      "  quotes: { every: 1s }",
      "",
    ].join("\n"),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("agent-orchestrator", () => {
  test.each([[[]], [["--help"]], [["-h"]]])("%j prints the usage and exits 0", async (args) => {
    const io = capture();
    expect(await runCli(args, io)).toBe(0);
    expect(io.stdout.join("\n")).toContain("Usage: agent-orchestrator <command>");
    expect(io.stderr).toEqual([]);
  });

  test("--version prints the package's version", async () => {
    const io = capture();
    expect(await runCli(["--version"], io)).toBe(0);
    expect(io.stdout).toEqual(["9.9.9"]);
  });

  test("schema prints the JSON Schema", async () => {
    const io = capture();
    expect(await runCli(["schema"], io)).toBe(0);
    expect(JSON.parse(io.stdout.join("\n"))).toMatchObject({ $schema: "http://json-schema.org/draft-07/schema#" });
  });

  test.each([
    [["bogus"], 'unknown command "bogus"'],
    [["validate"], '"validate" takes one configuration file, got none'],
    [["validate", "a.yaml", "b.yaml"], '"validate" takes one configuration file, got "a.yaml" "b.yaml"'],
    [["schema", "x"], '"schema" takes no arguments'],
    [["--frobnicate"], "--frobnicate"],
  ])("%j is a usage error: exit 2 with the reason on stderr", async (args, reason) => {
    const io = capture();
    expect(await runCli(args, io)).toBe(2);
    expect(io.stderr[0]).toContain(reason);
    expect(io.stdout).toEqual([]);
  });

  test("validate on a valid file prints a short summary and exits 0", async () => {
    const io = capture();
    const file = join(dir, "valid.yaml");
    expect(await runCli(["validate", file], io)).toBe(0);
    expect(io.stdout).toEqual([`ok: ${file} (2 agents, 0 groups, 2 triggers; 1 agent module loaded)`]);
    expect(io.stderr).toEqual([]);
  });

  test("validate on an invalid file prints loadConfig's message (file:line:column, key path, did-you-mean) and exits 1", async () => {
    const io = capture();
    expect(await runCli(["validate", join(fixtures, "unknown-key.yaml")], io)).toBe(1);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).toMatch(/unknown-key\.yaml:\d+:\d+ \(groups\.[^)]+\): unknown key .*did you mean/);
  });

  test("a trigger for an agent whose class has no onCron is refused at schedule.<agent>, as start() refuses it", async () => {
    const io = capture();
    expect(await runCli(["validate", join(dir, "no-oncron.yaml")], io)).toBe(1);
    expect(io.stderr).toEqual([expect.stringMatching(/no-oncron\.yaml:6:\d+ \(schedule\.quiet\): agent "quiet" has a trigger, but its class Quiet defines no onCron\(tick\)/)]);
    expect(io.stdout).toEqual([]);
  });

  test("a module file that does not exist is an error at agents.<name>.module", async () => {
    const io = capture();
    expect(await runCli(["validate", join(dir, "typo.yaml")], io)).toBe(1);
    expect(io.stderr).toEqual([expect.stringMatching(/typo\.yaml:3:13 \(agents\.a\.module\): agent "a": module "file:.*nowhere\.mjs" cannot be found: there is no file .*nowhere\.mjs$/)]);
    expect(io.stdout).toEqual([]);
  });

  test("a package that is not installed is an error at agents.<name>.module", async () => {
    const io = capture();
    expect(await runCli(["validate", join(dir, "no-package.yaml")], io)).toBe(1);
    expect(io.stderr).toEqual([expect.stringMatching(/no-package\.yaml:3:13 \(agents\.a\.module\): agent "a": module "no-such-agents-package\/market" cannot be found: .*no-such-agents-package/)]);
  });

  test("a module that exists but cannot be imported here (it throws, a module it imports is missing) is a warning saying which", async () => {
    const io = capture();
    expect(await runCli(["validate", join(dir, "unimportable.yaml")], io)).toBe(0);
    expect(io.stderr).toHaveLength(2);
    expect(io.stderr[0]).toMatch(/^warning: agent "a": module ".*throws\.mjs" exists but cannot be imported here \(it threw while being imported\), .*: DATABASE_URL is not set$/);
    expect(io.stderr[1]).toMatch(/^warning: agent "b": module ".*needs-helper\.mjs" exists but cannot be imported here \(a module it needs, ".*no-helper\.mjs", cannot be found from it\)/);
    expect(io.stdout[0]).toContain("0 agent modules loaded");
  });

  test("every agent's problems are reported, in file order: a wrong export, a missing module, a missing onCron, a refused config", async () => {
    const io = capture();
    expect(await runCli(["validate", join(dir, "many.yaml")], io)).toBe(1);
    expect(io.stderr).toHaveLength(5);
    expect(io.stderr[0]).toMatch(/many\.yaml:4:\d+ \(agents\.a\.export\): agent "a": export "Feed" .* is not an Agent subclass/);
    expect(io.stderr[1]).toMatch(/many\.yaml:6:\d+ \(agents\.b\.module\): agent "b": module .* cannot be found/);
    expect(io.stderr[2]).toMatch(/many\.yaml:15:\d+ \(schedule\.quiet\): agent "quiet" has a trigger, but its class Quiet defines no onCron/);
    expect(io.stderr[3]).toMatch(/many\.yaml:16:\d+ \(schedule\.quotes\): agent "quotes" has a trigger, but its class Quotes defines no onCron/);
    expect(io.stderr[4]).toContain('agent "quotes": config refused by the configSchema of class Quotes (zod)');
    expect(io.stderr[4]).toMatch(/many\.yaml:13:\d+ \(agents\.quotes\.config\.symbols\)/);
    expect(io.stdout).toEqual([]);
  });

  test("a module that loads but lacks the export is an error, as start() reports it", async () => {
    const io = capture();
    expect(await runCli(["validate", join(dir, "missing-export.yaml")], io)).toBe(1);
    expect(io.stderr[0]).toMatch(/missing-export\.yaml:4:\d+ \(agents\.a\.export\): agent "a": export "Feed" of ".*plain\.mjs" is not an Agent subclass/);
  });

  test("--skip-modules validates without importing the agents' modules", async () => {
    const io = capture();
    expect(await runCli(["validate", "--skip-modules", join(dir, "missing-export.yaml")], io)).toBe(0);
    expect(io.stdout[0]).toContain("modules not loaded");
  });

  test("a loaded agent's config is checked with its class's configSchema, at its YAML position", async () => {
    const registry = fileURLToPath(new URL("../fixtures/registry/", import.meta.url));
    const bad = capture();
    expect(await runCli(["validate", join(registry, "schema-module.yaml")], bad)).toBe(1);
    expect(bad.stderr.join("\n")).toContain('agent "quotes": config refused by the configSchema of class Quotes (zod), 2 issues:');
    expect(bad.stderr.join("\n")).toContain("schema-module.yaml:7:14 (agents.quotes.config.every)");
    expect(bad.stdout).toEqual([]);
    const good = capture();
    expect(await runCli(["validate", join(registry, "schema-module-ok.yaml")], good)).toBe(0);
    expect(good.stdout[0]).toContain("1 agent module loaded");
  });
});
