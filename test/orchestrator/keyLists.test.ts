import { describe, expect, expectTypeOf, test } from "vitest";
import { keysOf } from "../../src/orchestrator/keysOf.js";
import { METRICS_OPTION_KEYS, ORCHESTRATOR_OPTION_KEYS, STATUS_OPTION_KEYS, type OrchestratorMetricsOptions, type OrchestratorOptions } from "../../src/orchestrator/OrchestratorOptions.js";
import type { StatusOptions } from "../../src/status/StatusOptions.js";
import { ORCHESTRATOR_EVENTS, type OrchestratorEventName } from "../../src/supervisor/events.js";

describe("key lists derived from their types", () => {
  test("the option keys are the keys of OrchestratorOptions, in the order written", () => {
    expect(ORCHESTRATOR_OPTION_KEYS).toEqual(["agents", "config", "bus", "clock", "logger", "random", "metrics", "keepAlive", "handleSignals", "coordinator", "store", "status"]);
    expectTypeOf(ORCHESTRATOR_OPTION_KEYS).toEqualTypeOf<ReadonlyArray<keyof OrchestratorOptions>>();
  });

  test("the metrics keys include livenessMissedTicks", () => {
    expect(METRICS_OPTION_KEYS).toEqual(["registry", "prefix", "defaultMetrics", "livenessMissedTicks", "agentSeries", "agentStatus"]);
    expectTypeOf(METRICS_OPTION_KEYS).toEqualTypeOf<ReadonlyArray<keyof OrchestratorMetricsOptions>>();
  });

  test("the status keys are the keys of StatusOptions", () => {
    expect(STATUS_OPTION_KEYS).toEqual(["authorize", "showErrors"]);
    expectTypeOf(STATUS_OPTION_KEYS).toEqualTypeOf<ReadonlyArray<keyof StatusOptions>>();
  });

  test("the event names are every event of OrchestratorEvents", () => {
    expect(ORCHESTRATOR_EVENTS).toEqual(["agent:state", "agent:crash", "agent:restart", "agent:disabled", "agent:stop-timeout", "group:failed", "lease:acquired", "lease:lost", "lease:released", "escalation", "store:corrupt", "trigger:catchup", "backfill:progress", "trigger:paused", "trigger:resumed", "shutdown"]);
    expectTypeOf(ORCHESTRATOR_EVENTS).toEqualTypeOf<readonly OrchestratorEventName[]>();
  });

  test("a key list is frozen, and a record missing a key or naming one the type lacks does not compile", () => {
    const keys = keysOf<{ a: number; b?: string }>({ a: true, b: true });
    expect(keys).toEqual(["a", "b"]);
    expect(Object.isFrozen(keys)).toBe(true);
    // @ts-expect-error -- `b` is missing
    keysOf<{ a: number; b?: string }>({ a: true });
    // @ts-expect-error -- `c` is not a key of the type
    keysOf<{ a: number }>({ a: true, c: true });
  });
});
