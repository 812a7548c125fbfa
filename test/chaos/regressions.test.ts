import { describe, expect, test } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import type { ManualClock } from "../../src/testing/ManualClock.js";
import { never, recordEvents, scriptedAgent, setup } from "../helpers/orchestrator.js";
import { trackUnhandled } from "../helpers/noUnhandled.js";

// Bugs the chaos suite found, each pinned by a test that failed before its fix.
const unhandled = trackUnhandled();

/** Shut down on fake time, advancing the clock until `shutdown()` resolves; returns the fake time it took. */
async function shutdownOnFakeTime(orch: Orchestrator, clock: ManualClock): Promise<number> {
  const begun = clock.now();
  let done = false;
  void orch.shutdown().then(() => {
    done = true;
  });
  await clock.advance(0);
  while (!done) await clock.advance(100);
  return clock.now() - begun;
}

describe("a dead incarnation's handler call that never settles", () => {
  /** An agent whose handler on `work` never settles, so a call is in flight when it crashes. */
  function stuckHandler() {
    return scriptedAgent("stuck", {
      start: (agent) => {
        agent.bus.subscribe("work", () => never());
      },
    });
  }

  test("does not hold up the bus's flush() once the incarnation has crashed", async () => {
    const { Agent: Stuck, instances } = stuckHandler();
    const { orch, clock } = setup({ agents: [Stuck] });
    await orch.start();
    await orch.bus.publish("work", 1);
    await clock.advance(0);
    instances[0]?.fail(new Error("crashed with a handler call in flight"));
    let flushed = false;
    void orch.bus.flush().then(() => {
      flushed = true;
    });
    await clock.advance(0);
    expect(flushed).toBe(true);
    expect(await shutdownOnFakeTime(orch, clock)).toBe(0);
  });

  test("does not eat the shutdown budget: other agents still get their stop() deadline", async () => {
    const { Agent: Stuck, instances } = stuckHandler();
    const { Agent: Slow, instances: slow } = scriptedAgent("slow", {
      stop: (agent) => new Promise<void>((resolve) => agent.clock.setTimeout(resolve, 1_000)),
    });
    const { orch, clock } = setup({ agents: [Slow, Stuck], config: { supervisor: { stopTimeout: "2s" }, shutdown: { timeout: "30s" } } });
    const events = recordEvents(orch);
    await orch.start();
    await orch.bus.publish("work", 1);
    await clock.advance(0);
    instances[0]?.fail(new Error("crashed with a handler call in flight"));
    await clock.advance(1_000); // restarted
    const took = await shutdownOnFakeTime(orch, clock);
    expect(events["agent:stop-timeout"]).toEqual([]);
    expect(slow[0]?.signal.aborted).toBe(true);
    expect(took).toBe(1_000);
    expect(unhandled.errors).toEqual([]);
  });

  test("lets a request waiting on it fail at once with NO_REPLY instead of timing out", async () => {
    class Responder extends Agent {
      static readonly agentName = "responder";
      override start(): void {
        this.bus.subscribe("quote", () => never());
      }
    }
    const { orch, clock } = setup({ agents: [Responder] });
    await orch.start();
    let outcome: string | undefined;
    orch.bus.request("quote", { symbol: "AAPL" }, { timeoutMs: 60_000 }).then(
      () => void (outcome = "replied"),
      (error: { code?: string }) => void (outcome = error.code),
    );
    await clock.advance(0);
    orch.disable("responder");
    await clock.advance(0);
    expect(outcome).toBe("NO_REPLY");
    await shutdownOnFakeTime(orch, clock);
  });

  test("a late rejection of the abandoned call is neither a crash nor an unhandled rejection", async () => {
    let rejectLate: (error: Error) => void = () => undefined;
    const { Agent: Late, instances } = scriptedAgent("late", {
      start: (agent) => {
        agent.bus.subscribe("work", () => new Promise<void>((_, reject) => (rejectLate = reject)));
      },
    });
    const { orch, clock } = setup({ agents: [Late] });
    const events = recordEvents(orch);
    await orch.start();
    await orch.bus.publish("work", 1);
    await clock.advance(0);
    instances[0]?.fail(new Error("first"));
    await clock.advance(1_000);
    rejectLate(new Error("too late"));
    await clock.advance(0);
    expect(events["agent:crash"].map((e) => (e.error as Error).message)).toEqual(["first"]);
    expect(orch.agent("late")?.state).toBe("running");
    expect(unhandled.errors).toEqual([]);
    await shutdownOnFakeTime(orch, clock);
  });
});

describe("a running agent's handler call that waits for the agent's signal", () => {
  test("does not hold the shutdown's first flush for the whole budget, so stops keep their deadline", async () => {
    const { Agent: Poller } = scriptedAgent("poller", {
      start: (agent) => {
        // a long poll: ends when the incarnation is told to end
        agent.bus.subscribe("poll", () => new Promise<void>((resolve) => agent.signal.addEventListener("abort", () => resolve())));
      },
      stop: (agent) => new Promise<void>((resolve) => agent.clock.setTimeout(resolve, 500)),
    });
    const { orch, clock } = setup({ agents: [Poller], config: { supervisor: { stopTimeout: "2s" }, shutdown: { timeout: "30s" } } });
    const events = recordEvents(orch);
    await orch.start();
    await orch.bus.publish("poll", 1);
    await clock.advance(0);
    const took = await shutdownOnFakeTime(orch, clock);
    expect(events["agent:stop-timeout"]).toEqual([]);
    // the first flush waits at most one stopTimeout (2 s) for the call in flight, then the stop takes 0.5 s
    expect(took).toBeLessThanOrEqual(2_500);
  });
});

describe("operator controls that overlap", () => {
  /** An agent whose stop() takes 1 s of fake time. */
  function slowStopper(name = "a") {
    return scriptedAgent(name, { stop: (agent) => new Promise<void>((resolve) => agent.clock.setTimeout(resolve, 1_000)) });
  }
  const live = (instances: readonly Agent[]): number => instances.filter((instance) => !instance.signal.aborted).length;

  test("a restart() still stopping the old incarnation when shutdown begins starts no new one", async () => {
    const { Agent: A, instances } = slowStopper();
    const { orch, clock } = setup({ agents: [A] });
    const events = recordEvents(orch);
    await orch.start();
    orch.restart("a");
    await clock.advance(500);
    await shutdownOnFakeTime(orch, clock);
    await clock.advance(10_000);
    expect(instances).toHaveLength(1);
    expect(live(instances)).toBe(0);
    expect(orch.agent("a")).toMatchObject({ state: "stopped", restarts: 0 });
    expect(events["agent:restart"]).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  test("a restart() still stopping the old incarnation when a critical agent fail-stops starts no new one", async () => {
    const { Agent: A, instances } = slowStopper();
    const { Agent: Risk, instances: risks } = scriptedAgent("risk");
    const { orch, clock } = setup({ agents: [A, { name: "risk", agent: Risk, group: "critical" }] });
    await orch.start();
    orch.restart("a");
    await clock.advance(500);
    risks[0]?.fail(new Error("limits breached"));
    await clock.advance(10_000);
    await shutdownOnFakeTime(orch, clock);
    expect(instances).toHaveLength(1);
    expect(live(instances)).toBe(0);
    expect(orch.agent("a")?.state).toBe("stopped");
  });

  test("two restart() calls in a row never run two incarnations side by side", async () => {
    const { Agent: A, instances } = slowStopper();
    const { orch, clock } = setup({ agents: [A] });
    await orch.start();
    orch.restart("a");
    await clock.advance(100);
    orch.restart("a");
    for (let i = 0; i < 50; i++) {
      await clock.advance(100);
      expect(live(instances)).toBeLessThanOrEqual(1);
    }
    expect(live(instances)).toBe(1);
    expect(orch.agent("a")).toMatchObject({ state: "running", restarts: 2 });
    await shutdownOnFakeTime(orch, clock);
    expect(live(instances)).toBe(0);
  });

  test("disable() while a restart() is stopping the agent leaves it disabled", async () => {
    const { Agent: A, instances } = slowStopper();
    const { orch, clock } = setup({ agents: [A] });
    const events = recordEvents(orch);
    await orch.start();
    orch.restart("a");
    await clock.advance(100);
    orch.disable("a");
    await clock.advance(5_000);
    expect(orch.agent("a")?.state).toBe("disabled");
    expect(live(instances)).toBe(0);
    expect(events["agent:disabled"]).toEqual([{ agent: "a", group: "data", reason: "operator" }]);
    await shutdownOnFakeTime(orch, clock);
  });

  test("enable() while a disable() is stopping the agent leaves it running", async () => {
    const { Agent: A, instances } = slowStopper();
    const { orch, clock } = setup({ agents: [A] });
    await orch.start();
    orch.disable("a");
    await clock.advance(100);
    orch.enable("a");
    await clock.advance(5_000);
    expect(orch.agent("a")?.state).toBe("running");
    expect(live(instances)).toBe(1);
    expect(instances).toHaveLength(2);
    await shutdownOnFakeTime(orch, clock);
  });

  test("a shutdown during an operator's disable() waits for its stop() instead of cutting it short", async () => {
    let stopped = false;
    const { Agent: A } = scriptedAgent("a", {
      stop: (agent) => new Promise<void>((resolve) => agent.clock.setTimeout(() => {
        stopped = true;
        resolve();
      }, 1_000)),
    });
    const { orch, clock } = setup({ agents: [A] });
    const events = recordEvents(orch);
    await orch.start();
    orch.disable("a");
    await clock.advance(100);
    await shutdownOnFakeTime(orch, clock);
    expect(stopped).toBe(true);
    expect(events["agent:stop-timeout"]).toEqual([]);
    expect(orch.agent("a")?.state).toBe("disabled");
  });
});
