import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../../src/config/loadConfig.js";
import { parseYaml } from "../../src/config/parseYaml.js";
import { MAX_CONFIG_BYTES } from "../../src/config/readConfigFile.js";
import { MAX_CONFIG_NODES } from "../../src/config/yamlToValue.js";
import { ConfigError } from "../../src/errors/ConfigError.js";

// A configuration file is kilobytes. loadConfig() reads at most MAX_CONFIG_BYTES and expands at most
// MAX_CONFIG_NODES nodes (aliases counted with everything they repeat), and refuses more with a
// ConfigError that names the limit, before the input costs the process its event loop or its heap.
// The tests that used to take tens of seconds have a 5 s timeout: they fail by timing out on a loader
// without these bounds, and take well under a second with them.

const SLOW_BEFORE = 5_000;

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orchestrator-bounds-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

async function loadError(file: string): Promise<ConfigError> {
  const error = await loadConfig(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

/**
 * `agents.a.config` holding `base: &x` with `keys` scalar entries, then `aliases` entries `c<i>: *x`,
 * then `padding` scalar entries. Its expanded size: 4 (the document, agents, a, config)
 * + (1 + keys) for base and for each alias + padding.
 */
function wideAnchor(keys: number, aliases: number, padding = 0): string {
  const lines = ["agents:", "  a:", "    config:", "      base: &x"];
  for (let i = 0; i < keys; i++) lines.push(`        k${i}: ${i % 10}`);
  for (let i = 0; i < aliases; i++) lines.push(`      c${i}: *x`);
  for (let i = 0; i < padding; i++) lines.push(`      p${i}: 0`);
  return `${lines.join("\n")}\n`;
}

const budget = MAX_CONFIG_NODES.toLocaleString("en-US");

describe("the node budget: a configuration expands to at most MAX_CONFIG_NODES nodes", () => {
  test(
    "an anchor of 50,000 keys used by 99 aliases is refused at the alias that crosses the budget, at once",
    async () => {
      const text = wideAnchor(50_000, 99);
      expect(text.length).toBeLessThan(MAX_CONFIG_BYTES);
      const error = await loadError(await write("wide.yaml", text));
      expect(error.message).toContain(`alias *x repeats 50,001 nodes, which takes it past the limit of ${budget} nodes (MAX_CONFIG_NODES`);
      expect(error.message).toContain("billion laughs");
      expect(error.path).toBe("agents.a.config.c0");
      expect(error.line).toBe(4 + 50_000 + 1);
      expect(error.value).toBe("*x");
    },
    SLOW_BEFORE,
  );

  test("a configuration of exactly MAX_CONFIG_NODES nodes loads, its aliases sharing one value", async () => {
    // 4 + 100 × (1 + 998) + 96 = 100,000
    const config = await loadConfig(await write("at-budget.yaml", wideAnchor(998, 99, 96)));
    const agentConfig = config.agents?.["a"]?.config as Record<string, unknown>;
    expect(Object.keys(agentConfig)).toHaveLength(1 + 99 + 96);
    expect(Object.keys(agentConfig["base"] as object)).toHaveLength(998);
    expect(agentConfig["c98"]).toBe(agentConfig["base"]);
  });

  test("one node more than MAX_CONFIG_NODES is refused, naming the node that crosses the budget", async () => {
    const error = await loadError(await write("over-budget.yaml", wideAnchor(998, 99, 97)));
    expect(error.message).toContain(`the configuration is too large: more than the limit of ${budget} nodes (MAX_CONFIG_NODES`);
    expect(error.path).toBe("agents.a.config.p96");
  });

  test("nested aliases multiply: an anchor of aliases of an anchor is counted with everything it repeats", async () => {
    // 4 uses of an anchor holding 10 aliases of a list of 5,000 scalars: 4 × (1 + 10 × 5,001) nodes
    const text = [
      "agents:",
      "  a:",
      "    config:",
      `      a: &a [${"1,".repeat(4_999)}1]`,
      `      b: &b [${"*a, ".repeat(9)}*a]`,
      "      c: [*b, *b, *b, *b]",
      "",
    ].join("\n");
    const error = await loadError(await write("nested.yaml", text));
    expect(error.message).toContain(`alias *b repeats 50,011 nodes, which takes it past the limit of ${budget} nodes`);
    expect(error.path).toBe("agents.a.config.c[0]");
  });

  test(
    "40,000 aliases load in one pass over the document, not one search per alias",
    async () => {
      const lines = ["agents:", "  a:", "    config:", "      anchors:"];
      for (let i = 0; i < 1_000; i++) lines.push(`        a${i}: &a${i} ${i}`);
      lines.push("      uses:");
      for (let i = 0; i < 1_000; i++) for (let use = 0; use < 40; use++) lines.push(`        - *a${i}`);
      const config = await loadConfig(await write("many-aliases.yaml", `${lines.join("\n")}\n`));
      const uses = (config.agents?.["a"]?.config as { uses: number[] }).uses;
      expect(uses).toHaveLength(40_000);
      expect(uses[39_999]).toBe(999);
    },
    SLOW_BEFORE,
  );

  test("an alias inside the collection its anchor marks is refused instead of making a cycle", async () => {
    const error = await loadError(await write("cycle.yaml", "agents:\n  a:\n    config:\n      loop: &l [1, *l]\n"));
    expect(error.message).toContain("alias *l is inside the collection its anchor &l marks");
    expect(error.path).toBe("agents.a.config.loop[1]");
    expect(error.line).toBe(4);
  });

  test("an alias without an anchor names the alias, not a billion laughs", async () => {
    const error = await loadError(await write("unresolved.yaml", "agents:\n  a:\n    config:\n      list: [*nowhere]\n"));
    expect(error.message).toContain("alias *nowhere refers to no anchor: expected an anchor &nowhere defined before the alias");
    expect(error.message).not.toContain("billion laughs");
    expect(error.path).toBe("agents.a.config.list[0]");
  });
});

describe("the size limit: a configuration file holds at most MAX_CONFIG_BYTES", () => {
  const limit = MAX_CONFIG_BYTES.toLocaleString("en-US");

  test("a file one byte over the limit is refused with its size and the limit, before it is parsed", async () => {
    const head = "agents: [not closed\n";
    const file = await write("over.yaml", head + "x".repeat(MAX_CONFIG_BYTES + 1 - head.length));
    const error = await loadError(file);
    expect(error.message).toBe(
      `${file}: the configuration is too large: ${(MAX_CONFIG_BYTES + 1).toLocaleString("en-US")} bytes, over the limit of ${limit} bytes (1 MiB, MAX_CONFIG_BYTES); expected a configuration file of at most that size (a configuration is kilobytes)`,
    );
    expect(error.value).toBe(MAX_CONFIG_BYTES + 1);
    expect(error.cause).toBeUndefined();
  });

  test("a file of exactly the limit is read and loaded", async () => {
    const head = 'agents:\n  a:\n    config:\n      note: "';
    const tail = '"\n';
    const note = "é".repeat(1_000) + "x".repeat(MAX_CONFIG_BYTES - head.length - tail.length - 2_000);
    const text = head + note + tail;
    expect(Buffer.byteLength(text)).toBe(MAX_CONFIG_BYTES);
    const config = await loadConfig(await write("at-limit.yaml", text));
    expect((config.agents?.["a"]?.config as { note: string }).note).toBe(note);
  });

  test("a device that never ends is read no further than one byte past the limit", async () => {
    const error = await loadError("/dev/zero");
    expect(error.message).toContain(`it holds more than the limit of ${limit} bytes (1 MiB, MAX_CONFIG_BYTES; reading stopped there)`);
    expect(error.file).toBe("/dev/zero");
  });

  test("YAML text handed to the parser directly is held to the same limit", () => {
    const text = `# ${"é".repeat(MAX_CONFIG_BYTES / 2)}\n`;
    expect(text.length).toBeLessThan(MAX_CONFIG_BYTES);
    expect(() => parseYaml(text, "inline.yaml")).toThrow(`inline.yaml: the configuration is too large: ${Buffer.byteLength(text).toLocaleString("en-US")} bytes, over the limit of ${limit} bytes`);
  });
});
