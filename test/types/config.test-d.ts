import { describe, expectTypeOf, test } from "vitest";
import type { AgentEntryConfig, Duration, GroupConfig, OrchestratorConfig, RestartPolicy, SupervisorConfig } from "../../src/index.js";
import type { ResolvedAgentEntry, ResolvedConfig, ResolvedGroup } from "../../src/config/ResolvedConfig.js";
import type { CatchupSpec, DeliveryPolicy, ScheduleSpec } from "../../src/schedule/ScheduleSpec.js";
import type { BackoffStrategy } from "../../src/supervisor/backoff.js";

// The config types are inferred from the one shape in src/config/configShape.ts: these pin what
// users write, so a change to the shape that changes the types is deliberate.

describe("the config types inferred from the shape", () => {
  test("RestartPolicy is the three forms", () => {
    expectTypeOf<RestartPolicy>().toEqualTypeOf<"always" | "fail-stop" | { max: number }>();
    // @ts-expect-error max is required in the mapping form
    const missing: RestartPolicy = {};
    void missing;
  });

  test("every key is optional, with the types of today's YAML", () => {
    expectTypeOf<OrchestratorConfig>().toEqualTypeOf<{
      chief?: string;
      agents?: Record<string, AgentEntryConfig>;
      groups?: Record<string, GroupConfig>;
      supervisor?: SupervisorConfig;
      schedule?: Record<string, ScheduleSpec>;
      scheduler?: { catchup?: CatchupSpec; delivery?: DeliveryPolicy };
      state?: { file: string };
      lease?: { ttl?: Duration };
      shutdown?: { timeout?: Duration; drainDelay?: Duration };
      http?: { healthPort?: number; metricsPort?: number; host?: string };
    }>();
    expectTypeOf<AgentEntryConfig>().toEqualTypeOf<{
      group?: string;
      module?: string;
      export?: string;
      enabled?: boolean;
      heartbeatTimeout?: Duration;
      config?: unknown;
      dependsOn?: readonly string[];
      isolation?: "in-process" | "thread";
      resourceLimits?: { maxHeapMb?: number };
      placement?: "everywhere" | "singleton";
    }>();
    expectTypeOf<SupervisorConfig>().toEqualTypeOf<{
      backoff?: { initial?: Duration; max?: Duration; factor?: number; jitter?: number };
      resetAfter?: Duration;
      startTimeout?: Duration;
      stopTimeout?: Duration;
    }>();
  });

  test("a group takes a back-off strategy in code", () => {
    expectTypeOf<GroupConfig["backoff"]>().toEqualTypeOf<BackoffStrategy | undefined>();
    const config: OrchestratorConfig = { groups: { feeds: { restart: { max: 3 }, backoff: (attempt) => 100 * 2 ** attempt } } };
    void config;
    // @ts-expect-error a back-off is a function, not the supervisor's settings
    const settings: GroupConfig = { backoff: { initial: "1s" } };
    void settings;
  });

  test("a group's place in the tree, strategy and intensity; an agent's dependencies", () => {
    expectTypeOf<GroupConfig["parent"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<GroupConfig["strategy"]>().toEqualTypeOf<"one_for_one" | "one_for_all" | "rest_for_one" | undefined>();
    expectTypeOf<GroupConfig["intensity"]>().toEqualTypeOf<{ maxRestarts: number; within: Duration } | undefined>();
    expectTypeOf<keyof NonNullable<ResolvedGroup["intensity"]>>().toEqualTypeOf<keyof NonNullable<GroupConfig["intensity"]>>();
    const config: OrchestratorConfig = {
      groups: { desk: { intensity: { maxRestarts: 10, within: "1m" } }, trading: { parent: "desk", strategy: "one_for_all" } },
      agents: { strategy_mm: { group: "trading", dependsOn: ["data_market"] } },
    };
    void config;
    // @ts-expect-error not a strategy
    const strategy: GroupConfig = { strategy: "all_for_one" };
    void strategy;
    // @ts-expect-error intensity needs within too
    const intensity: GroupConfig = { intensity: { maxRestarts: 3 } };
    void intensity;
    // @ts-expect-error dependsOn is a list of names, not one name
    const dependsOn: AgentEntryConfig = { dependsOn: "data_market" };
    void dependsOn;
  });

  test("unknown keys do not compile", () => {
    // @ts-expect-error a typo of schedule
    const typo: OrchestratorConfig = { shedule: {} };
    void typo;
    // @ts-expect-error crashLoop has no key maxCrash
    const nested: GroupConfig = { crashLoop: { maxCrash: 1 } };
    void nested;
  });

  test("the resolved config has a key for every key of the shape, and no other (file, a group's name and its derived path aside)", () => {
    expectTypeOf<Exclude<keyof ResolvedConfig, "file">>().toEqualTypeOf<keyof OrchestratorConfig>();
    expectTypeOf<keyof ResolvedAgentEntry>().toEqualTypeOf<keyof AgentEntryConfig>();
    expectTypeOf<Exclude<keyof ResolvedGroup, "name" | "path">>().toEqualTypeOf<keyof GroupConfig>();
    expectTypeOf<keyof ResolvedGroup["crashLoop"]>().toEqualTypeOf<keyof NonNullable<GroupConfig["crashLoop"]>>();
    expectTypeOf<keyof ResolvedConfig["supervisor"]>().toEqualTypeOf<keyof SupervisorConfig>();
    expectTypeOf<keyof ResolvedConfig["supervisor"]["backoff"]>().toEqualTypeOf<keyof NonNullable<SupervisorConfig["backoff"]>>();
    expectTypeOf<keyof ResolvedConfig["shutdown"]>().toEqualTypeOf<keyof NonNullable<OrchestratorConfig["shutdown"]>>();
    expectTypeOf<keyof ResolvedConfig["http"]>().toEqualTypeOf<keyof NonNullable<OrchestratorConfig["http"]>>();
    expectTypeOf<keyof ResolvedConfig["scheduler"]>().toEqualTypeOf<keyof NonNullable<OrchestratorConfig["scheduler"]>>();
    expectTypeOf<keyof NonNullable<ResolvedConfig["state"]>>().toEqualTypeOf<keyof NonNullable<OrchestratorConfig["state"]>>();
  });

  test("catchup and delivery on a trigger, and as defaults in scheduler:", () => {
    const config: OrchestratorConfig = {
      schedule: {
        eod: { cron: "0 16 * * 1-5", timezone: "America/New_York", catchup: { window: "1h", runs: "latest" }, delivery: "at-least-once" },
        pnl: [{ every: "15s", catchup: {} }, { at: "2026-12-01T14:30:00Z", catchup: { window: 0 } }],
        warmup: { delay: "30s", delivery: "at-most-once" },
      },
      scheduler: { catchup: { window: "10m", runs: "all" }, delivery: "at-most-once" },
      state: { file: "./var/orchestrator-state.json" },
    };
    void config;
    // @ts-expect-error a delay counts from start: no catch-up
    const delay: OrchestratorConfig = { schedule: { warmup: { delay: "30s", catchup: { window: "1h" } } } };
    void delay;
    // @ts-expect-error runs is latest or all
    const runs: OrchestratorConfig = { scheduler: { catchup: { runs: "every" } } };
    void runs;
    // @ts-expect-error delivery is at-most-once or at-least-once
    const delivery: OrchestratorConfig = { scheduler: { delivery: "exactly-once" } };
    void delivery;
    // @ts-expect-error state needs its file
    const state: OrchestratorConfig = { state: {} };
    void state;
  });
});
