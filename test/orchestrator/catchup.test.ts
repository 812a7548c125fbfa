// Catch-up after downtime and interrupted slots (SPEC decision 38), on ManualClock: one
// MemoryTriggerStore object handed to two orchestrators one after the other is a restart.
import { describe, expect, test } from "vitest";
import type { OrchestratorConfig } from "../../src/config/OrchestratorConfig.js";
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import type { CronTick } from "../../src/schedule/ScheduleSpec.js";
import { MemoryTriggerStore } from "../../src/state/MemoryTriggerStore.js";
import { recordKey } from "../../src/state/TriggerStore.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { recordEvents, scriptedAgent, setup, T0 } from "../helpers/orchestrator.js";

const MINUTE = 60_000;

/** The agent's skipped slots for `reason`, as /metrics shows them. */
async function skipped(orch: Orchestrator, reason: string): Promise<number | undefined> {
  const series = `cron_triggers_skipped_total{agent="eod",reason="${reason}"}`;
  const line = (await orch.metrics()).split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** An agent whose runs are recorded; `hold` keeps a run open until released. */
function recorder(name = "eod") {
  const ticks: CronTick[] = [];
  const open: Array<() => void> = [];
  let hold = false;
  const { Agent } = scriptedAgent(name, {
    onCron: (tick) => {
      ticks.push(tick);
      if (!hold) return;
      return new Promise<void>((resolve) => open.push(resolve));
    },
  });
  return {
    Agent,
    ticks,
    open,
    hold: (on: boolean) => {
      hold = on;
    },
  };
}

function config(trigger: Record<string, unknown>): OrchestratorConfig {
  return { schedule: { eod: { every: "1m", name: "m", ...trigger } } };
}

/** Run an orchestrator from now for `ms` on `clock` with `store`, then shut it down. */
async function runFor(clock: ManualClock, store: MemoryTriggerStore, cfg: OrchestratorConfig, ms: number, rec = recorder()) {
  const { orch } = setup({ agents: [rec.Agent], config: cfg, clock, store });
  const events = recordEvents(orch);
  await orch.start();
  await clock.advance(ms);
  return { orch, rec, events };
}

describe("catch-up after downtime", () => {
  test("runs: latest runs the most recent missed slot once, as a catch-up tick with the slot's key; the others count as downtime", async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryTriggerStore();
    const first = await runFor(clock, store, config({ catchup: { window: "1h", runs: "latest" } }), 5 * MINUTE + 30_000);
    expect(first.rec.ticks.map((t) => t.scheduledAt)).toEqual([1, 2, 3, 4, 5].map((m) => T0 + m * MINUTE));
    await first.orch.shutdown();
    await clock.advance(10 * MINUTE); // down from 09:05:30 to 09:15:30
    const second = await runFor(clock, store, config({ catchup: { window: "1h", runs: "latest" } }), 0);
    await clock.advance(0);
    const caught = second.rec.ticks;
    expect(caught).toHaveLength(1);
    expect(caught[0]).toMatchObject({ scheduledAt: T0 + 15 * MINUTE, catchup: true, attempt: 1, key: `eod:m:${new Date(T0 + 15 * MINUTE).toISOString()}` });
    expect(await skipped(second.orch, "downtime")).toBe(9);
    expect(second.events["trigger:catchup"]).toEqual([{ agent: "eod", trigger: "m", run: 1, downtime: 9, interrupted: 0, retried: 0 }]);
    await clock.advance(MINUTE);
    expect(second.rec.ticks.map((t) => [t.scheduledAt, t.catchup])).toEqual([
      [T0 + 15 * MINUTE, true],
      [T0 + 16 * MINUTE, false],
    ]);
    await second.orch.shutdown();
  });

  test("runs: all runs every missed slot in the window, oldest first, one after the other; slots before the window count as downtime", async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryTriggerStore();
    const cfg = config({ catchup: { window: "5m", runs: "all" } });
    const first = await runFor(clock, store, cfg, 2 * MINUTE + 30_000);
    await first.orch.shutdown();
    await clock.advance(10 * MINUTE); // down from 09:02:30 to 09:12:30: slots 09:03..09:12 missed
    const rec = recorder();
    rec.hold(true);
    const second = await runFor(clock, store, cfg, 0, rec);
    await clock.advance(0);
    // one at a time: the second catch-up slot waits for the first to end
    expect(rec.ticks.map((t) => t.scheduledAt)).toEqual([T0 + 8 * MINUTE]);
    for (let i = 0; i < 5; i++) {
      rec.open.shift()?.();
      await clock.advance(0);
    }
    expect(rec.ticks.map((t) => t.scheduledAt)).toEqual([8, 9, 10, 11, 12].map((m) => T0 + m * MINUTE));
    expect(rec.ticks.every((t) => t.catchup)).toBe(true);
    expect(await skipped(second.orch, "downtime")).toBe(5);
    await second.orch.shutdown();
  });

  test("window edges: a slot exactly `window` before start runs, one a millisecond older does not; window 0 runs nothing", async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryTriggerStore();
    const first = await runFor(clock, store, config({}), MINUTE);
    await first.orch.shutdown();
    await clock.advance(4 * MINUTE); // start again at 09:05:00 exactly: slots 09:02..09:05 missed
    const edge = await runFor(clock, store, config({ catchup: { window: "3m", runs: "all" } }), 0);
    await clock.advance(0);
    // 09:05 is at start itself: the scheduler does not fire it (slots strictly after arming), catch-up does
    expect(edge.rec.ticks.map((t) => t.scheduledAt)).toEqual([2, 3, 4, 5].map((m) => T0 + m * MINUTE));
    await edge.orch.shutdown();
    await clock.advance(3 * MINUTE + 1); // start at 09:08:00.001: 09:06..09:08 missed, window 2m reaches back to 09:06:00.001
    const inside = await runFor(clock, store, config({ catchup: { window: "2m", runs: "all" } }), 0);
    await clock.advance(0);
    expect(inside.rec.ticks.map((t) => t.scheduledAt)).toEqual([7, 8].map((m) => T0 + m * MINUTE));
    expect(await skipped(inside.orch, "downtime")).toBe(1);
    await inside.orch.shutdown();
    await clock.advance(2 * MINUTE);
    const none = await runFor(clock, store, config({ catchup: { window: 0 } }), 0);
    await clock.advance(0);
    expect(none.rec.ticks).toEqual([]);
    expect(await skipped(none.orch, "downtime")).toBe(2);
    await none.orch.shutdown();
  });

  test("a trigger the store never saw has no downtime: nothing runs and nothing is counted", async () => {
    const clock = new ManualClock(T0 + 30 * MINUTE + 5_000);
    const store = new MemoryTriggerStore();
    const fresh = await runFor(clock, store, config({ catchup: { window: "1h", runs: "all" } }), 0);
    await clock.advance(0);
    expect(fresh.rec.ticks).toEqual([]);
    expect(await skipped(fresh.orch, "downtime")).toBe(0);
    await fresh.orch.shutdown();
  });

  test("without a store (the default), catchup with a window is refused with what to add", () => {
    expect(() => setup({ agents: [recorder().Agent], config: config({ catchup: { window: "1h" } }) })).toThrow(/needs remembered trigger state.*state: \{ file/);
    expect(() => setup({ agents: [recorder().Agent], config: config({ delivery: "at-least-once" }) })).toThrow(/delivery: at-least-once/);
  });
});

describe("a slot interrupted mid-run", () => {
  async function interrupted(delivery: "at-most-once" | "at-least-once") {
    const clock = new ManualClock(T0);
    const store = new MemoryTriggerStore();
    const rec = recorder();
    rec.hold(true);
    const cfg = { ...config({ delivery }), supervisor: { stopTimeout: "1s" } } as OrchestratorConfig;
    const first = await runFor(clock, store, cfg, MINUTE, rec);
    expect(rec.ticks).toHaveLength(1);
    const stopping = first.orch.shutdown();
    await clock.advance(2_000);
    await stopping;
    // the run never ended: the store still has it as started
    const record = (await store.load()).records.get(recordKey("eod", "m"));
    expect(record?.running.map((run) => run.slot)).toEqual([T0 + MINUTE]);
    await clock.advance(10_000);
    const second = await runFor(clock, store, cfg, 0);
    await clock.advance(0);
    return { second, store };
  }

  test("delivery: at-most-once (the default) counts it interrupted and does not run it again", async () => {
    const { second, store } = await interrupted("at-most-once");
    expect(second.rec.ticks).toEqual([]);
    expect(await skipped(second.orch, "interrupted")).toBe(1);
    await second.orch.shutdown();
    const record = (await store.load()).records.get(recordKey("eod", "m"));
    expect(record?.running).toEqual([]);
    expect(record?.lastRun).toMatchObject({ slot: T0 + MINUTE, outcome: "interrupted", attempt: 1 });
    expect(record?.ran).toEqual([]);
  });

  test("delivery: at-least-once runs it once more at start, same key, attempt 2", async () => {
    const { second, store } = await interrupted("at-least-once");
    expect(second.rec.ticks).toHaveLength(1);
    expect(second.rec.ticks[0]).toMatchObject({ scheduledAt: T0 + MINUTE, key: `eod:m:${new Date(T0 + MINUTE).toISOString()}`, attempt: 2, catchup: true });
    await second.orch.shutdown();
    const record = (await store.load()).records.get(recordKey("eod", "m"));
    expect(record?.lastRun).toMatchObject({ slot: T0 + MINUTE, attempt: 2, outcome: "ok" });
  });
});

describe("catch-up meets the live trigger", () => {
  test("a live slot that comes while a catch-up run is in flight meets the overlap policy (skip: counted)", async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryTriggerStore();
    const cfg = config({ catchup: { window: "1h", runs: "latest" }, overlap: "skip" });
    const first = await runFor(clock, store, cfg, MINUTE + 30_000);
    await first.orch.shutdown();
    await clock.advance(5 * MINUTE);
    const rec = recorder();
    rec.hold(true);
    const second = await runFor(clock, store, cfg, 0, rec);
    await clock.advance(MINUTE); // the catch-up run of 09:06 is still open when 09:07 comes
    expect(rec.ticks.map((t) => [t.scheduledAt, t.catchup])).toEqual([[T0 + 6 * MINUTE, true]]);
    expect(await skipped(second.orch, "overlap")).toBe(1);
    rec.open.shift()?.();
    await second.orch.shutdown();
  });
});

describe("a trigger added by orch.schedule() after start", () => {
  test("is caught up from its record like one from the config", async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryTriggerStore();
    const first = await runFor(clock, store, config({}), 2 * MINUTE);
    await first.orch.shutdown();
    await clock.advance(5 * MINUTE);
    const rec = recorder();
    const { orch } = setup({ agents: [rec.Agent], clock, store });
    await orch.start();
    orch.schedule("eod", { every: "1m", name: "m", catchup: { window: "1h", runs: "latest" } });
    await clock.advance(0);
    expect(rec.ticks.map((t) => [t.scheduledAt, t.catchup])).toEqual([[T0 + 7 * MINUTE, true]]);
    expect(await skipped(orch, "downtime")).toBe(4);
    await orch.shutdown();
  });
});
