import { describe, expect, test } from "vitest";
import { createBus } from "../../src/bus/createBus.js";
import type { ResolvedGroup } from "../../src/config/ResolvedConfig.js";
import { AgentSupervisor } from "../../src/supervisor/AgentSupervisor.js";
import { backoffDelay, checkedDelay, exponentialBackoff, type BackoffSettings, type BackoffStrategy } from "../../src/supervisor/backoff.js";
import type { OrchestratorEvents } from "../../src/supervisor/events.js";
import type { SupervisorHost } from "../../src/supervisor/SupervisorHost.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { memoryLogger, scriptedAgent, T0 } from "../helpers/orchestrator.js";

const SETTINGS: BackoffSettings = { initial: 1_000, max: 60_000, factor: 2, jitter: 0.2 };

describe("exponentialBackoff", () => {
  test("is backoffDelay of its settings as a strategy", () => {
    const strategy = exponentialBackoff(SETTINGS);
    for (const [attempt, u] of [[0, 0], [1, 0.5], [5, 0.999], [40, 0.25]] as const) {
      expect(strategy(attempt, () => u)).toBe(backoffDelay(attempt, SETTINGS, () => u));
    }
    expect([0, 1, 2, 3, 6, 7].map((n) => strategy(n, () => 0))).toEqual([1_000, 2_000, 4_000, 8_000, 60_000, 60_000]);
  });
});

describe("checkedDelay", () => {
  const fallback: BackoffStrategy = (attempt) => 1_000 * (attempt + 1);
  const rows: ReadonlyArray<{ readonly strategy: string; readonly returns: () => unknown; readonly delay: number; readonly refused?: string }> = [
    { strategy: "a whole number of ms", returns: () => 2_500, delay: 2_500 },
    { strategy: "0 (restart at once)", returns: () => 0, delay: 0 },
    { strategy: "a fraction of a ms, rounded", returns: () => 1_234.6, delay: 1_235 },
    { strategy: "a negative number", returns: () => -5, delay: 3_000, refused: "returned -5, not a finite number of ms ≥ 0" },
    { strategy: "NaN", returns: () => Number.NaN, delay: 3_000, refused: "returned NaN, not a finite number of ms ≥ 0" },
    { strategy: "Infinity", returns: () => Infinity, delay: 3_000, refused: "returned Infinity, not a finite number of ms ≥ 0" },
    { strategy: "a numeric string", returns: () => "2000", delay: 3_000, refused: 'returned "2000", not a finite number of ms ≥ 0' },
    { strategy: "nothing", returns: () => undefined, delay: 3_000, refused: "returned undefined, not a finite number of ms ≥ 0" },
    { strategy: "a promise", returns: () => Promise.resolve(1), delay: 3_000, refused: "returned {}, not a finite number of ms ≥ 0" },
    {
      strategy: "a throw",
      returns: () => {
        throw new Error("no delay today");
      },
      delay: 3_000,
      refused: "threw: no delay today",
    },
  ];

  test.each(rows)("a strategy returning $strategy", ({ returns, delay, refused }) => {
    const outcome = checkedDelay(returns as BackoffStrategy, fallback, 2, () => 0);
    expect(outcome).toEqual(refused === undefined ? { delay } : { delay, refused });
  });

  test("the strategy gets the attempt and the random source it was asked with", () => {
    const seen: Array<[number, number]> = [];
    const strategy: BackoffStrategy = (attempt, random) => {
      seen.push([attempt, random()]);
      return 10;
    };
    checkedDelay(strategy, fallback, 7, () => 0.25);
    expect(seen).toEqual([[7, 0.25]]);
  });
});

/** One supervisor on a ManualClock whose agent's `start()` always rejects, in a group carrying `backoff`. */
function crashingAgent(backoff?: BackoffStrategy, random: () => number = () => 0, maxCrashes = 1_000) {
  const clock = new ManualClock(T0);
  const logger = memoryLogger();
  const restarts: Array<OrchestratorEvents["agent:restart"]> = [];
  const host: SupervisorHost = {
    clock,
    bus: createBus(),
    random,
    logger,
    settings: { backoff: SETTINGS, resetAfter: 60_000, startTimeout: 30_000, stopTimeout: 5_000 },
    stopping: () => false,
    listens: () => true,
    emit: (event, payload) => {
      if (event === "agent:restart") restarts.push(payload as OrchestratorEvents["agent:restart"]);
    },
    escalate: () => undefined,
    failStop: () => undefined,
    attachTriggers: () => undefined,
    setBackoff: (elapsed, delay) => clock.setTimeout(elapsed, delay),
    clearBackoff: (handle) => clock.clearTimeout(handle),
    paced: (restart) => restart(),
  };
  const group: ResolvedGroup = {
    name: "custom",
    path: ["custom"],
    strategy: "one_for_one",
    restart: { kind: "always" },
    crashLoop: { maxCrashes, within: 300_000 },
    escalateAfter: 1_000,
    critical: false,
    ...(backoff === undefined ? {} : { backoff }),
  };
  const { Agent } = scriptedAgent("feed", { start: () => Promise.reject(new Error("boom")) });
  const supervisor = new AgentSupervisor({ name: "feed", agentClass: Agent, group, config: undefined, heartbeatTimeout: undefined }, host);
  /** Start, then let `n` restarts happen (each one crashes again). */
  const run = async (n: number): Promise<void> => {
    await supervisor.startInTurn(true);
    for (let i = 0; i < n; i++) await clock.advanceTo(restarts.at(-1)?.at ?? clock.now());
  };
  return { supervisor, clock, logger, restarts, run };
}

describe("a group's back-off strategy in the supervisor", () => {
  test("decides every delay, given the attempt from 0 and the orchestrator's random source", async () => {
    const asked: Array<[number, number]> = [];
    const strategy: BackoffStrategy = (attempt, random) => {
      asked.push([attempt, random()]);
      return 500 * (attempt + 1);
    };
    const { restarts, run, supervisor } = crashingAgent(strategy, () => 0.5);
    await run(3);
    expect(asked).toEqual([[0, 0.5], [1, 0.5], [2, 0.5], [3, 0.5]]);
    expect(restarts.map((r) => [r.attempt, r.delay])).toEqual([[1, 500], [2, 1_000], [3, 1_500], [4, 2_000]]);
    expect(supervisor.status()).toMatchObject({ state: "backoff", restarts: 3, crashes: 4, nextRestartAt: restarts.at(-1)?.at });
  });

  test("without one, the exponential back-off of supervisor.backoff applies", async () => {
    const { restarts, run } = crashingAgent(undefined);
    await run(4);
    expect(restarts.map((r) => r.delay)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  test("a strategy of 0 restarts at once; the crash-loop rule still bounds it", async () => {
    const { restarts, run, supervisor, clock } = crashingAgent(() => 0, () => 0, 3);
    await run(1);
    expect(restarts.map((r) => r.delay)).toEqual([0, 0, 0]);
    expect(supervisor.counters.restarts).toBe(3);
    expect(supervisor.status()).toMatchObject({ state: "disabled", restarts: 3, crashes: 4 });
    expect(clock.now()).toBe(T0);
  });

  test.each([
    ["returns a negative delay", () => -1_000, "returned -1000, not a finite number of ms ≥ 0"],
    ["returns NaN", () => Number.NaN, "returned NaN, not a finite number of ms ≥ 0"],
    ["returns no number", (() => "soon") as unknown as BackoffStrategy, 'returned "soon", not a finite number of ms ≥ 0'],
    [
      "throws",
      () => {
        throw new RangeError("out of ideas");
      },
      "threw: out of ideas",
    ],
  ] as const)("one that %s does not break supervision: the exponential delay applies and the error is logged", async (_, strategy, refused) => {
    const { restarts, run, logger, supervisor } = crashingAgent(strategy);
    await run(2);
    expect(restarts.map((r) => r.delay)).toEqual([1_000, 2_000, 4_000]);
    expect(supervisor.counters.restarts).toBe(2);
    const complaints = logger.entries.filter((e) => e.level === "error" && e.message?.includes("back-off strategy"));
    expect(complaints.map((e) => e.message)).toEqual([
      `agent "feed": the back-off strategy of group "custom" ${refused}; the exponential back-off of supervisor.backoff applies (1s)`,
      `agent "feed": the back-off strategy of group "custom" ${refused}; the exponential back-off of supervisor.backoff applies (2s)`,
      `agent "feed": the back-off strategy of group "custom" ${refused}; the exponential back-off of supervisor.backoff applies (4s)`,
    ]);
    expect(complaints[0]?.fields).toMatchObject({ agent: "feed", group: "custom", attempt: 1 });
  });
});
