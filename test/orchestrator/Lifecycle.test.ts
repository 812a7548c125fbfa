import { describe, expect, test } from "vitest";
import { LifecycleError } from "../../src/errors/LifecycleError.js";
import { Lifecycle } from "../../src/orchestrator/Lifecycle.js";
import { nextState, STATE_TRAITS, TRANSITIONS, type LifecycleEvent, type LifecycleState } from "../../src/orchestrator/lifecycleTable.js";
import { ORCHESTRATOR_PHASES } from "../../src/orchestrator/OrchestratorPhase.js";

const STATES: readonly LifecycleState[] = ["idle", "starting", "running", "stopping", "failed", "closing", "stopped"];
const EVENTS: readonly LifecycleEvent[] = ["start", "started", "startFailed", "shutdown", "failStop", "finished"];

// Every (state, event) pair: the next state, or "-" where the transition is refused.
const TABLE: ReadonlyArray<[LifecycleState, Record<LifecycleEvent, LifecycleState | "-">]> = [
  ["idle", { start: "starting", started: "-", startFailed: "-", shutdown: "stopped", failStop: "-", finished: "-" }],
  ["starting", { start: "-", started: "running", startFailed: "stopped", shutdown: "stopping", failStop: "failed", finished: "-" }],
  ["running", { start: "-", started: "-", startFailed: "-", shutdown: "stopping", failStop: "failed", finished: "-" }],
  ["stopping", { start: "-", started: "-", startFailed: "stopped", shutdown: "-", failStop: "-", finished: "stopped" }],
  ["failed", { start: "-", started: "-", startFailed: "-", shutdown: "closing", failStop: "-", finished: "-" }],
  ["closing", { start: "-", started: "-", startFailed: "-", shutdown: "-", failStop: "-", finished: "stopped" }],
  ["stopped", { start: "-", started: "-", startFailed: "-", shutdown: "-", failStop: "-", finished: "-" }],
];

describe("the lifecycle transition table", () => {
  test("covers every state", () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...STATES].sort());
    expect(TABLE.map(([state]) => state)).toEqual(STATES);
  });

  test.each(TABLE.flatMap(([state, row]) => EVENTS.map((event) => [state, event, row[event]] as const)))(
    "from %s, %s leads to %s",
    (state, event, next) => {
      expect(nextState(state, event) ?? "-").toBe(next);
    },
  );
});

// The traits of each state: [state, public phase, stopping, loop ticks, listen() allowed].
const TRAITS: ReadonlyArray<[LifecycleState, string, boolean, boolean, boolean]> = [
  ["idle", "idle", false, true, true],
  ["starting", "starting", false, true, true],
  ["running", "running", false, true, true],
  ["stopping", "stopping", true, false, false],
  ["failed", "failed", true, true, true],
  ["closing", "failed", true, true, false],
  ["stopped", "stopped", true, false, false],
];

describe("what each lifecycle state allows", () => {
  test.each(TRAITS)("%s: phase %s, stopping %s, loop %s, listen %s", (state, phase, stopping, loop, listen) => {
    expect(STATE_TRAITS[state]).toEqual({ phase, stopping, loop, listen });
  });

  test("every public phase is shown by some state, and no other; the phases in life order", () => {
    expect(ORCHESTRATOR_PHASES).toEqual(["idle", "starting", "running", "stopping", "stopped", "failed"]);
    expect(new Set(STATES.map((state) => STATE_TRAITS[state].phase))).toEqual(new Set(ORCHESTRATOR_PHASES));
  });
});

describe("Lifecycle", () => {
  /** A lifecycle moved through `events` in turn, each expected to be accepted. */
  function through(...events: Array<(lifecycle: Lifecycle) => boolean | void>): Lifecycle {
    const lifecycle = new Lifecycle();
    for (const event of events) expect(event(lifecycle)).not.toBe(false);
    return lifecycle;
  }

  test("a run: idle, starting, running, stopping, stopped", () => {
    const lifecycle = new Lifecycle();
    const seen = [lifecycle.phase];
    lifecycle.start();
    seen.push(lifecycle.phase);
    lifecycle.started();
    seen.push(lifecycle.phase);
    lifecycle.shutdown();
    seen.push(lifecycle.phase);
    lifecycle.finished();
    seen.push(lifecycle.phase);
    expect(seen).toEqual(["idle", "starting", "running", "stopping", "stopped"]);
  });

  test("start() twice, or while starting, throws ALREADY_STARTED; after a shutdown, SHUT_DOWN", () => {
    expect(() => through((l) => l.start()).start()).toThrow(expect.objectContaining({ code: "ALREADY_STARTED" }));
    expect(() => through((l) => l.start(), (l) => l.started()).start()).toThrow(expect.objectContaining({ code: "ALREADY_STARTED" }));
    for (const stopped of [through((l) => l.shutdown()), through((l) => l.start(), (l) => l.shutdown()), through((l) => l.start(), (l) => l.failStop({ agent: "a", error: 1 }))]) {
      let thrown: unknown;
      try {
        stopped.start();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(LifecycleError);
      expect(thrown).toMatchObject({ code: "SHUT_DOWN" });
    }
  });

  test("a fail-stop keeps its failure, shows failed until the shutdown completes, and a second one is refused", () => {
    const lifecycle = through((l) => l.start(), (l) => l.started(), (l) => l.failStop({ agent: "risk", error: "boom" }));
    expect(lifecycle.failStop({ agent: "other", error: "later" })).toBe(false);
    expect(lifecycle.failure).toEqual({ agent: "risk", error: "boom" });
    expect([lifecycle.phase, lifecycle.stopping, lifecycle.listenable]).toEqual(["failed", true, true]);
    expect(lifecycle.shutdown()).toBe(true);
    expect([lifecycle.phase, lifecycle.listenable]).toEqual(["failed", false]);
    expect(lifecycle.finished()).toBe(true);
    expect([lifecycle.phase, lifecycle.failure?.agent]).toEqual(["stopped", "risk"]);
  });

  test("a refused transition leaves the state as it was", () => {
    const lifecycle = through((l) => l.start(), (l) => l.shutdown());
    expect(lifecycle.failStop({ agent: "a", error: 1 })).toBe(false);
    expect(lifecycle.started()).toBe(false);
    expect(lifecycle.shutdown()).toBe(false);
    expect([lifecycle.state, lifecycle.failure]).toEqual(["stopping", undefined]);
  });
});
