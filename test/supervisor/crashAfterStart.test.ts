import { describe, expect, test } from "vitest";
import type { InProcessBus } from "../../src/bus/InProcessBus.js";
import type { CronTick } from "../../src/schedule/ScheduleSpec.js";
import { scriptedAgent, setup } from "../helpers/orchestrator.js";
import { trackUnhandled } from "../helpers/noUnhandled.js";

const unhandled = trackUnhandled();

/** Settle `n` chained microtasks. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

describe("a crash in the turns right after start() resolves", () => {
  // start() resolves, and the incarnation crashes k microtasks later: before, at or after the moment the
  // supervisor marks it running and wires its triggers. Whatever k, the crash is handled once, the dead
  // incarnation keeps no cron subscription, and only the restarted instance receives ticks.
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
    expect(bus.subscriberCount("cron.late")).toBe(0);

    await clock.advance(15_000); // the restart at 10 s, then five ticks
    expect(orch.agent("late")).toMatchObject({ state: "running", crashes: 1, restarts: 1 });
    expect(bus.subscriberCount("cron.late")).toBe(1);
    expect(ticks.length).toBeGreaterThan(0);
    expect(new Set(ticks)).toEqual(new Set([1]));
    await orch.shutdown();
    expect(clock.pending).toBe(0);
    expect(unhandled.errors).toEqual([]);
  });
});

describe("a restart that cannot wire its triggers", () => {
  test("crashes in start, never leaves a running agent without triggers or an unhandled rejection", async () => {
    const { createBus } = await import("../../src/bus/createBus.js");
    const hostBus = createBus();
    const { Agent: Feed, instances } = scriptedAgent("feed", { onCron: () => undefined });
    const { orch, clock, logger } = setup({ agents: [Feed], bus: hostBus, config: { schedule: { feed: { every: "1m" } } } });
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
