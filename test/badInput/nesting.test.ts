import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../../src/config/loadConfig.js";
import { MAX_CONFIG_DEPTH } from "../../src/config/nestingDepth.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { refuseConfig } from "../helpers/chaosBadInput.js";
import { scriptedAgent, setup } from "../helpers/orchestrator.js";

// Nesting is bounded (MAX_CONFIG_DEPTH levels from the top of the configuration) and refused
// with a ConfigError that says where, never a RangeError from a recursion the input controls.

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orchestrator-nesting-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An object nested `levels` deep through key `x`, and the innermost object. */
function nested(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let node = root;
  for (let i = 0; i < levels; i++) {
    const next: Record<string, unknown> = {};
    node["x"] = next;
    node = next;
  }
  node["leaf"] = 1;
  return root;
}

async function loadError(name: string, text: string): Promise<ConfigError> {
  const file = join(dir, name);
  await writeFile(file, text);
  const error = await loadConfig(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe("deeply nested configuration", () => {
  test("an agent config nested 20,000 levels is a ConfigError naming the path where it gets too deep", () => {
    const error = refuseConfig({ agents: { a: { config: nested(20_000) } } });
    expect(error.message).toContain(`nests at most ${MAX_CONFIG_DEPTH} levels`);
    expect(error.path).toBe(["agents", "a", "config", ...Array<string>(MAX_CONFIG_DEPTH - 3).fill("x")].join("."));
  });

  test("an array nested 20,000 levels deep is refused the same way", () => {
    let value: unknown = [1];
    for (let i = 0; i < 20_000; i++) value = [value];
    const error = refuseConfig({ agents: { a: { config: { list: value } } } });
    expect(error.message).toContain("nests too deeply");
    expect(error.path?.startsWith("agents.a.config.list[0][0]")).toBe(true);
  });

  test("a config exactly at the limit is accepted and reaches the agent as written", async () => {
    const config = nested(MAX_CONFIG_DEPTH - 4); // agents.a.config, then 96 levels of x, then leaf: 100 keys
    const { Agent: A, instances } = scriptedAgent("a");
    const { orch } = setup({ agents: [A], config: { agents: { a: { config } } } });
    await orch.start();
    expect(instances.at(-1)?.config).toEqual(config);
    await orch.shutdown();
  });

  test("a YAML file nested 20,000 levels in flow style: a ConfigError at the line and column, not the parser's stack overflow", async () => {
    const error = await loadError("flow.yaml", `agents:\n  a:\n    config: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`);
    expect(error.message).toContain(`nests at most ${MAX_CONFIG_DEPTH} levels`);
    expect(error.message).not.toMatch(/call stack|RangeError/i);
    expect(error.line).toBe(3);
    expect(error.column).toBeGreaterThan(MAX_CONFIG_DEPTH);
  });

  test("a YAML file nested 1,000 levels in block style is refused at its line", async () => {
    let text = "agents:\n  a:\n    config:\n";
    for (let i = 0; i < 1_000; i++) text += `${" ".repeat(6 + i)}k${i}:\n`;
    text += `${" ".repeat(6 + 1_000)}v: 1\n`;
    const error = await loadError("block.yaml", text);
    expect(error.message).toContain("nests too deeply");
    expect(error.line).toBeGreaterThan(MAX_CONFIG_DEPTH);
    expect(error.line).toBeLessThan(3 * MAX_CONFIG_DEPTH);
  });

  test("a YAML file past the limit but within the parser guard gets the exact path and position", async () => {
    const error = await loadError("exact.yaml", `agents:\n  a:\n    config: ${"[".repeat(150)}1${"]".repeat(150)}\n`);
    expect(error.path).toBe(`agents.a.config${"[0]".repeat(MAX_CONFIG_DEPTH - 3)}`);
    expect(error.line).toBe(3);
  });

  test("quoted brackets, comments and block scalars do not count as nesting", async () => {
    const file = join(dir, "text.yaml");
    const brackets = "[".repeat(500);
    await writeFile(file, `agents:\n  a:\n    config:\n      quoted: "${brackets}"\n      single: '${brackets}'\n      text: |\n        ${brackets}\n      # ${brackets}\n      plain: 1 # ${brackets}\n`);
    const config = await loadConfig(file);
    expect((config.agents?.["a"]?.config as Record<string, unknown>)["quoted"]).toBe(brackets);
  });
});
