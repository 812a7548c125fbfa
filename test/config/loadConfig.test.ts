import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { configErrorAt, getConfigSource } from "../../src/config/ConfigSource.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { resolveConfig, type ResolveContext } from "../../src/config/resolveConfig.js";
import { ConfigError } from "../../src/errors/ConfigError.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "config");
const fixture = (name: string): string => join(FIXTURES, name);

/** Load `name` from the fixtures, expect a ConfigError and return it. */
async function loadError(name: string): Promise<ConfigError> {
  try {
    await loadConfig(fixture(name));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected loading ${name} to fail`);
}

/** Load `name`, resolve it with `context`, expect a ConfigError from resolveConfig and return it. */
async function resolveError(name: string, context: ResolveContext): Promise<ConfigError> {
  const config = await loadConfig(fixture(name));
  try {
    resolveConfig(config, context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected resolving ${name} to fail`);
}

describe("loadConfig: a valid file", () => {
  it("loads every section and resolves it", async () => {
    const config = await loadConfig(fixture("full.yaml"));
    expect(config.chief).toBe("chief");
    expect(config.supervisor?.backoff?.initial).toBe("500ms");
    const resolved = resolveConfig(config, { registered: [{ name: "report" }] });
    expect(resolved.file).toBe(fixture("full.yaml"));
    expect(resolved.chief).toBe("chief");
    expect(resolved.agents["data_market"]).toEqual({
      group: "data",
      module: pathToFileURL(fixture("agents/market.mjs")).href,
      export: "MarketDataAgent",
      enabled: true,
      heartbeatTimeout: 30_000,
      config: { symbols: ["AAPL", "MSFT"] },
    });
    expect(resolved.agents["report"]).toEqual({ group: "reporting", enabled: true });
    expect(resolved.groups["critical"]).toMatchObject({ restart: { kind: "always" }, critical: true });
    expect(resolved.groups["reporting"]).toEqual({
      name: "reporting",
      path: ["reporting"],
      strategy: "one_for_one",
      restart: { kind: "max", max: 2 },
      crashLoop: { maxCrashes: 1, within: 300_000 },
      escalateAfter: 3,
      critical: false,
    });
    expect(resolved.supervisor).toEqual({ backoff: { initial: 500, max: 120_000, factor: 3, jitter: 0.1 }, resetAfter: 90_000, startTimeout: 10_000, stopTimeout: 2_000 });
    expect(resolved.schedule["report"]?.map((trigger) => trigger.name)).toEqual(["cron:0 17 * * 1-5@America/New_York", "pnl"]);
    expect(resolved.schedule["report"]?.[0]).toMatchObject({ overlap: "queue", misfire: "once", timeout: 600_000 });
    expect(resolved.schedule["chief"]?.[0]).toMatchObject({ kind: "at", at: Date.UTC(2026, 11, 1, 14, 30) });
    expect(resolved.shutdown.timeout).toBe(45_000);
    expect(resolved.http).toEqual({ healthPort: 9_000, metricsPort: 9_001, host: "127.0.0.1" });
  });

  it("loads the product spec's example as written", async () => {
    const config = await loadConfig(fixture("spec-example.yaml"));
    const resolved = resolveConfig(config, {
      registered: ["chief", "report", "rebalance", "warmup", "pnl"].map((name) => ({ name })),
    });
    expect(resolved.chief).toBe("chief");
    expect(resolved.agents["data_market"]?.module).toBe(pathToFileURL(fixture("agents/market.js")).href);
    expect(Object.fromEntries(Object.entries(resolved.schedule).map(([agent, triggers]) => [agent, triggers.map((t) => t.name)]))).toEqual({
      data_market: ["cron:*/1 * * * *"],
      report: ["cron:0 17 * * 1-5@America/New_York"],
      rebalance: ["at:2026-12-01T14:30:00.000Z"],
      warmup: ["delay:30s"],
      pnl: ["every:15s"],
    });
    expect(resolved.supervisor).toEqual(resolveConfig({}).supervisor);
    expect(resolved.http).toEqual({ healthPort: 8_000, metricsPort: 8_001 });
  });

  it("loads the complete example of docs/configuration.md", async () => {
    const docs = await readFile(join(FIXTURES, "..", "..", "..", "docs", "configuration.md"), "utf8");
    const example = /## A complete file\s+```yaml\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(example).toBeDefined();
    const directory = await mkdtemp(join(tmpdir(), "orchestrator-config-"));
    try {
      const file = join(directory, "orchestrator.yaml");
      await writeFile(file, example ?? "");
      const resolved = resolveConfig(await loadConfig(file), { registered: [{ name: "risk", group: "data" }] });
      expect(resolved.agents["risk"]?.group).toBe("critical");
      expect(resolved.agents["chief"]?.module).toBe(pathToFileURL(join(directory, "agents", "chief.js")).href);
      expect(resolved.groups["reporting"]?.crashLoop).toEqual({ maxCrashes: 1, within: 300_000 });
      expect(resolved.groups["reporting"]).toMatchObject({ parent: "backoffice", path: ["backoffice", "reporting"], strategy: "rest_for_one" });
      expect(resolved.groups["backoffice"]?.intensity).toEqual({ maxRestarts: 10, within: 60_000 });
      expect(resolved.agents["report"]?.dependsOn).toEqual(["data_market"]);
      expect(resolved.schedule["report"]?.map((t) => t.name)).toEqual(["cron:0 17 * * 1-5@America/New_York", "intraday"]);
      expect(resolved.schedule["backtest"]?.[0]).toMatchObject({ catchup: { window: 3_600_000, runs: "latest" }, delivery: "at-least-once" });
      expect(resolved.schedule["risk"]?.[0]).toMatchObject({ kind: "delay", delivery: "at-most-once" });
      expect(resolved.state).toEqual({ file: join(directory, "var", "orchestrator-state.json") });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

});

describe("loadConfig: module paths, hidden metadata, empty sections and aliases", () => {
  it("resolves module paths against the config file's directory, not the working directory", async () => {
    const config = await loadConfig(fixture("nested/relative-module.yaml"));
    const market = config.agents?.["market"]?.module;
    expect(market).toBe(pathToFileURL(fixture("agents/market.mjs")).href);
    expect(existsSync(fileURLToPath(market ?? ""))).toBe(true);
    expect(config.agents?.["packaged"]?.module).toBe("@acme/trading-agents/market");
    expect(config.agents?.["absolute"]?.module).toBe("file:///opt/agents/risk.js");
    expect(resolveConfig(config).agents["market"]?.module).toBe(market);
  });

  it("hides its source metadata from keys, spreads and JSON", async () => {
    const config = await loadConfig(fixture("unknown-agent.yaml"));
    expect(Object.keys(config)).toEqual(["agents", "schedule"]);
    expect(JSON.stringify(config)).not.toContain("unknown-agent.yaml");
    expect(getConfigSource(config)?.file).toBe(fixture("unknown-agent.yaml"));
    expect(getConfigSource({ ...config })).toBeUndefined();
  });

  it("accepts an empty file and empty sections", async () => {
    expect(await loadConfig(fixture("empty.yaml"))).toEqual({});
    const sections = await loadConfig(fixture("empty-sections.yaml"));
    expect(sections).toEqual({ groups: { reporting: {} }, supervisor: {} });
    expect(resolveConfig(sections).groups["reporting"]?.restart).toEqual({ kind: "always" });
  });

  it("accepts a few aliases", async () => {
    const config = await loadConfig(fixture("aliases.yaml"));
    expect(config.agents?.["market"]?.config).toEqual({ symbols: ["AAPL", "MSFT"], watch: ["AAPL", "MSFT"] });
  });
});

describe("loadConfig: unsafe or invalid YAML", () => {
  it("reports a syntax error with file, line and column", async () => {
    const error = await loadError("syntax-error.yaml");
    expect(error.file).toBe(fixture("syntax-error.yaml"));
    expect(error.line).toBe(4);
    expect(error.column).toBe(36);
    expect(error.message).toBe(`${fixture("syntax-error.yaml")}:4:36: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("reports a duplicate key with its position", async () => {
    const error = await loadError("duplicate-key.yaml");
    expect(error.path).toBe("agents.market");
    expect(error.message).toBe(`${fixture("duplicate-key.yaml")}:4:3 (agents.market): duplicate key "market": keys must be unique within a mapping`);
  });

  it("refuses a !!js/function tag", async () => {
    const error = await loadError("js-function-tag.yaml");
    expect(error.line).toBe(5);
    expect(error.column).toBe(15);
    expect(error.message).toContain("YAML tag !!js/function is not allowed: expected plain YAML (core schema tags only");
  });

  it("refuses a custom tag", async () => {
    const error = await loadError("custom-tag.yaml");
    expect(error.message).toBe(
      `${fixture("custom-tag.yaml")}:3:13: YAML tag !import is not allowed: expected plain YAML (core schema tags only: !!str, !!int, !!float, !!bool, !!null, !!map, !!seq)`,
    );
  });

  it("refuses YAML 1.1 tags outside the core schema", async () => {
    const error = await loadError("binary-tag.yaml");
    expect(error.path).toBe("agents.market.config.key");
    expect(error.message).toContain(`${fixture("binary-tag.yaml")}:5:21 (agents.market.config.key): YAML tag !!binary is not allowed`);
  });

  it("refuses an alias bomb", async () => {
    const error = await loadError("alias-bomb.yaml");
    expect(error.file).toBe(fixture("alias-bomb.yaml"));
    expect(error.path).toBe("agents.market.config.f[0]");
    expect(error.message).toContain("alias *e repeats 66,430 nodes, which takes it past the limit of 100,000 nodes (MAX_CONFIG_NODES");
    expect(error.message).toContain("billion laughs");
  });

  it("does not treat << as a merge key", async () => {
    const error = await loadError("merge-key.yaml");
    expect(error.path).toBe("defaults");
    expect(error.message).toContain('unknown key "defaults"');
  });

  it("refuses a file with several documents", async () => {
    const error = await loadError("multi-document.yaml");
    expect(error.line).toBe(2);
    expect(error.message).toContain("more than one YAML document");
  });

  it("refuses a document that is not a mapping", async () => {
    const error = await loadError("list.yaml");
    expect(error.message).toBe(`${fixture("list.yaml")}:1:1: expected a mapping (key: value pairs), got ["chief","risk"]`);
  });

});

describe("loadConfig: missing files and __proto__", () => {
  it("refuses a path that is not a non-empty string with INVALID_OPTION, naming it", async () => {
    for (const [path, shown] of [
      ["", '""'],
      [42, "42"],
      [undefined, "undefined"],
    ] as const) {
      await expect(loadConfig(path as string)).rejects.toThrow(
        new ConfigError(`loadConfig: expected \`path\` to be a non-empty file path, got ${shown}`, { code: "INVALID_OPTION", path: "path", value: path }),
      );
    }
  });

  it("reports a missing file", async () => {
    const error = await loadError("does-not-exist.yaml");
    expect(error.file).toBe(fixture("does-not-exist.yaml"));
    expect(error.message).toContain("cannot read the configuration file: ENOENT");
    expect((error.cause as NodeJS.ErrnoException).code).toBe("ENOENT");
  });

  it("refuses __proto__ as an agent name, with its position, and leaves Object.prototype alone", async () => {
    const error = await loadError("proto-agent.yaml");
    expect(error.path).toBe("agents.__proto__");
    expect(error.message).toBe(
      `${fixture("proto-agent.yaml")}:2:3 (agents.__proto__): invalid agent name "__proto__": expected 1 to 128 letters, digits, "_" or "-" (pattern [A-Za-z0-9_-]+), and not __proto__, constructor or prototype`,
    );
    const probe: Record<string, unknown> = {};
    expect(probe["module"]).toBeUndefined();
    expect(probe["enabled"]).toBeUndefined();
  });

  it("refuses __proto__ as a group name and leaves Object.prototype alone", async () => {
    const error = await loadError("proto-group.yaml");
    expect(error.path).toBe("groups.__proto__");
    expect(error.line).toBe(2);
    expect(error.message).toContain('invalid group name "__proto__"');
    const probe: Record<string, unknown> = {};
    expect(probe["restart"]).toBeUndefined();
    expect(probe["critical"]).toBeUndefined();
  });

  it("refuses __proto__ inside an agent's config", async () => {
    const error = await loadError("proto-config.yaml");
    expect(error.path).toBe("agents.market.config.nested.__proto__");
    expect(error.line).toBe(6);
    expect(error.column).toBe(9);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});

describe("loadConfig: validation errors point into the file", () => {
  it("refuses a group's backoff at its position, pointing at supervisor.backoff: YAML cannot hold the function it takes", async () => {
    const error = await loadError("group-backoff.yaml");
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.path).toBe("groups.reporting.backoff");
    expect(error.value).toEqual({ initial: "1s", max: "30s" });
    expect(error.message).toBe(
      `${fixture("group-backoff.yaml")}:4:14 (groups.reporting.backoff): expected a function (attempt, random) => ms, got {"initial":"1s","max":"30s"}: only a configuration given in code can hold a function; in YAML, set supervisor.backoff (initial, max, factor, jitter) instead`,
    );
  });

  it("reports a bad value at its line and column", async () => {
    const error = await loadError("bad-duration.yaml");
    expect(error.path).toBe("supervisor.resetAfter");
    expect(error.line).toBe(3);
    expect(error.column).toBe(15);
    expect(error.message).toBe(
      `${fixture("bad-duration.yaml")}:3:15 (supervisor.resetAfter): expected a positive duration such as "500ms", "30s", "5m", "1h" or a number of milliseconds, got "5 minutes"`,
    );
  });

  it("reports an unknown key at the key, with a suggestion", async () => {
    const error = await loadError("unknown-key.yaml");
    expect(error.message).toBe(
      `${fixture("unknown-key.yaml")}:4:5 (groups.strategy.escalateAfer): unknown key "escalateAfer" (did you mean "escalateAfter"?); expected one of: restart, crashLoop, escalateAfter, critical, parent, strategy, intensity, backoff`,
    );
  });

  it("reports a bad trigger inside a list at its position", async () => {
    const error = await loadError("bad-cron.yaml");
    expect(error.path).toBe("schedule.report[1].cron");
    expect(error.line).toBe(4);
    expect(error.column).toBe(15);
    expect(error.message).toContain(`the minute field "61": 61 is out of range; minutes are 0-59`);
    expect(error.message).not.toContain("Constraint error");
  });

  it("reports an at without a time zone at its position", async () => {
    const error = await loadError("bad-at.yaml");
    expect(error.message).toContain(`${fixture("bad-at.yaml")}:2:20 (schedule.rebalance.at): expected an ISO 8601 instant`);
  });

  it("keeps file, line and column for errors resolveConfig finds later", async () => {
    const error = await resolveError("unknown-agent.yaml", { registered: [{ name: "risk" }] });
    expect(error.message).toBe(
      `${fixture("unknown-agent.yaml")}:2:3 (agents.data_market): agent "data_market" is not registered in code and has no "module" to load it from: expected a "module" here, or an agent of that name registered in code (registered: risk)`,
    );
    const schedule = await resolveError("unknown-agent.yaml", { registered: [{ name: "data_market" }] });
    expect(schedule.file).toBe(fixture("unknown-agent.yaml"));
    expect(schedule.path).toBe("schedule.data_markte");
    expect(schedule.line).toBe(6);
    expect(schedule.column).toBe(3);
    expect(schedule.message).toContain('schedule for unknown agent "data_markte" (did you mean "data_market"?)');
  });

  it("positions a conflicting chief and a module given for a registered agent", async () => {
    const chief = await resolveError("full.yaml", { registered: [{ name: "report" }, { name: "boss", chief: true }] });
    expect(chief.message).toContain(`${fixture("full.yaml")}:2:8 (chief): chief "chief" conflicts with agent "boss"`);
    const module = await resolveError("full.yaml", { registered: [{ name: "report" }, { name: "data_market" }] });
    expect(module.message).toContain(`${fixture("full.yaml")}:6:13 (agents.data_market.module)`);
  });

  it("lets later errors about a loaded config name the file through configErrorAt", async () => {
    const config = await loadConfig(fixture("full.yaml"));
    const resolved = resolveConfig(config, { registered: [{ name: "report" }] });
    const cause = new Error("Cannot find module");
    const error = configErrorAt(resolved, "agents.chief.module", "cannot import the agent module", { value: "x", cause });
    expect(error.message).toBe(`${fixture("full.yaml")}:13:13 (agents.chief.module): cannot import the agent module`);
    expect(error.cause).toBe(cause);
    expect(configErrorAt({}, "agents.chief.module", "cannot import").message).toBe("agents.chief.module: cannot import");
  });
});

describe("loadConfig: shutdown.drainDelay", () => {
  /** Load `text` from a temporary orchestrator.yaml; returns the resolved shutdown timings or the error. */
  async function loadText(text: string): Promise<{ shutdown?: { timeout: number; drainDelay: number }; error?: ConfigError; file: string }> {
    const directory = await mkdtemp(join(tmpdir(), "orchestrator-drain-"));
    const file = join(directory, "orchestrator.yaml");
    try {
      await writeFile(file, text);
      return { shutdown: resolveConfig(await loadConfig(file), { registered: [] }).shutdown, file };
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return { error: error as ConfigError, file };
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  it("accepts 0 (no drain) as written or as a duration text", async () => {
    expect((await loadText("shutdown: { drainDelay: 0 }\n")).shutdown).toEqual({ timeout: 30_000, drainDelay: 0 });
    expect((await loadText("shutdown: { drainDelay: 0s }\n")).shutdown).toEqual({ timeout: 30_000, drainDelay: 0 });
    expect((await loadText("shutdown: { drainDelay: 5s, timeout: 20s }\n")).shutdown).toEqual({ timeout: 20_000, drainDelay: 5_000 });
  });

  it("refuses a negative delay at its position", async () => {
    const { error, file } = await loadText("shutdown:\n  drainDelay: -1\n");
    expect(error?.message).toContain(`${file}:2:15`);
    expect(error?.message).toContain("(shutdown.drainDelay): expected a duration such as");
  });

  it("refuses a delay not shorter than the timeout at the delay's position, before anything starts", async () => {
    const { error, file } = await loadText("shutdown:\n  timeout: 10s\n  drainDelay: 10s\n");
    expect(error?.message).toContain(`${file}:3:15`);
    expect(error?.message).toContain("(shutdown.drainDelay): expected a duration shorter than shutdown.timeout (10s), inside which it is counted, got 10s");
  });
});
