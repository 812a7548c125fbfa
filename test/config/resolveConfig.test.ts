import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config/defaults.js";
import type { OrchestratorConfig } from "../../src/config/OrchestratorConfig.js";
import { resolveConfig } from "../../src/config/resolveConfig.js";
import { registered, resolveError } from "../helpers/resolveConfig.js";

// What resolveConfig returns: defaults filled in, groups merged key by key, agents, registrations
// and the chief checked against each other. Its error messages are in test/config.test.ts.

describe("resolveConfig: defaults", () => {
  it("fills every default for an empty configuration", () => {
    const resolved = resolveConfig({});
    expect(resolved.file).toBeUndefined();
    expect(resolved.chief).toBeUndefined();
    expect(resolved.agents).toEqual({});
    expect(resolved.schedule).toEqual({});
    expect(resolved.groups).toEqual({
      data: { name: "data", path: ["data"], strategy: "one_for_one", restart: { kind: "always" }, crashLoop: { maxCrashes: 3, within: 300_000 }, escalateAfter: 3, critical: false },
      strategy: { name: "strategy", path: ["strategy"], strategy: "one_for_one", restart: { kind: "max", max: 5 }, crashLoop: { maxCrashes: 3, within: 300_000 }, escalateAfter: 3, critical: false },
      critical: { name: "critical", path: ["critical"], strategy: "one_for_one", restart: { kind: "fail-stop" }, crashLoop: { maxCrashes: 3, within: 300_000 }, escalateAfter: 3, critical: true },
    });
    expect(resolved.supervisor).toEqual({
      backoff: { initial: 1_000, max: 60_000, factor: 2, jitter: 0.2 },
      resetAfter: 60_000,
      startTimeout: 30_000,
      stopTimeout: 5_000,
    });
    expect(resolved.shutdown).toEqual({ timeout: 30_000, drainDelay: 0 });
    expect(resolved.http).toEqual({ healthPort: 8_000, metricsPort: 8_001 });
  });

  it("treats an absent configuration like an empty one", () => {
    expect(resolveConfig(undefined)).toEqual(resolveConfig({}));
  });

  it("takes its defaults from the exported DEFAULTS", () => {
    const resolved = resolveConfig({});
    expect(resolved.supervisor).toEqual(DEFAULTS.supervisor);
    expect(resolved.shutdown).toEqual(DEFAULTS.shutdown);
    expect(resolved.http).toEqual(DEFAULTS.http);
    expect(resolved.groups["strategy"]).toEqual(DEFAULTS.groups.strategy);
    expect(DEFAULTS.group).toBe("data");
    expect(Object.isFrozen(DEFAULTS.supervisor.backoff)).toBe(true);
  });

});

describe("resolveConfig: durations, null sections and freezing", () => {
  it("converts every duration to milliseconds and keeps explicit values", () => {
    const resolved = resolveConfig({
      supervisor: { backoff: { initial: "500ms", max: "2m", factor: 3, jitter: 0 }, resetAfter: "1.5s", startTimeout: 10_000, stopTimeout: "1h" },
      shutdown: { timeout: "45s" },
      http: { healthPort: 0, metricsPort: 65_535, host: "127.0.0.1" },
    });
    expect(resolved.supervisor).toEqual({
      backoff: { initial: 500, max: 120_000, factor: 3, jitter: 0 },
      resetAfter: 1_500,
      startTimeout: 10_000,
      stopTimeout: 3_600_000,
    });
    expect(resolved.shutdown.timeout).toBe(45_000);
    expect(resolved.http).toEqual({ healthPort: 0, metricsPort: 65_535, host: "127.0.0.1" });
  });

  it("returns a frozen result", () => {
    const resolved = resolveConfig({ groups: { reporting: {} } });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.groups)).toBe(true);
    expect(Object.isFrozen(resolved.groups["reporting"])).toBe(true);
    expect(Object.isFrozen(resolved.supervisor.backoff)).toBe(true);
  });

  it("accepts null sections and null entries as empty", () => {
    const resolved = resolveConfig({ agents: null, groups: { reporting: null }, supervisor: { backoff: null } } as unknown as OrchestratorConfig);
    expect(resolved.agents).toEqual({});
    expect(resolved.groups["reporting"]?.restart).toEqual({ kind: "always" });
    expect(resolved.supervisor.backoff).toEqual(DEFAULTS.supervisor.backoff);
  });
});

describe("resolveConfig: groups", () => {
  it("overrides a built-in group key by key: a user critical group that restarts always stays critical", () => {
    const resolved = resolveConfig({ groups: { critical: { restart: "always" } } });
    expect(resolved.groups["critical"]).toEqual({
      name: "critical",
      path: ["critical"],
      strategy: "one_for_one",
      restart: { kind: "always" },
      crashLoop: { maxCrashes: 3, within: 300_000 },
      escalateAfter: 3,
      critical: true,
    });
  });

  it("merges crashLoop field by field and keeps the built-in restart policy", () => {
    const resolved = resolveConfig({ groups: { strategy: { crashLoop: { within: "10m" } }, data: { critical: true, escalateAfter: 5 } } });
    expect(resolved.groups["strategy"]).toEqual({
      name: "strategy",
      path: ["strategy"],
      strategy: "one_for_one",
      restart: { kind: "max", max: 5 },
      crashLoop: { maxCrashes: 3, within: 600_000 },
      escalateAfter: 3,
      critical: false,
    });
    expect(resolved.groups["data"]).toMatchObject({ restart: { kind: "always" }, escalateAfter: 5, critical: true });
  });

  it("gives a new group the group defaults: restart always, crash loop 3 in 5m, escalate after 3, not critical", () => {
    const resolved = resolveConfig({ groups: { reporting: { crashLoop: { maxCrashes: 0 } }, feeds: { restart: { max: 0 }, critical: true } } });
    expect(resolved.groups["reporting"]).toEqual({
      name: "reporting",
      path: ["reporting"],
      strategy: "one_for_one",
      restart: { kind: "always" },
      crashLoop: { maxCrashes: 0, within: 300_000 },
      escalateAfter: 3,
      critical: false,
    });
    expect(resolved.groups["feeds"]).toMatchObject({ restart: { kind: "max", max: 0 }, critical: true });
    expect(Object.keys(resolved.groups)).toEqual(["data", "strategy", "critical", "reporting", "feeds"]);
  });

  it("accepts fail-stop for any group", () => {
    expect(resolveConfig({ groups: { data: { restart: "fail-stop" } } }).groups["data"]?.restart).toEqual({ kind: "fail-stop" });
  });
});

describe("resolveConfig: a group's back-off strategy, given in code", () => {
  const linear = (attempt: number): number => 1_000 * (attempt + 1);

  it("carries the function into the resolved group, for a new group and a built-in one", () => {
    const halving = (attempt: number, random: () => number): number => 500 * random() + attempt;
    const resolved = resolveConfig({ groups: { reporting: { backoff: linear }, strategy: { backoff: halving, escalateAfter: 4 } } });
    expect(resolved.groups["reporting"]?.backoff).toBe(linear);
    expect(resolved.groups["strategy"]).toEqual({ ...DEFAULTS.groups.strategy, escalateAfter: 4, backoff: halving });
    expect(resolved.groups["strategy"]?.backoff).toBe(halving);
  });

  it("leaves backoff out of a group that sets none (the supervisor's exponential back-off applies)", () => {
    const resolved = resolveConfig({ groups: { reporting: { restart: "always" } } });
    expect(resolved.groups["reporting"]).not.toHaveProperty("backoff");
    expect(resolved.groups["data"]).not.toHaveProperty("backoff");
  });

  it("refuses a backoff that is not a function, pointing YAML users at supervisor.backoff", () => {
    const error = resolveError({ groups: { reporting: { backoff: { initial: "1s" } } } });
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.path).toBe("groups.reporting.backoff");
    expect(error.value).toEqual({ initial: "1s" });
    expect(error.message).toBe(
      'groups.reporting.backoff: expected a function (attempt, random) => ms, got {"initial":"1s"}: only a configuration given in code can hold a function; in YAML, set supervisor.backoff (initial, max, factor, jitter) instead',
    );
    expect(resolveError({ groups: { data: { backoff: 250 } } }).message).toContain("got 250");
  });
});

describe("resolveConfig: agents and registrations", () => {
  it("gives agents registered in code but absent from agents: no entry", () => {
    const resolved = resolveConfig({}, { registered: [{ name: "market", group: "data" }, { name: "risk", group: "critical" }] });
    expect(resolved.agents).toEqual({});
  });

  it("lets agents.<name>.group win over the group given in code", () => {
    const resolved = resolveConfig({ agents: { market: { group: "critical" } } }, { registered: [{ name: "market", group: "strategy" }] });
    expect(resolved.agents["market"]).toEqual({ group: "critical", enabled: true });
  });

  it("resolves an agent entry: enabled by default, heartbeatTimeout in ms, config passed through as is", () => {
    const settings = { symbols: ["AAPL"], depth: { levels: 5 } };
    const resolved = resolveConfig({ agents: { market: { heartbeatTimeout: "30s", config: settings }, quiet: { enabled: false } } }, registered("market", "quiet"));
    expect(resolved.agents["market"]).toEqual({ enabled: true, heartbeatTimeout: 30_000, config: settings });
    expect(resolved.agents["market"]?.config).toBe(settings);
    expect(resolved.agents["quiet"]).toEqual({ enabled: false });
  });

});

describe("resolveConfig: agents loaded by module", () => {
  it("turns an absolute module path into a file: URL and keeps package specifiers and file: URLs", () => {
    const resolved = resolveConfig({
      agents: {
        a: { module: "/opt/agents/a.js", export: "AAgent" },
        b: { module: "@acme/trading-agents/b" },
        c: { module: "file:///opt/agents/c.js" },
      },
    });
    expect(resolved.agents["a"]).toEqual({ module: "file:///opt/agents/a.js", export: "AAgent", enabled: true });
    expect(resolved.agents["b"]?.module).toBe("@acme/trading-agents/b");
    expect(resolved.agents["c"]?.module).toBe("file:///opt/agents/c.js");
  });

  it("refuses a relative module path when the configuration did not come from a file", () => {
    const error = resolveError({ agents: { market: { module: "./agents/market.js" } } });
    expect(error.path).toBe("agents.market.module");
    expect(error.value).toBe("./agents/market.js");
    expect(error.message).toContain('"./agents/market.js"');
    expect(error.message).toContain("relative module path needs a configuration file");
  });

  it("refuses module URLs other than file:", () => {
    const error = resolveError({ agents: { market: { module: "https://example.com/market.js" } } });
    expect(error.path).toBe("agents.market.module");
    expect(error.message).toContain("only file: URLs, paths and package names");
  });

  it("refuses export without module", () => {
    const error = resolveError({ agents: { market: { export: "MarketAgent" } } }, registered("market"));
    expect(error.path).toBe("agents.market.export");
    expect(error.message).toContain('"export" "MarketAgent" needs "module"');
  });

  it("refuses an agents entry for an agent that is neither registered nor given a module", () => {
    const error = resolveError({ agents: { markt: { group: "data" } } }, registered("market", "risk"));
    expect(error.path).toBe("agents.markt");
    expect(error.value).toBe("markt");
    expect(error.message).toBe(
      'agents.markt: agent "markt" is not registered in code and has no "module" to load it from (did you mean "market"?): expected a "module" here, or an agent of that name registered in code (registered: market, risk)',
    );
  });

  it("refuses an agent that is registered in code and also given a module", () => {
    const error = resolveError({ agents: { market: { module: "/opt/market.js" } } }, registered("market"));
    expect(error.path).toBe("agents.market.module");
    expect(error.message).toContain("registered in code and also given a module");
  });

});

describe("resolveConfig: schedules and registrations", () => {
  it("refuses a schedule for an agent that is neither registered nor given a module", () => {
    const error = resolveError({ schedule: { data_markte: "* * * * *" } }, registered("data_market"));
    expect(error.path).toBe("schedule.data_markte");
    expect(error.value).toBe("data_markte");
    expect(error.message).toContain('schedule for unknown agent "data_markte" (did you mean "data_market"?)');
    expect(error.message).toContain("expected an agent registered in code or given a \"module\" under agents:");
  });

  it("accepts a schedule for an agent loaded by module", () => {
    const resolved = resolveConfig({ agents: { report: { module: "@acme/report" } }, schedule: { report: { every: "1m" } } });
    expect(resolved.schedule["report"]).toEqual([{ kind: "every", every: 60_000, name: "every:1m", overlap: "skip", misfire: "skip", misfireGrace: 1_000 }]);
  });

  it("refuses a registration whose group does not exist, unless agents.<name>.group overrides it", () => {
    const error = resolveError({}, { registered: [{ name: "market", group: "feds" }] });
    expect(error.path).toBeUndefined();
    expect(error.value).toBe("feds");
    expect(error.message).toContain('agent "market" is registered with unknown group "feds"');
    expect(error.message).toContain("expected a built-in group (data, strategy, critical)");
    const overridden = resolveConfig({ agents: { market: { group: "data" } } }, { registered: [{ name: "market", group: "feds" }] });
    expect(overridden.agents["market"]?.group).toBe("data");
    expect(resolveConfig({ groups: { feds: {} } }, { registered: [{ name: "market", group: "feds" }] }).groups["feds"]).toBeDefined();
  });

  it("refuses invalid and duplicate registration names", () => {
    expect(resolveError({}, registered("market.data")).message).toContain('agent registration: invalid agent name "market.data"');
    expect(resolveError({}, registered("a", "a")).message).toContain('agent "a" is registered twice');
  });
});

describe("resolveConfig: chief", () => {
  it("takes the chief from the configuration", () => {
    expect(resolveConfig({ chief: "chief" }, registered("chief")).chief).toBe("chief");
  });

  it("takes the chief from a registration marked chief: true", () => {
    expect(resolveConfig({}, { registered: [{ name: "risk" }, { name: "boss", chief: true }] }).chief).toBe("boss");
  });

  it("accepts the same chief from both sides", () => {
    expect(resolveConfig({ chief: "boss" }, { registered: [{ name: "boss", chief: true }] }).chief).toBe("boss");
  });

  it("accepts a chief loaded by module", () => {
    expect(resolveConfig({ chief: "boss", agents: { boss: { module: "@acme/boss" } } }).chief).toBe("boss");
  });

  it("refuses a chief that names no known agent", () => {
    const error = resolveError({ chief: "chef" }, registered("chief", "risk"));
    expect(error.path).toBe("chief");
    expect(error.value).toBe("chef");
    expect(error.message).toContain('unknown chief agent "chef" (did you mean "chief"?)');
    expect(error.message).toContain("(known: chief, risk)");
  });

  it("refuses two different chiefs", () => {
    const twoInCode = resolveError({}, { registered: [{ name: "a", chief: true }, { name: "b", chief: true }] });
    expect(twoInCode.message).toContain('agents "a" and "b" are all registered with chief: true: expected at most one chief');
    const conflict = resolveError({ chief: "a" }, { registered: [{ name: "a" }, { name: "b", chief: true }] });
    expect(conflict.path).toBe("chief");
    expect(conflict.message).toContain('chief "a" conflicts with agent "b", registered with chief: true');
  });

  it("refuses a chief that is not a valid agent name", () => {
    const error = resolveError({ chief: "the chief" });
    expect(error.path).toBe("chief");
    expect(error.message).toContain('invalid agent name "the chief"');
  });
});
