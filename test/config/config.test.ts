import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/resolveConfig.js";
import { registered, resolveError } from "../helpers/resolveConfig.js";

// Every configuration error names the key path, the bad value and what was expected. What
// resolveConfig returns for a valid configuration is in test/resolveConfig.test.ts.

describe("resolveConfig: errors for unknown keys name the key path and suggest the nearest key", () => {
  it("reports an unknown top-level key with a suggestion", () => {
    const error = resolveError({ shedule: {} });
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.path).toBe("shedule");
    expect(error.value).toBe("shedule");
    expect(error.message).toBe(
      'shedule: unknown key "shedule" (did you mean "schedule"?); expected one of: chief, agents, groups, supervisor, schedule, scheduler, state, lease, shutdown, http',
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

});

describe("resolveConfig: errors for values of the wrong kind or out of range", () => {
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

});

describe("resolveConfig: errors for names", () => {
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

});

describe("resolveConfig: errors for restart policies, ports and triggers", () => {
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
