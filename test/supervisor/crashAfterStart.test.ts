import { describe, expect, test } from "vitest";
import type { InProcessBus } from "../../src/bus/InProcessBus.js";
import type { CronTick, TickMessage } from "../../src/schedule/ScheduleSpec.js";
import { scriptedAgent, setup } from "../helpers/orchestrator.js";
import { trackUnhandled } from "../helpers/noUnhandled.js";

const unhandled = trackUnhandled();

/** Settle `n` chained microtasks. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

describe("a crash in the turns right after start() resolves", () => {
  // start() resolves, and the incarnation crashes k microtasks later: before, at or after the moment the
  // supervisor marks it running and wires its triggers. Whatever k, the crash is handled once, nothing of the
  // dead incarnation stays attached (no tick reaches it, during the back-off or after the restart; it holds no
  // cron subscription: ticks reach a running incarnation directly on the in-process bus), and the restarted
  // instance receives every slot once.
  test.each(Array.from({ length: 13 }, (_, k) => k))("crashing %i microtasks after start() leaves no trigger wired to the dead incarnation", async (k) => {
    const ticks: number[] = [];
    const { Agent: Late, instances } = scriptedAgent("late", {
      start: (agent) => {
        if (instances.indexOf(agent) !== 0) return;
        void turns(k).then(() => agent.fail(new Error("late")));
      },
      onCron: function (this: unknown, _tick: CronTick) {
        ticks.push(instances.indexOf(this as never));
      },
    });
    const { orch, clock } = setup({
      agents: [Late],
      config: { schedule: { late: { every: "1s" } }, supervisor: { backoff: { initial: "10s", max: "10s", jitter: 0 } } },
    });
    await orch.start();
    await turns(20);
    const bus = orch.bus as InProcessBus;
    expect(orch.agent("late")).toMatchObject({ state: "backoff", crashes: 1 });
    // no subscription of the dead incarnation (the wiring's one cron.* subscription serves every agent)
    const cronPatterns = (): string[] => bus.patterns().filter((p) => p.startsWith("cron.") && p !== "cron.*");
    expect(cronPatterns()).toEqual([]);
    await clock.advance(5_000); // five slots during the back-off: none reaches the dead incarnation
    expect(ticks).toEqual([]);

    const slots: number[] = [];
    bus.subscribe("cron.late", (m) => void slots.push((m.payload as TickMessage).scheduledAt));
    await clock.advance(10_000); // the restart at 10 s, then five ticks
    await bus.flush();
    expect(orch.agent("late")).toMatchObject({ state: "running", crashes: 1, restarts: 1 });
    expect(cronPatterns()).toEqual(["cron.late"]); // the test's own subscription only
    expect(ticks.length).toBeGreaterThan(0);
    expect(new Set(ticks)).toEqual(new Set([1]));
    // every slot fired while running reached the restarted instance exactly once
    expect(slots.length).toBeGreaterThan(0);
    expect(ticks).toHaveLength(slots.length);
    await orch.shutdown();
    expect(clock.pending).toBe(0);
    expect(unhandled.errors).toEqual([]);
  });
});

describe("a restart that cannot wire its triggers", () => {
  // Wiring can fail only where ticks travel through the bus (a queue-group subscription): with a coordinator,
  // or on a bus that is not in-process. A coordinator that gives every slot to this instance puts the host's
  // in-process bus on that path.
  test("crashes in start, never leaves a running agent without triggers or an unhandled rejection", async () => {
    const { createBus } = await import("../../src/bus/createBus.js");
    const hostBus = createBus();
    const { Agent: Feed, instances } = scriptedAgent("feed", { onCron: () => undefined });
    const coordinator = { claim: () => Promise.resolve(true) };
    const { orch, clock, logger } = setup({ agents: [Feed], bus: hostBus, coordinator, config: { schedule: { feed: { every: "1m" } } } });
    await orch.start();
    instances[0]?.fail(new Error("crash"));
    await hostBus.close(); // the host closed its bus while the agent waits out its back-off
    await clock.advance(1_000);
    await turns(20);
    expect(orch.agent("feed")).toMatchObject({ state: "backoff", crashes: 2 });
    expect(logger.entries.some((e) => e.level === "error" && /BUS_CLOSED|closed/.test(JSON.stringify(e)))).toBe(true);
    await orch.shutdown();
    expect(unhandled.errors).toEqual([]);
  });
});

describe("a restart on a closed host bus with direct delivery", () => {
  test("wires its triggers without the bus: the restarted instance runs and gets its ticks, no unhandled rejection", async () => {
    const { createBus } = await import("../../src/bus/createBus.js");
    const hostBus = createBus();
    const ticks: number[] = [];
    const { Agent: Feed, instances } = scriptedAgent("feed", {
      onCron: function (this: unknown) {
        ticks.push(instances.indexOf(this as never));
      },
    });
    const { orch, clock } = setup({ agents: [Feed], bus: hostBus, config: { schedule: { feed: { every: "1s" } } } });
    await orch.start();
    instances[0]?.fail(new Error("crash"));
    await hostBus.close();
    await clock.advance(3_000);
    await turns(20);
    expect(orch.agent("feed")).toMatchObject({ state: "running", crashes: 1, restarts: 1 });
    expect(ticks.length).toBeGreaterThan(0);
    expect(new Set(ticks)).toEqual(new Set([1]));
    await orch.shutdown();
    expect(unhandled.errors).toEqual([]);
  });
});
