import { Registry } from "prom-client";
import { describe, expect, test } from "vitest";
import { createOrchestrator } from "../../src/orchestrator/createOrchestrator.js";
import type { OrchestratorOptions } from "../../src/orchestrator/OrchestratorOptions.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { countedAgent, expectNoPollution, processSnapshot } from "../helpers/chaosBadInput.js";
import { T0 } from "../helpers/orchestrator.js";

// createOrchestrator()'s own options (beside `config`), given what they cannot use.

/**
 * Expect `createOrchestrator(options)` to throw a ConfigError with `code` naming `path`, and leave nothing
 * behind. Options passed in code are `INVALID_OPTION`; registrations (`agents`) are configuration, `CONFIG_INVALID`.
 */
function refuseOptions(options: unknown, path: string | undefined, phrase: string | RegExp, code: "INVALID_OPTION" | "CONFIG_INVALID" = "INVALID_OPTION"): void {
  const agent = countedAgent("a");
  const before = processSnapshot();
  const clock = new ManualClock(T0);
  let thrown: unknown;
  try {
    const given = typeof options === "object" && options !== null ? { agents: [agent.Agent], clock, logger: false, keepAlive: false, ...options } : options;
    createOrchestrator(given as OrchestratorOptions);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toMatchObject({ code, path });
  expect((thrown as Error).message).toMatch(phrase);
  expect(agent.built()).toBe(0);
  expect(clock.pending).toBe(0);
  expect(processSnapshot().signals).toBe(before.signals);
  expectNoPollution(before);
}

describe("bad input: createOrchestrator options", () => {
  test.each([
    ["options that are not an object", null, "options", "createOrchestrator(): expected options to be an object, got null"],
    ["an unknown option", { agent: [] }, "agent", /unknown option `agent` \(did you mean "agents"\?\); expected one of agents, config/],
    ["a clock without setTimeout", { clock: { now: () => 0 } }, "clock", "expected `clock` to be a Clock"],
    ["a logger that is a function", { logger: console.log }, "logger", "expected `logger` to be false or an object"],
    ["a bus without request", { bus: { publish() {}, subscribe() {}, flush() {}, close() {} } }, "bus", "expected `bus` to be a Bus"],
    ["a random that is a number", { random: 0.5 }, "random", "expected `random` to be a function, got 0.5"],
    ["keepAlive that is a string", { keepAlive: "yes" }, "keepAlive", 'expected `keepAlive` to be a boolean, got "yes"'],
    ["handleSignals that is a number", { handleSignals: 1 }, "handleSignals", "expected `handleSignals` to be a boolean, got 1"],
    ["a coordinator without claim", { coordinator: { close() {} } }, "coordinator", "expected `coordinator` to be a TriggerCoordinator"],
    ["a store that is a file path", { store: "./var/state.json" }, "store", 'expected `store` to be a TriggerStore (an object with load, apply, get and close methods, a string description and a boolean shared; see MemoryTriggerStore and FileTriggerStore), got "./var/state.json"'],
    ["a store without get", { store: { ...storeLike(), get: undefined } }, "store", "expected `store` to be a TriggerStore"],
    ["a store without a description", { store: { ...storeLike(), description: 5 } }, "store", "expected `store` to be a TriggerStore"],
    ["a store whose shared is not a boolean", { store: { ...storeLike(), shared: "no" } }, "store", "expected `store` to be a TriggerStore"],
    ["a status option that is true", { status: true }, "status", "expected `status` to be an object { authorize?, showErrors? }, got true"],
    ["a status.authorize that is a user name", { status: { authorize: "alice" } }, "status.authorize", 'expected `status.authorize` to be a function (request) => the name of who acts, or false to refuse (or a promise of one), got "alice"'],
    ["a status.showErrors that is a string", { status: { showErrors: "yes" } }, "status.showErrors", 'expected `status.showErrors` to be a boolean, got "yes"'],
    // checked by the observability module
    ["a metrics registry that is not one", { metrics: { registry: {} } }, "metrics.registry", "expected `metrics.registry` to be a prom-client Registry"],
    ["a metrics prefix that is no metric name", { metrics: { prefix: "9 lives" } }, "metrics.prefix", 'got "9 lives"'],
    ["defaultMetrics that is a string", { metrics: { defaultMetrics: "yes" } }, "metrics.defaultMetrics", 'expected `metrics.defaultMetrics` to be a boolean, got "yes"'],
    ["a livenessMissedTicks below 1", { metrics: { livenessMissedTicks: 0 } }, "metrics.livenessMissedTicks", "expected `metrics.livenessMissedTicks` to be a number of at least 1, got 0"],
    ["agentStatus that is a string", { metrics: { agentStatus: "on" } }, "metrics.agentStatus", 'expected `metrics.agentStatus` to be a boolean, got "on"'],
  ])("%s is refused, naming the option (INVALID_OPTION)", (_what, options, path, phrase) => {
    refuseOptions(options, path, phrase);
  });

  test.each([
    ["agents that is not an array", { agents: { a: 1 } }, "agents", "expected `agents` to be an array"],
    ["an agents entry that is a number", { agents: [42] }, "agents[0]", "got 42"],
    ["an agents entry without a class", { agents: [{ name: "a", agent: {} }] }, "agents[0].agent", "expected `agent` to be a class extending Agent, got {}"],
    ["a registration group that is not a string", { agents: [{ name: "a", agent: countedAgent("a").Agent, group: 5 }] }, "agents[0].group", "expected `group` to be a group name"],
    ["a registration chief that is not a boolean", { agents: [{ name: "a", agent: countedAgent("a").Agent, chief: "yes" }] }, "agents[0].chief", "expected `chief` to be a boolean"],
  ])("%s is refused, naming the option (CONFIG_INVALID)", (_what, options, path, phrase) => {
    refuseOptions(options, path, phrase, "CONFIG_INVALID");
  });

  test("a metric name already taken in a shared registry is refused, naming the metric", () => {
    const registry = new Registry();
    createOrchestrator({ agents: [countedAgent("a").Agent], logger: false, keepAlive: false, metrics: { registry } });
    expect(() => createOrchestrator({ agents: [countedAgent("a").Agent], logger: false, keepAlive: false, metrics: { registry } })).toThrow(
      expect.objectContaining({ code: "METRICS_CONFLICT", message: expect.stringMatching(/A metric named "\w+" is already registered.*metrics.prefix/) as unknown }),
    );
  });
});

/** An object of a TriggerStore's shape (its methods are never called: the orchestrator is never started). */
function storeLike(): Record<string, unknown> {
  return { description: "test store", shared: false, load: async () => ({ records: new Map() }), apply: async () => [], get: async () => undefined, close: async () => undefined };
}

describe("createOrchestrator({ store })", () => {
  test("a store beside the config's state: is refused, naming both: pass one", () => {
    refuseOptions({ store: storeLike(), config: { state: { file: "./var/state.json" } } }, "store", /both `store` \(test store\) and the config's `state` \(\{"file":"\.\/var\/state\.json"\}\) say where trigger state lives: pass one/);
  });

  test("a store of the TriggerStore shape is accepted, alone or beside a config without state:", () => {
    for (const config of [undefined, {}, { scheduler: { delivery: "at-least-once" as const } }]) {
      expect(() => createOrchestrator({ agents: [countedAgent("a").Agent], logger: false, keepAlive: false, store: storeLike() as never, ...(config === undefined ? {} : { config }) })).not.toThrow();
    }
  });
});

describe("bad input refused at the orchestrator's options", () => {
  test("an unknown key in a registration entry (a typo of group) is refused", () => {
    // a typo of `group` must not put a critical agent in `data`: no fail-stop, not watched by health
    refuseOptions({ agents: [{ name: "a", agent: countedAgent("a").Agent, gruop: "critical" }] }, "agents[0].gruop", /unknown key "gruop"/, "CONFIG_INVALID");
  });

  test("an unknown key in the status option (a typo of authorize) is refused, suggesting the known key", () => {
    refuseOptions({ status: { authorise: () => "alice" } }, "status.authorise", /unknown option `status.authorise` \(did you mean "authorize"\?\); expected one of authorize, showErrors/);
  });

  test("an unknown key in the metrics option, or a metrics option that is not an object, is refused", () => {
    refuseOptions({ metrics: { regsitry: new Registry() } }, "metrics.regsitry", /unknown/);
    refuseOptions({ metrics: "prom" }, "metrics", /expected `metrics` to be an object \{ registry\?, prefix\?, defaultMetrics\?, livenessMissedTicks\?, agentSeries\?, agentStatus\? \}, got "prom"/);
  });

  test("on() with an unknown event name is refused instead of never firing", () => {
    const orch = createOrchestrator({ agents: [countedAgent("a").Agent], logger: false, keepAlive: false });
    expect(() => orch.on("agent:crashed" as never, () => undefined)).toThrow(
      expect.objectContaining({ code: "INVALID_OPTION", path: "event", message: expect.stringMatching(/on\("agent:crashed"\): unknown event \(did you mean "agent:crash"\?\); expected one of agent:state/) as unknown }),
    );
  });

  test("on() with an event name that is not a string (a bigint, a symbol) is refused with INVALID_OPTION, not a TypeError", () => {
    const orch = createOrchestrator({ agents: [countedAgent("a").Agent], logger: false, keepAlive: false });
    expect(() => orch.on(10n as never, () => undefined)).toThrow(expect.objectContaining({ code: "INVALID_OPTION", path: "event", message: expect.stringMatching(/^on\(10n\): unknown event/) as unknown }));
    expect(() => orch.on(Symbol("x") as never, () => undefined)).toThrow(expect.objectContaining({ code: "INVALID_OPTION", path: "event" }));
  });

  test("a branded class given as `agents` (not in an array) is not described as unbranded", () => {
    refuseOptions({ agents: countedAgent("a").Agent }, "agents", /^(?!.*not branded).*expected `agents` to be an array/, "CONFIG_INVALID");
  });
});
