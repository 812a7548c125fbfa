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
  // an agent class as another copy of the package makes it: recognised by its brand
  await writeFile(join(dir, "feed.mjs"), 'export class Feed { static [Symbol.for("@acme/agent-orchestrator.agent")] = true; }\n');
  await writeFile(join(dir, "valid.yaml"), "agents:\n  feed:\n    module: ./feed.mjs\n    export: Feed\n  risk:\n    group: critical\nschedule:\n  feed: [{ every: 1s }, \"0 * * * *\"]\n");
  await writeFile(join(dir, "missing-export.yaml"), "agents:\n  a:\n    module: ./plain.mjs\n    export: Feed\n");
  await writeFile(join(dir, "unloadable.yaml"), "agents:\n  a:\n    module: ./nowhere.mjs\n");
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

  test("a module that cannot be loaded is a warning, not a failure", async () => {
    const io = capture();
    expect(await runCli(["validate", join(dir, "unloadable.yaml")], io)).toBe(0);
    expect(io.stderr[0]).toMatch(/^warning: agent "a": could not load ".*nowhere\.mjs" to check its config schema: /);
    expect(io.stdout[0]).toContain("0 agent modules loaded");
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
