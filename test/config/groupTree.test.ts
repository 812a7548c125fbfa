import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/loadConfig.js";
import { MAX_GROUP_DEPTH } from "../../src/config/ResolvedConfig.js";
import { resolveConfig } from "../../src/config/resolveConfig.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { resolveError } from "../helpers/resolveConfig.js";

// Groups as supervisors (decision 33): each group's parent, strategy and intensity as resolved, and
// the errors for a tree that cannot be, from an object and from a YAML file (with file:line:column).

/** A chain of `depth` groups g1 → … → g<depth>, each the parent of the next. */
function chain(depth: number): Record<string, { parent?: string }> {
  return Object.fromEntries(Array.from({ length: depth }, (_, index) => [`g${index + 1}`, index === 0 ? {} : { parent: `g${index}` }]));
}

describe("resolveConfig: the tree of groups", () => {
  it("gives the built-in groups one_for_one, no intensity, no parent and a path of their own name", () => {
    const { groups } = resolveConfig({});
    for (const name of ["data", "strategy", "critical"]) {
      expect(groups[name]).toMatchObject({ name, path: [name], strategy: "one_for_one" });
      expect(groups[name]).not.toHaveProperty("parent");
      expect(groups[name]).not.toHaveProperty("intensity");
    }
  });

  it("resolves the spec's desk and trading groups: parent, path, strategy and intensity in ms", () => {
    const { groups } = resolveConfig({
      groups: {
        desk: { strategy: "one_for_one", intensity: { maxRestarts: 10, within: "1m" } },
        trading: { parent: "desk", strategy: "one_for_all", intensity: { maxRestarts: 5, within: 60_000 } },
      },
    });
    expect(groups["desk"]).toMatchObject({ path: ["desk"], strategy: "one_for_one", intensity: { maxRestarts: 10, within: 60_000 } });
    expect(groups["desk"]).not.toHaveProperty("parent");
    expect(groups["trading"]).toMatchObject({ parent: "desk", path: ["desk", "trading"], strategy: "one_for_all", intensity: { maxRestarts: 5, within: 60_000 } });
    expect(Object.isFrozen(groups["trading"]?.path)).toBe(true);
    expect(Object.isFrozen(groups["trading"]?.intensity)).toBe(true);
  });

  it("gives a new group one_for_one and no intensity by default, and accepts maxRestarts 0", () => {
    const { groups } = resolveConfig({ groups: { feeds: {}, strict: { strategy: "rest_for_one", intensity: { maxRestarts: 0, within: "1s" } } } });
    expect(groups["feeds"]).toMatchObject({ strategy: "one_for_one", path: ["feeds"] });
    expect(groups["feeds"]).not.toHaveProperty("intensity");
    expect(groups["strict"]).toMatchObject({ strategy: "rest_for_one", intensity: { maxRestarts: 0, within: 1_000 } });
  });

  it("lets a groups: entry place a built-in group in the tree and change its strategy, keeping its other settings", () => {
    const { groups } = resolveConfig({ groups: { desk: {}, strategy: { parent: "desk", strategy: "rest_for_one", intensity: { maxRestarts: 2, within: "30s" } } } });
    expect(groups["strategy"]).toMatchObject({
      parent: "desk",
      path: ["desk", "strategy"],
      strategy: "rest_for_one",
      intensity: { maxRestarts: 2, within: 30_000 },
      restart: { kind: "max", max: 5 },
    });
  });

  it("resolves a path whatever the order the groups are written in, under a built-in parent too", () => {
    const { groups } = resolveConfig({ groups: { leaf: { parent: "mid" }, mid: { parent: "critical" } } });
    expect(groups["leaf"]?.path).toEqual(["critical", "mid", "leaf"]);
    expect(groups["mid"]?.path).toEqual(["critical", "mid"]);
  });

  it(`accepts a group ${MAX_GROUP_DEPTH} levels deep`, () => {
    const { groups } = resolveConfig({ groups: chain(MAX_GROUP_DEPTH) });
    expect(groups[`g${MAX_GROUP_DEPTH}`]?.path).toHaveLength(MAX_GROUP_DEPTH);
  });
});

describe("resolveConfig: errors in the tree of groups", () => {
  it("refuses an unknown parent, with a suggestion", () => {
    const error = resolveError({ groups: { desk: {}, trading: { parent: "dsk" } } });
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.path).toBe("groups.trading.parent");
    expect(error.value).toBe("dsk");
    expect(error.message).toBe(
      'groups.trading.parent: unknown parent group "dsk" (did you mean "desk"?); expected a built-in group (data, strategy, critical) or a group defined under groups: (defined: desk, trading)',
    );
  });

  it("never suggests the group's own name for its parent (that would be a cycle), but still a close other group", () => {
    const own = resolveError({ groups: { trading: { parent: "tradng" } } });
    expect(own.path).toBe("groups.trading.parent");
    expect(own.message).toBe(
      'groups.trading.parent: unknown parent group "tradng"; expected a built-in group (data, strategy, critical) or a group defined under groups: (defined: trading)',
    );
    const other = resolveError({ groups: { trading: { parent: "tradng" }, trade: {} } });
    expect(other.message).toContain('unknown parent group "tradng" (did you mean "trade"?);');
  });

  it("refuses a cycle of parents, named in order from the first group of the cycle", () => {
    const error = resolveError({ groups: { top: {}, desk: { parent: "trading" }, trading: { parent: "desk" } } });
    expect(error.path).toBe("groups.desk.parent");
    expect(error.value).toBe("trading");
    expect(error.message).toBe(
      'groups.desk.parent: the groups\' parents form a cycle: desk → trading → desk; expected every chain of parents to end at a top-level group (one without "parent")',
    );
  });

  it("names at most 10 groups of a long cycle and counts the rest", () => {
    const groups = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`g${i}`, { parent: `g${(i + 1) % 5_000}` }]));
    const error = resolveError({ groups });
    expect(error.path).toBe("groups.g0.parent");
    expect(error.message).toBe(
      'groups.g0.parent: the groups\' parents form a cycle: g0 → g1 → g2 → g3 → g4 → g5 → g6 → g7 → g8 → g9 → … and 4990 more → g0; expected every chain of parents to end at a top-level group (one without "parent")',
    );
    // a cycle of exactly 10 is listed whole
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`g${i}`, { parent: `g${(i + 1) % 10}` }]));
    expect(resolveError({ groups: ten }).message).toContain("cycle: g0 → g1 → g2 → g3 → g4 → g5 → g6 → g7 → g8 → g9 → g0;");
  });

  it("refuses a longer cycle reached from a group outside it, and a group that is its own parent", () => {
    const long = resolveError({ groups: { leaf: { parent: "c" }, a: { parent: "b" }, b: { parent: "c" }, c: { parent: "a" } } });
    expect(long.path).toBe("groups.a.parent");
    expect(long.message).toContain("cycle: a → b → c → a;");
    const self = resolveError({ groups: { data: { parent: "data" } } });
    expect(self.path).toBe("groups.data.parent");
    expect(self.message).toContain("cycle: data → data;");
  });

  it(`refuses a group deeper than ${MAX_GROUP_DEPTH} levels, at the parent that puts it there`, () => {
    const error = resolveError({ groups: chain(MAX_GROUP_DEPTH + 2) });
    expect(error.path).toBe(`groups.g${MAX_GROUP_DEPTH + 1}.parent`);
    expect(error.value).toBe(`g${MAX_GROUP_DEPTH}`);
    expect(error.message).toBe(
      `groups.g9.parent: group "g9" is 9 levels deep (g1 → g2 → g3 → g4 → g5 → g6 → g7 → g8 → g9); expected at most 8 levels, a top-level group being level 1`,
    );
  });

  it("refuses a strategy not in the list, with a suggestion when one is close", () => {
    const error = resolveError({ groups: { desk: { strategy: "one_for_al" } } });
    expect(error.path).toBe("groups.desk.strategy");
    expect(error.value).toBe("one_for_al");
    expect(error.message).toBe('groups.desk.strategy: expected "one_for_one", "one_for_all" or "rest_for_one", got "one_for_al" (did you mean "one_for_all"?)');
    expect(resolveError({ groups: { desk: { strategy: "all_for_one" } } }).message).toBe(
      'groups.desk.strategy: expected "one_for_one", "one_for_all" or "rest_for_one", got "all_for_one"',
    );
  });

  it("refuses an intensity with a bad maxRestarts or within, or without one of them", () => {
    const intensity = (value: unknown): ConfigError => resolveError({ groups: { desk: { intensity: value } } });
    expect(intensity({ maxRestarts: -1, within: "1m" }).message).toBe("groups.desk.intensity.maxRestarts: expected a non-negative integer, got -1");
    expect(intensity({ maxRestarts: 2.5, within: "1m" }).message).toBe("groups.desk.intensity.maxRestarts: expected a non-negative integer, got 2.5");
    expect(intensity({ maxRestarts: 3, within: "0s" }).message).toBe(
      'groups.desk.intensity.within: expected a positive duration such as "500ms", "30s", "5m", "1h" or a number of milliseconds, got "0s"',
    );
    expect(intensity({ maxRestarts: 3, within: "a minute" }).path).toBe("groups.desk.intensity.within");
    expect(intensity({ maxRestarts: 3 }).message).toBe(
      'groups.desk.intensity.within: missing "within": expected { maxRestarts: N, within: <duration> } with N a non-negative integer',
    );
    expect(intensity({ within: "1m" }).path).toBe("groups.desk.intensity.maxRestarts");
    expect(intensity({ maxRestarts: 3, within: "1m", period: "1m" }).message).toBe(
      'groups.desk.intensity.period: unknown key "period"; expected one of: maxRestarts, within',
    );
    expect(intensity("5 in 1m").message).toBe('groups.desk.intensity: expected a mapping (key: value pairs), got "5 in 1m"');
  });
});

describe("loadConfig: errors in the tree of groups point into the file", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "orchestrator-tree-"));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  /** Write `text` to a file of its own, load it and return the ConfigError (and the file). */
  async function loadError(name: string, text: string): Promise<{ error: ConfigError; file: string }> {
    const file = join(directory, `${name}.yaml`);
    await writeFile(file, text);
    const error = await loadConfig(file).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return { error: error as ConfigError, file };
  }

  it("loads a tree as the spec writes it", async () => {
    const file = join(directory, "tree.yaml");
    await writeFile(
      file,
      [
        "groups:",
        "  desk:    { strategy: one_for_one, intensity: { maxRestarts: 10, within: 1m } }",
        "  trading: { parent: desk, strategy: one_for_all, intensity: { maxRestarts: 5, within: 1m } }",
        "",
      ].join("\n"),
    );
    const { groups } = resolveConfig(await loadConfig(file));
    expect(groups["trading"]).toMatchObject({ parent: "desk", path: ["desk", "trading"], strategy: "one_for_all", intensity: { maxRestarts: 5, within: 60_000 } });
  });

  it("an unknown parent", async () => {
    const { error, file } = await loadError("unknown-parent", "groups:\n  desk: {}\n  trading:\n    parent: dek\n");
    expect(error.message).toBe(
      `${file}:4:13 (groups.trading.parent): unknown parent group "dek" (did you mean "desk"?); expected a built-in group (data, strategy, critical) or a group defined under groups: (defined: desk, trading)`,
    );
    expect(error).toMatchObject({ file, line: 4, column: 13, path: "groups.trading.parent", value: "dek" });
  });

  it("a cycle of parents", async () => {
    const { error, file } = await loadError("cycle", "groups:\n  desk: { parent: trading }\n  trading: { parent: desk }\n");
    expect(error.message).toBe(
      `${file}:2:19 (groups.desk.parent): the groups' parents form a cycle: desk → trading → desk; expected every chain of parents to end at a top-level group (one without "parent")`,
    );
  });

  it("a group too deep", async () => {
    const lines = Object.entries(chain(MAX_GROUP_DEPTH + 1)).map(([name, { parent }]) => `  ${name}: {${parent === undefined ? "" : ` parent: ${parent}`} }`);
    const { error, file } = await loadError("deep", `groups:\n${lines.join("\n")}\n`);
    expect(error.message.startsWith(`${file}:10:17 (groups.g9.parent): group "g9" is 9 levels deep (g1 → g2 → g3 → g4 → g5 → g6 → g7 → g8 → g9)`), error.message).toBe(true);
  });

  it("a strategy not in the list", async () => {
    const { error, file } = await loadError("strategy", "groups:\n  desk:\n    strategy: all_for_one\n");
    expect(error.message).toBe(`${file}:3:15 (groups.desk.strategy): expected "one_for_one", "one_for_all" or "rest_for_one", got "all_for_one"`);
  });

  it("an intensity with a bad maxRestarts, a bad within, or a key missing", async () => {
    const bad = await loadError("intensity-max", "groups:\n  desk:\n    intensity: { maxRestarts: -1, within: 1m }\n");
    expect(bad.error.message).toBe(`${bad.file}:3:31 (groups.desk.intensity.maxRestarts): expected a non-negative integer, got -1`);
    const within = await loadError("intensity-within", "groups:\n  desk:\n    intensity:\n      maxRestarts: 3\n      within: soon\n");
    expect(within.error.message).toBe(
      `${within.file}:5:15 (groups.desk.intensity.within): expected a positive duration such as "500ms", "30s", "5m", "1h" or a number of milliseconds, got "soon"`,
    );
    const missing = await loadError("intensity-missing", "groups:\n  desk:\n    intensity: { maxRestarts: 3 }\n");
    expect(missing.error.message).toBe(
      `${missing.file}:3:16 (groups.desk.intensity.within): missing "within": expected { maxRestarts: N, within: <duration> } with N a non-negative integer`,
    );
  });
});
