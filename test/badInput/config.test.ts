import { describe, expect, test } from "vitest";
import { resolveConfig } from "../../src/config/resolveConfig.js";
import { createOrchestrator } from "../../src/orchestrator/createOrchestrator.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { countedAgent, expectNamed, expectNoPollution, processSnapshot, refuseConfig, safeJson } from "../helpers/chaosBadInput.js";
import { T0 } from "../helpers/orchestrator.js";

// Every configuration key, given something it cannot use: createOrchestrator() throws a ConfigError
// at once, naming the key path, the bad value and what was expected, and leaves nothing behind
// (no agent built, no timer set, no signal handler installed, Object.prototype untouched).

/** Build a config with `value` at `path` (dots; `a` is an agent registered in code, `g` a user group). */
function at(path: string, value: unknown): Record<string, unknown> {
  const keys = path.split(".");
  const root: Record<string, unknown> = {};
  let node = root;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) node[key] = value;
    else {
      const child: Record<string, unknown> = {};
      node[key] = child;
      node = child;
    }
  });
  return root;
}

const WRONG_TYPES: ReadonlyArray<readonly [path: string, value: unknown]> = [
  ["chief", 42],
  ["agents", "a"],
  ["agents.a", "data"],
  ["agents.a.group", 5],
  ["agents.a.module", 5],
  ["agents.a.export", ["Feed"]],
  ["agents.a.enabled", "yes"],
  ["agents.a.heartbeatTimeout", true],
  ["groups", ["data"]],
  ["groups.g", 5],
  ["groups.g.restart", 5],
  ["groups.g.crashLoop", "3 in 5m"],
  ["groups.g.crashLoop.maxCrashes", "3"],
  ["groups.g.crashLoop.within", {}],
  ["groups.g.escalateAfter", 1.5],
  ["groups.g.critical", "no"],
  ["supervisor", "fast"],
  ["supervisor.backoff", 5],
  ["supervisor.backoff.initial", [1]],
  ["supervisor.backoff.max", false],
  ["supervisor.backoff.factor", "2"],
  ["supervisor.backoff.jitter", "0.2"],
  ["supervisor.resetAfter", {}],
  ["supervisor.startTimeout", "fast"],
  ["supervisor.stopTimeout", true],
  ["schedule", "* * * * *"],
  ["schedule.a", 42],
  ["schedule.a.every", true],
  ["schedule.a.delay", []],
  ["schedule.a.cron", 5],
  ["schedule.a.at", 17],
  ["shutdown", 30],
  ["shutdown.timeout", "never"],
  ["http", 8000],
  ["http.healthPort", "8000"],
  ["http.metricsPort", 80.5],
  ["http.host", 5],
  ["scheduler", 5],
  ["scheduler.catchup", "1h"],
  ["scheduler.catchup.window", true],
  ["scheduler.catchup.runs", 5],
  ["scheduler.delivery", 5],
  ["state", "./state.json"],
  ["state.file", 5],
];

/** Trigger options need a trigger beside them: path, the trigger mapping. */
const WRONG_TRIGGER_OPTIONS: ReadonlyArray<readonly [key: string, trigger: Record<string, unknown>]> = [
  ["timezone", { cron: "* * * * *", timezone: 5 }],
  ["name", { every: "1m", name: 5 }],
  ["overlap", { every: "1m", overlap: "sometimes" }],
  ["misfire", { every: "1m", misfire: true }],
  ["misfireGrace", { every: "1m", misfireGrace: "soon" }],
  ["timeout", { every: "1m", timeout: [] }],
  ["catchup", { every: "1m", catchup: "1h" }],
  ["catchup.window", { every: "1m", catchup: { window: "soon" } }],
  ["catchup.runs", { cron: "0 16 * * *", catchup: { runs: "latests" } }],
  ["delivery", { at: "2026-12-01T14:30:00Z", delivery: "exactly-once" }],
];

const DURATIONS = [
  "supervisor.backoff.initial",
  "supervisor.backoff.max",
  "supervisor.resetAfter",
  "supervisor.startTimeout",
  "supervisor.stopTimeout",
  "groups.g.crashLoop.within",
  "agents.a.heartbeatTimeout",
  "shutdown.timeout",
  "schedule.a.every",
  "schedule.a.delay",
] as const;

describe("bad input: configuration keys", () => {
  test.each(WRONG_TYPES)("%s given a value of the wrong type (%j) is refused, naming the key and the value", (path, value) => {
    const error = refuseConfig(at(path, value));
    expectNamed(error, path, /expected/);
    expect(error.message).toContain(safeJson(value).slice(0, 12));
    expect(error.value).toEqual(value);
  });

  test.each(WRONG_TRIGGER_OPTIONS)("schedule.a.%s of the wrong type is refused, naming the key", (key, trigger) => {
    const error = refuseConfig({ schedule: { a: trigger } });
    expectNamed(error, `schedule.a.${key}`, /expected/);
  });

  test.each(DURATIONS.flatMap((path) => [0, -1, "0s", "-5m"].map((value) => [path, value] as const)))(
    "%s set to %j (zero or negative) is refused as not a positive duration",
    (path, value) => {
      const error = refuseConfig(at(path, value));
      expectNamed(error, path, "expected a positive duration", `got ${JSON.stringify(value)}`);
    },
  );

  test.each(["schedule.a.timeout", "schedule.a.misfireGrace"])("%s set to 0 or -1 is refused", (path) => {
    const key = path.split(".").at(-1) as string;
    for (const value of [0, -1]) {
      const error = refuseConfig({ schedule: { a: { every: "1m", [key]: value } } });
      expectNamed(error, path, /expected/, `got ${value}`);
    }
  });

  test.each([
    ["", "shedule"],
    ["agents.a", "modul"],
    ["groups.g", "restrat"],
    ["groups.g.crashLoop", "maxCrash"],
    ["groups.g.restart", "maxx"],
    ["supervisor", "retries"],
    ["supervisor.backoff", "jiter"],
    ["shutdown", "timout"],
    ["http", "port"],
    ["schedule.a", "evry"],
    ["scheduler", "catchUp"],
    ["scheduler.catchup", "windw"],
    ["state", "path"],
    ["schedule.a.catchup", "run"],
  ])("an unknown key under %j (%s) is refused, naming it and the keys that exist", (parent, key) => {
    const trigger = parent === "schedule.a" ? { every: "1m", [key]: 1 } : { every: "1m", catchup: { [key]: 1 } };
    const config = parent === "" ? { [key]: 1 } : parent.startsWith("schedule.a") ? { schedule: { a: trigger } } : parent === "groups.g.restart" ? { groups: { g: { restart: { [key]: 1 } } } } : at(`${parent}.${key}`, 1);
    const path = parent === "" ? key : `${parent}.${key}`;
    const error = refuseConfig(config);
    expectNamed(error, path, `unknown key "${key}"`, /expected one of|expected/);
  });

  test.each([
    ["61 * * * *", /the minute field "61": 61 is out of range; minutes are 0-59/],
    ["* * *", /it has 3 fields/],
    ["* * * * * * *", /it has 7 fields/],
    ["every minute", /invalid cron expression/],
    ["", /expected a cron expression/],
    ["*/0 * * * *", /invalid cron expression/],
  ])("a bad cron %j is refused in the config and by schedule(), naming the key", (cron, why) => {
    expectNamed(refuseConfig({ schedule: { a: cron } }), "schedule.a", why);
    expectNamed(refuseConfig({ schedule: { a: [{ every: "1m" }, { cron }] } }), "schedule.a[1].cron", why);
    const clock = new ManualClock(T0);
    const orch = createOrchestrator({ agents: [countedAgent("a").Agent], clock, logger: false, keepAlive: false });
    let thrown: unknown;
    try {
      orch.schedule("a", cron);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "CONFIG_INVALID", path: "schedule.a", message: expect.stringMatching(why) as unknown });
    expect(clock.pending).toBe(0);
  });

  test.each([["Mars/Olympus"], ["America/New York"], ["UTC+25"]])("an unknown time zone %j is refused in the config and by schedule()", (timezone) => {
    expectNamed(refuseConfig({ schedule: { a: { cron: "0 17 * * *", timezone } } }), "schedule.a.timezone", `unknown time zone ${JSON.stringify(timezone)}`, "IANA");
    const orch = createOrchestrator({ agents: [countedAgent("a").Agent], clock: new ManualClock(T0), logger: false, keepAlive: false });
    expect(() => orch.schedule("a", { cron: "0 17 * * *", timezone })).toThrow(expect.objectContaining({ path: "schedule.a.timezone" }));
  });

  test.each(["scheduler.catchup.window", "schedule.a.catchup.window"])("%s accepts 0 (no catch-up) and refuses a negative duration", (path) => {
    const config = (window: unknown): unknown => (path.startsWith("scheduler") ? { scheduler: { catchup: { window } } } : { schedule: { a: { every: "1m", catchup: { window } } } });
    expect(() => resolveConfig(config(0) as never, { registered: [{ name: "a" }] })).not.toThrow();
    for (const value of [-1, "-5m", "soon"]) expectNamed(refuseConfig(config(value)), path, "expected a duration such as", `got ${JSON.stringify(value)}`);
  });

  test("catchup on a delay trigger is refused in the config and by schedule(), saying why and what to use instead", () => {
    const why = /"catchup" does not apply to "delay" triggers: a delay counts from each start.*use "at" \(a fixed instant\), "every" or "cron"/;
    expectNamed(refuseConfig({ schedule: { a: { delay: "30s", catchup: { window: "1h" } } } }), "schedule.a.catchup", why);
    expectNamed(refuseConfig({ schedule: { a: [{ every: "1m" }, { delay: "30s", catchup: {} }] } }), "schedule.a[1].catchup", why);
    const clock = new ManualClock(T0);
    const orch = createOrchestrator({ agents: [countedAgent("a").Agent], clock, logger: false, keepAlive: false });
    expect(() => orch.schedule("a", { delay: "30s", catchup: { window: "1h" } } as never)).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID", path: "schedule.a.catchup", message: expect.stringMatching(why) as unknown }),
    );
    expect(clock.pending).toBe(0);
  });

  test("an at that is not an ISO 8601 instant, or has no time zone, is refused", () => {
    for (const value of ["tomorrow", "2026-12-01 14:30", "2026-13-01T00:00:00Z"]) {
      expectNamed(refuseConfig({ schedule: { a: { at: value } } }), "schedule.a.at", "expected an ISO 8601 instant");
    }
  });
});

describe("bad input: names", () => {
  test.each([["market.data"], ["a b"], [""], ["é"], ["x/y"]])("an invalid agent name %j is refused under agents:, schedule: and chief:", (name) => {
    expect(refuseConfig({ agents: { [name]: { module: "./x.js" } } }).message).toContain(`invalid agent name ${JSON.stringify(name)}`);
    expect(refuseConfig({ schedule: { [name]: "* * * * *" } }).message).toContain(`invalid agent name ${JSON.stringify(name)}`);
    expectNamed(refuseConfig({ chief: name }), "chief", name === "" ? "expected a non-empty string" : `invalid agent name ${JSON.stringify(name)}`);
  });

  test("agent and group names are at most 128 characters (they become topics and queue names)", () => {
    const ok = "a".repeat(128);
    const long = "a".repeat(129);
    const expected = "expected 1 to 128 letters";
    expect(() => createOrchestrator({ agents: [{ name: ok, agent: countedAgent("x").Agent }], config: { groups: { [ok]: {} } }, logger: false, keepAlive: false })).not.toThrow();
    expectNamed(refuseConfig({ agents: { [long]: { module: "./x.js" } } }), `agents.${long}`, "invalid agent name", expected);
    expectNamed(refuseConfig({ groups: { [long]: {} } }), `groups.${long}`, "invalid group name", expected);
    expectNamed(refuseConfig({ schedule: { [long]: "* * * * *" } }), `schedule.${long}`, "invalid agent name", expected);
    expectNamed(refuseConfig({ chief: long }), "chief", "invalid agent name", expected);
    expect(() => createOrchestrator({ agents: [{ name: long, agent: countedAgent("x").Agent }], logger: false, keepAlive: false })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID", path: "agents[0].name", message: expect.stringContaining(expected) as unknown }),
    );
  });

  test.each([["fast lane"], ["a.b"], [""]])("an invalid group name %j is refused", (name) => {
    expect(refuseConfig({ groups: { [name]: {} } }).message).toContain(`invalid group name ${JSON.stringify(name)}`);
  });

  test.each([["__proto__"], ["constructor"], ["prototype"]])("%s as an agent, group, schedule or chief name is refused and pollutes nothing", (name) => {
    const before = processSnapshot();
    // JSON.parse makes a real own "__proto__" key, as a YAML or JSON file would
    const parse = (json: string): unknown => JSON.parse(json) as unknown;
    expectNamed(refuseConfig(parse(`{ "agents": { "${name}": { "module": "./x.js", "enabled": false } } }`)), `agents.${name}`, `invalid agent name "${name}"`);
    expectNamed(refuseConfig(parse(`{ "groups": { "${name}": { "critical": true, "restart": "always" } } }`)), `groups.${name}`, `invalid group name "${name}"`);
    expectNamed(refuseConfig(parse(`{ "schedule": { "${name}": { "every": "1m" } } }`)), `schedule.${name}`, `invalid agent name "${name}"`);
    expectNamed(refuseConfig({ chief: name }), "chief", `invalid agent name "${name}"`);
    expectNamed(refuseConfig(parse(`{ "agents": { "a": { "group": "${name}" } } }`)), "agents.a.group", "unknown group");
    expect(() => createOrchestrator({ agents: [{ name, agent: countedAgent("x").Agent }], logger: false, keepAlive: false })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID", path: "agents[0].name", message: expect.stringContaining(`invalid agent name "${name}"`) as unknown }),
    );
    expectNoPollution(before);
  });

  test("__proto__ inside an agent's free-form config is refused and pollutes nothing", () => {
    const before = processSnapshot();
    const config = JSON.parse('{ "agents": { "a": { "config": { "limits": { "__proto__": { "polluted": true } } } } } }') as unknown;
    expectNamed(refuseConfig(config), "agents.a.config.limits.__proto__", 'key "__proto__" is not allowed');
    expectNoPollution(before);
  });

  test("a duplicate agent name among registrations is refused, naming both places", () => {
    const { Agent: A } = countedAgent("a");
    expect(() => createOrchestrator({ agents: [A, { name: "a", agent: A }], logger: false })).toThrow(
      expect.objectContaining({ path: "agents[1].name", message: expect.stringContaining('duplicate agent name "a" (also registered at agents[0])') as unknown }),
    );
  });

  test("a name registered in code and given a module in the config is refused", () => {
    expectNamed(refuseConfig({ agents: { a: { module: "@acme/agents/a" } } }), "agents.a.module", "registered in code and also given a module");
  });
});
