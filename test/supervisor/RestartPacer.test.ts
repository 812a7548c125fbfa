import { describe, expect, test } from "vitest";
import { systemClock } from "../../src/clock.js";
import { RestartPacer, SLICE_BUDGET_MS, sliceBudgetFor } from "../../src/supervisor/RestartPacer.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { recordEvents, scriptedAgent, setup, T0 } from "../helpers/orchestrator.js";

describe("RestartPacer", () => {
  test("runs a slice of restarts at once and the rest, in order, in later turns", async () => {
    const clock = new ManualClock(T0);
    const pacer = new RestartPacer(clock, 3);
    const ran: number[] = [];
    for (let i = 0; i < 8; i++) pacer.run(() => ran.push(i));
    expect(ran).toEqual([0, 1, 2]);
    await clock.runDue();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(clock.now()).toBe(T0);
  });

  test("a lone restart runs at once, and after a quiet turn a new slice starts", async () => {
    const clock = new ManualClock(T0);
    const pacer = new RestartPacer(clock, 2);
    const ran: string[] = [];
    pacer.run(() => ran.push("a"));
    expect(ran).toEqual(["a"]);
    await clock.runDue();
    pacer.run(() => ran.push("b"));
    pacer.run(() => ran.push("c"));
    expect(ran).toEqual(["a", "b", "c"]);
  });

  test("stop() drops the restarts still waiting and leaves no timer behind", async () => {
    const clock = new ManualClock(T0);
    const pacer = new RestartPacer(clock, 1);
    const ran: number[] = [];
    for (let i = 0; i < 3; i++) pacer.run(() => ran.push(i));
    pacer.stop();
    expect(clock.pending).toBe(0);
    await clock.advance(10);
    pacer.run(() => ran.push(9));
    expect(ran).toEqual([0]);
  });

  test("a real-time budget ends a slice early; the rest run, in order, in later turns", async () => {
    const clock = new ManualClock(T0);
    let real = 0;
    const pacer = new RestartPacer(clock, 64, { ms: 4, now: () => real });
    const ran: number[] = [];
    // each restart takes 1.5 ms of real time; one starts only while under 4 ms have passed since the first: at 0, 1.5 and 3 ms
    for (let i = 0; i < 6; i++) {
      pacer.run(() => {
        ran.push(i);
        real += 1.5;
      });
    }
    expect(ran).toEqual([0, 1, 2]);
    await clock.runDue();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5]);
    expect(clock.now()).toBe(T0);
  });

  test("the budget only splits further: the count still ends a fast slice", () => {
    const clock = new ManualClock(T0);
    const pacer = new RestartPacer(clock, 2, { ms: 1_000, now: () => 0 });
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) pacer.run(() => ran.push(i));
    expect(ran).toEqual([0, 1]);
  });

  test("a budget applies on the system clock only: an injected clock slices by count alone", () => {
    expect(sliceBudgetFor(systemClock)?.ms).toBe(SLICE_BUDGET_MS);
    expect(sliceBudgetFor(new ManualClock(T0))).toBeUndefined();
  });

  test("a restart that throws does not hold up the others", async () => {
    const clock = new ManualClock(T0);
    const pacer = new RestartPacer(clock, 1);
    const ran: number[] = [];
    pacer.run(() => ran.push(0));
    pacer.run(() => {
      throw new Error("broken");
    });
    pacer.run(() => ran.push(2));
    await clock.runDue();
    expect(ran).toEqual([0, 2]);
  });
});

describe("a crash storm through the orchestrator", () => {
  test("200 agents crashing at once are all running again when their back-off has elapsed, each restarted once", async () => {
    const { Agent: Feed, instances } = scriptedAgent("feed");
    const names = Array.from({ length: 200 }, (_, i) => `feed-${i}`);
    const { orch, clock } = setup({
      agents: names.map((name) => ({ name, agent: Feed })),
      config: { supervisor: { backoff: { initial: 1, jitter: 0 } }, groups: { data: { crashLoop: { maxCrashes: 1_000, within: "5m" } } } },
    });
    const events = recordEvents(orch);
    await orch.start();
    for (const agent of [...instances]) agent.fail(new Error("storm"));
    expect(orch.agents().every((status) => status.state === "backoff")).toBe(true);
    await clock.advance(1);
    expect(orch.agents().every((status) => status.state === "running")).toBe(true);
    expect(events["agent:restart"]).toHaveLength(200);
    expect(orch.agents().map((status) => status.restarts)).toEqual(names.map(() => 1));
    expect(instances).toHaveLength(400);
    await orch.shutdown();
    expect(clock.pending).toBe(0);
  });

  test("an operator's enable() of an agent whose restart waits in the pacer starts it once", async () => {
    const { Agent: Feed, instances } = scriptedAgent("feed");
    const names = Array.from({ length: 100 }, (_, i) => `feed-${i}`);
    const { orch, clock } = setup({
      agents: names.map((name) => ({ name, agent: Feed })),
      config: { supervisor: { backoff: { initial: 1, jitter: 0 } }, groups: { data: { crashLoop: { maxCrashes: 1_000, within: "5m" } } } },
    });
    await orch.start();
    let enabled = false;
    orch.on("agent:state", ({ agent, state }) => {
      // the first slice of restarts is running: feed-99's restart still waits in the pacer
      if (agent === "feed-0" && state === "running" && !enabled) {
        enabled = true;
        expect(orch.agent("feed-99")?.state).toBe("backoff");
        orch.enable("feed-99");
      }
    });
    for (const agent of [...instances]) agent.fail(new Error("storm"));
    await clock.advance(1);
    expect(enabled).toBe(true);
    const last = instances.filter((agent) => agent.name === "feed-99");
    expect(last).toHaveLength(2);
    expect(orch.agent("feed-99")?.state).toBe("running");
    expect(orch.agent("feed-99")?.restarts).toBe(0);
    await orch.shutdown();
  });
});
