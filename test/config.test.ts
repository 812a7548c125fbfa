import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../src/config/defaults.js";
import type { OrchestratorConfig } from "../src/config/OrchestratorConfig.js";
import { resolveConfig, type ResolveContext } from "../src/config/resolveConfig.js";
import { ConfigError } from "../src/errors/ConfigError.js";

/** Run `fn`, expect a ConfigError and return it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, but nothing was thrown");
}

/** The ConfigError that resolving `config` (given as an unchecked object) raises. */
function resolveError(config: unknown, context: ResolveContext = {}): ConfigError {
  return configError(() => resolveConfig(config as OrchestratorConfig, context));
}

const registered = (...names: string[]): ResolveContext => ({ registered: names.map((name) => ({ name })) });

describe("resolveConfig: defaults", () => {
  it("fills every default for an empty configuration", () => {
    const resolved = resolveConfig({});
    expect(resolved.file).toBeUndefined();
    expect(resolved.chief).toBeUndefined();
    expect(resolved.agents).toEqual({});
    expect(resolved.schedule).toEqual({});
    expect(resolved.groups).toEqual({
      data: { name: "data", restart: { kind: "always" }, crashLoop: { maxCrashes: 3, within: 300_000 }, escalateAfter: 3, critical: false },
      strategy: { name: "strategy", restart: { kind: "max", max: 5 }, crashLoop: { maxCrashes: 3, within: 300_000 }, escalateAfter: 3, critical: false },
      critical: { name: "critical", restart: { kind: "fail-stop" }, crashLoop: { maxCrashes: 3, within: 300_000 }, escalateAfter: 3, critical: true },
    });
    expect(resolved.supervisor).toEqual({
      backoff: { initial: 1_000, max: 60_000, factor: 2, jitter: 0.2 },
      resetAfter: 60_000,
      startTimeout: 30_000,
      stopTimeout: 5_000,
    });
    expect(resolved.shutdown).toEqual({ timeout: 30_000 });
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

describe("resolveConfig: errors name the key path, the bad value and what was expected", () => {
  it("reports an unknown top-level key with a suggestion", () => {
    const error = resolveError({ shedule: {} });
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.path).toBe("shedule");
    expect(error.value).toBe("shedule");
    expect(error.message).toBe(
      'shedule: unknown key "shedule" (did you mean "schedule"?); expected one of: chief, agents, groups, supervisor, schedule, shutdown, http',
    );
  });

  it("reports an unknown nested key with a suggestion", () => {
    const error = resolveError({ groups: { strategy: { restrat: "always" } } });
    expect(error.path).toBe("groups.strategy.restrat");
    expect(error.message).toContain('unknown key "restrat" (did you mean "restart"?)');
    expect(error.message).toContain("expected one of: restart, crashLoop, escalateAfter, critical");
  });

  it("suggests nothing when no key is close", () => {
    const error = resolveError({ supervisor: { retries: 3 } });
    expect(error.path).toBe("supervisor.retries");
    expect(error.message).not.toContain("did you mean");
    expect(error.message).toContain("expected one of: backoff, resetAfter, startTimeout, stopTimeout");
  });

  it("finds unknown keys in every section", () => {
    expect(resolveError({ agents: { market: { modul: "x" } } }, registered("market")).message).toContain('(did you mean "module"?)');
    expect(resolveError({ supervisor: { backoff: { jiter: 0.1 } } }).path).toBe("supervisor.backoff.jiter");
    expect(resolveError({ groups: { data: { crashLoop: { maxCrash: 1 } } } }).path).toBe("groups.data.crashLoop.maxCrash");
    expect(resolveError({ shutdown: { timout: "1s" } }).message).toContain('(did you mean "timeout"?)');
    expect(resolveError({ http: { healthport: 1 } }).message).toContain('(did you mean "healthPort"?)');
  });

  it("reports a wrong type", () => {
    const error = resolveError({ agents: { market: { enabled: "yes" } } }, registered("market"));
    expect(error.path).toBe("agents.market.enabled");
    expect(error.value).toBe("yes");
    expect(error.message).toBe('agents.market.enabled: expected true or false, got "yes"');
  });

  it("reports a section that is not a mapping", () => {
    expect(resolveError({ agents: ["market"] }).message).toBe('agents: expected a mapping (key: value pairs), got ["market"]');
    expect(resolveError({ supervisor: "fast" }).path).toBe("supervisor");
    expect(resolveError("chief: risk").message).toBe('expected a mapping (key: value pairs), got "chief: risk"');
  });

  it("reports a mapping whose prototype was replaced through a __proto__ literal", () => {
    const error = resolveError({ supervisor: { __proto__: { resetAfter: "1s" } } });
    expect(error.path).toBe("supervisor");
    expect(error.message).toContain("expected a mapping");
  });

  it("reports a malformed duration", () => {
    const error = resolveError({ supervisor: { resetAfter: "5 minutes" } });
    expect(error.path).toBe("supervisor.resetAfter");
    expect(error.value).toBe("5 minutes");
    expect(error.message).toBe(
      'supervisor.resetAfter: expected a positive duration such as "500ms", "30s", "5m", "1h" or a number of milliseconds, got "5 minutes"',
    );
    expect(resolveError({ supervisor: { stopTimeout: true } }).message).toContain("got true");
  });

  it("reports zero and negative durations", () => {
    expect(resolveError({ supervisor: { startTimeout: 0 } }).message).toContain("expected a positive duration");
    expect(resolveError({ supervisor: { startTimeout: 0 } }).value).toBe(0);
    expect(resolveError({ shutdown: { timeout: -1 } }).message).toContain("got -1");
    expect(resolveError({ shutdown: { timeout: "0s" } }).message).toContain('got "0s"');
    expect(resolveError({ groups: { data: { crashLoop: { within: "-5m" } } } }).path).toBe("groups.data.crashLoop.within");
    expect(resolveError({ agents: { market: { heartbeatTimeout: 0 } } }, registered("market")).path).toBe("agents.market.heartbeatTimeout");
  });

  it("reports jitter outside [0, 1]", () => {
    const error = resolveError({ supervisor: { backoff: { jitter: 1.5 } } });
    expect(error.path).toBe("supervisor.backoff.jitter");
    expect(error.message).toBe("supervisor.backoff.jitter: expected a number from 0 to 1, got 1.5");
    expect(resolveError({ supervisor: { backoff: { jitter: -0.1 } } }).message).toContain("got -0.1");
    expect(resolveConfig({ supervisor: { backoff: { jitter: 1 } } }).supervisor.backoff.jitter).toBe(1);
  });

  it("reports a factor below 1", () => {
    const error = resolveError({ supervisor: { backoff: { factor: 0.5 } } });
    expect(error.path).toBe("supervisor.backoff.factor");
    expect(error.message).toBe("supervisor.backoff.factor: expected a number greater than or equal to 1, got 0.5");
    expect(resolveError({ supervisor: { backoff: { factor: "2" } } }).message).toContain('got "2"');
  });

  it("reports a back-off max below initial, blaming the key that was set", () => {
    const error = resolveError({ supervisor: { backoff: { initial: "10s", max: "5s" } } });
    expect(error.path).toBe("supervisor.backoff.max");
    expect(error.value).toBe("5s");
    expect(error.message).toBe(
      "supervisor.backoff.max: back-off max (5s) is less than initial (10s); expected max greater than or equal to initial",
    );
    const againstDefault = resolveError({ supervisor: { backoff: { initial: "2m" } } });
    expect(againstDefault.path).toBe("supervisor.backoff.initial");
    expect(againstDefault.message).toContain("back-off max (1m) is less than initial (2m)");
  });

  it("reports invalid agent names", () => {
    const error = resolveError({ agents: { "market.data": { module: "@acme/market" } } });
    expect(error.path).toBe('agents["market.data"]');
    expect(error.value).toBe("market.data");
    expect(error.message).toContain('invalid agent name "market.data": expected 1 to 128 letters, digits, "_" or "-"');
    for (const name of ["constructor", "prototype"]) {
      expect(resolveError({ agents: { [name]: { module: "@acme/x" } } }).path).toBe(`agents.${name}`);
    }
    expect(resolveError({ schedule: { "bad name": "* * * * *" } }).message).toContain('invalid agent name "bad name"');
  });

  it("rejects __proto__ as an agent or group name without polluting Object.prototype", () => {
    const agents = JSON.parse('{ "agents": { "__proto__": { "module": "@acme/x", "enabled": false } } }') as unknown;
    const agentError = resolveError(agents);
    expect(agentError.path).toBe("agents.__proto__");
    expect(agentError.message).toContain('invalid agent name "__proto__"');
    const groups = JSON.parse('{ "groups": { "__proto__": { "critical": true } } }') as unknown;
    const groupError = resolveError(groups);
    expect(groupError.path).toBe("groups.__proto__");
    expect(groupError.message).toContain('invalid group name "__proto__"');
    const computed = resolveError({ groups: { ["__proto__"]: { critical: true } } });
    expect(computed.path).toBe("groups.__proto__");
    const probe: Record<string, unknown> = {};
    expect(probe["enabled"]).toBeUndefined();
    expect(probe["critical"]).toBeUndefined();
    expect(probe["module"]).toBeUndefined();
  });

  it("rejects __proto__ keys inside an agent's config", () => {
    const config = JSON.parse('{ "agents": { "market": { "config": { "levels": [{ "__proto__": { "admin": true } }] } } } }') as unknown;
    const error = resolveError(config, registered("market"));
    expect(error.path).toBe("agents.market.config.levels[0].__proto__");
    expect(error.message).toContain('key "__proto__" is not allowed');
  });

  it("reports a group that does not exist, with a suggestion", () => {
    const error = resolveError({ agents: { market: { group: "stratgy" } } }, registered("market"));
    expect(error.path).toBe("agents.market.group");
    expect(error.value).toBe("stratgy");
    expect(error.message).toBe(
      'agents.market.group: unknown group "stratgy" (did you mean "strategy"?); expected a built-in group (data, strategy, critical) or a group defined under groups:',
    );
    const withDefined = resolveError({ groups: { feeds: {} }, agents: { market: { group: "other" } } }, registered("market"));
    expect(withDefined.message).toContain("or a group defined under groups: (defined: feeds)");
  });

  it("reports invalid group names", () => {
    const error = resolveError({ groups: { "fast lane": {} } });
    expect(error.path).toBe('groups["fast lane"]');
    expect(error.message).toContain('invalid group name "fast lane"');
  });

  it("reports a restart policy that is not always, fail-stop or { max: N }", () => {
    const word = resolveError({ groups: { data: { restart: "sometimes" } } });
    expect(word.path).toBe("groups.data.restart");
    expect(word.message).toBe('groups.data.restart: expected "always", "fail-stop" or { max: N } with N a non-negative integer, got "sometimes"');
    expect(resolveError({ groups: { data: { restart: "fail_stop" } } }).message).toContain('(did you mean "fail-stop"?)');
    expect(resolveError({ groups: { data: { restart: 5 } } }).message).toContain("got 5");
  });

  it("reports restart max that is not a non-negative integer", () => {
    const negative = resolveError({ groups: { strategy: { restart: { max: -1 } } } });
    expect(negative.path).toBe("groups.strategy.restart.max");
    expect(negative.value).toBe(-1);
    expect(negative.message).toBe("groups.strategy.restart.max: expected a non-negative integer, got -1");
    expect(resolveError({ groups: { strategy: { restart: { max: 1.5 } } } }).message).toContain("got 1.5");
    expect(resolveError({ groups: { strategy: { restart: { max: "5" } } } }).message).toContain('got "5"');
    expect(resolveError({ groups: { strategy: { restart: {} } } }).message).toContain('missing "max"');
    const typo = resolveError({ groups: { strategy: { restart: { maxx: 3 } } } });
    expect(typo.path).toBe("groups.strategy.restart.maxx");
    expect(typo.message).toContain('(did you mean "max"?)');
  });

  it("reports crash-loop and escalation numbers out of range", () => {
    expect(resolveError({ groups: { data: { crashLoop: { maxCrashes: -1 } } } }).message).toBe(
      "groups.data.crashLoop.maxCrashes: expected a non-negative integer, got -1",
    );
    expect(resolveError({ groups: { data: { escalateAfter: 0 } } }).message).toBe("groups.data.escalateAfter: expected a positive integer, got 0");
    expect(resolveError({ groups: { data: { critical: "no" } } }).path).toBe("groups.data.critical");
  });

  it("reports ports that are not integers from 0 to 65535", () => {
    const high = resolveError({ http: { healthPort: 70_000 } });
    expect(high.path).toBe("http.healthPort");
    expect(high.value).toBe(70_000);
    expect(high.message).toBe("http.healthPort: expected an integer port from 0 to 65535, got 70000");
    expect(resolveError({ http: { metricsPort: -1 } }).path).toBe("http.metricsPort");
    expect(resolveError({ http: { metricsPort: 80.5 } }).message).toContain("got 80.5");
    expect(resolveError({ http: { healthPort: "8000" } }).message).toContain('got "8000"');
    expect(resolveError({ http: { host: "" } }).message).toBe('http.host: expected a non-empty string, got ""');
  });

  it("reports a bad trigger under its schedule key path", () => {
    const error = resolveError({ schedule: { market: [{ every: "15s" }, { every: 0 }] } }, registered("market"));
    expect(error.path).toBe("schedule.market[1].every");
    expect(error.value).toBe(0);
  });

  it("puts no file, line or column in errors of a configuration given as an object", () => {
    const error = resolveError({ http: { healthPort: -5 } });
    expect(error.file).toBeUndefined();
    expect(error.line).toBeUndefined();
    expect(error.column).toBeUndefined();
    expect(error.message.startsWith("http.healthPort: ")).toBe(true);
  });
});
