// orch.backfill(agent, trigger, { from, to, signal }) (SPEC "Names fixed now"): every slot of
// [from, to) in order through the normal trigger path, skipping what the store says ran.
import { describe, expect, test } from "vitest";
import type { OrchestratorConfig } from "../../src/config/OrchestratorConfig.js";
import type { CronTick } from "../../src/schedule/ScheduleSpec.js";
import { MemoryTriggerStore } from "../../src/state/MemoryTriggerStore.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { recordEvents, scriptedAgent, setup, T0 } from "../helpers/orchestrator.js";

const HOUR = 3_600_000;

function recorder() {
  const ticks: CronTick[] = [];
  let running = 0;
  let most = 0;
  const { Agent } = scriptedAgent("recon", {
    onCron: async (tick) => {
      running++;
      most = Math.max(most, running);
      ticks.push(tick);
      await Promise.resolve();
      running--;
    },
  });
  return { Agent, ticks, most: () => most };
}

const cfg: OrchestratorConfig = { schedule: { recon: { cron: "0 * * * *", name: "hourly", timezone: "UTC" } } };

describe("orch.backfill", () => {
  test("runs every slot of [from, to) oldest first, one at a time, as catch-up ticks, with progress events", async () => {
    const rec = recorder();
    const { orch } = setup({ agents: [rec.Agent], config: cfg, store: new MemoryTriggerStore() });
    const events = recordEvents(orch);
    await orch.start();
    const result = await orch.backfill("recon", "hourly", { from: T0 - 5 * HOUR, to: new Date(T0 - HOUR) });
    expect(result).toEqual({ ran: 4, skipped: 0 });
    expect(rec.ticks.map((t) => t.scheduledAt)).toEqual([5, 4, 3, 2].map((h) => T0 - h * HOUR));
    expect(rec.ticks.every((t) => t.catchup && t.attempt === 1)).toBe(true);
    expect(rec.most()).toBe(1);
    expect(events["backfill:progress"].map((e) => [e.slot, e.outcome, e.ran, e.skipped])).toEqual([
      [T0 - 5 * HOUR, "ok", 1, 0],
      [T0 - 4 * HOUR, "ok", 2, 0],
      [T0 - 3 * HOUR, "ok", 3, 0],
      [T0 - 2 * HOUR, "ok", 4, 0],
    ]);
    await orch.shutdown();
  });

  test("skips slots the store says ran already: a second backfill over an overlapping range runs only the new slots", async () => {
    const rec = recorder();
    const { orch } = setup({ agents: [rec.Agent], config: cfg, store: new MemoryTriggerStore() });
    await orch.start();
    await orch.backfill("recon", "hourly", { from: T0 - 6 * HOUR, to: T0 - 3 * HOUR });
    const again = await orch.backfill("recon", "hourly", { from: new Date(T0 - 8 * HOUR).toISOString(), to: T0 - HOUR });
    expect(again).toEqual({ ran: 4, skipped: 3 });
    expect(rec.ticks.map((t) => (T0 - t.scheduledAt) / HOUR)).toEqual([6, 5, 4, 8, 7, 3, 2]);
    await orch.shutdown();
  });

  test("without a store every slot runs, each time", async () => {
    const rec = recorder();
    const { orch } = setup({ agents: [rec.Agent], config: cfg });
    await orch.start();
    expect(await orch.backfill("recon", "hourly", { from: T0 - 2 * HOUR, to: T0 })).toEqual({ ran: 2, skipped: 0 });
    expect(await orch.backfill("recon", "hourly", { from: T0 - 2 * HOUR, to: T0 })).toEqual({ ran: 2, skipped: 0 });
    await orch.shutdown();
  });

  test("an aborted signal stops it before its next slot: LifecycleError ABORTED, slots already run stay run", async () => {
    const rec = recorder();
    const { orch } = setup({ agents: [rec.Agent], config: cfg, store: new MemoryTriggerStore() });
    await orch.start();
    const controller = new AbortController();
    orch.on("backfill:progress", (event) => {
      if (event.ran === 3) controller.abort(new Error("operator"));
    });
    await expect(orch.backfill("recon", "hourly", { from: T0 - 10 * HOUR, to: T0, signal: controller.signal })).rejects.toMatchObject({ code: "ABORTED" });
    expect(rec.ticks).toHaveLength(3);
    expect(await orch.backfill("recon", "hourly", { from: T0 - 10 * HOUR, to: T0 })).toEqual({ ran: 7, skipped: 3 });
    await orch.shutdown();
  });

  test("bad input is refused before anything runs, naming the option", async () => {
    const rec = recorder();
    const { orch } = setup({ agents: [rec.Agent], config: cfg });
    await expect(orch.backfill("recon", "hourly", { from: T0 - HOUR, to: T0 })).rejects.toMatchObject({ code: "NOT_STARTED" });
    await orch.start();
    await expect(orch.backfill("nobody", "hourly", { from: T0 - HOUR, to: T0 })).rejects.toThrow(/no agent named "nobody"/);
    await expect(orch.backfill("recon", "daily", { from: T0 - HOUR, to: T0 })).rejects.toThrow(/no trigger named "daily"; its triggers: "hourly"/);
    await expect(orch.backfill("recon", "hourly", { from: "yesterday", to: T0 })).rejects.toThrow(/`from` must be a Date, ms since the epoch.*got "yesterday"/);
    await expect(orch.backfill("recon", "hourly", { from: T0, to: T0 - HOUR })).rejects.toThrow(/`to` must be an instant after `from`/);
    await expect(orch.backfill("recon", "hourly", { from: T0 - HOUR, to: T0, signal: {} as AbortSignal })).rejects.toThrow(/`signal` must be an AbortSignal/);
    expect(rec.ticks).toEqual([]);
    await orch.shutdown();
  });
});

describe("orch.backfill beside the live trigger", () => {
  test("is not starved by overlap: queue — handed-over slots and live ticks take turns — and its signal takes a waiting slot out of the line", async () => {
    const ticks: CronTick[] = [];
    const clock = new ManualClock(T0);
    const { Agent } = scriptedAgent("recon", {
      onCron: async (tick) => {
        ticks.push(tick);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 90_000));
      },
    });
    const { orch } = setup({ agents: [Agent], clock, config: { schedule: { recon: { every: "1m", name: "m", overlap: "queue" } } }, store: new MemoryTriggerStore() });
    await orch.start();
    await clock.advance(60_000); // a live run is in flight, the next one will queue behind it
    let result: unknown;
    void orch.backfill("recon", "m", { from: T0 - 2 * 60_000, to: T0 }).then((r) => (result = r));
    for (let i = 0; i < 12 && result === undefined; i++) await clock.advance(30_000);
    expect(result).toEqual({ ran: 2, skipped: 0 });
    expect(ticks.filter((t) => t.catchup).map((t) => t.scheduledAt)).toEqual([T0 - 120_000, T0 - 60_000]);

    const controller = new AbortController();
    const waiting = orch.backfill("recon", "m", { from: T0 - 10 * 60_000, to: T0 - 5 * 60_000, signal: controller.signal });
    await clock.advance(0);
    controller.abort(new Error("enough"));
    await expect(waiting).rejects.toMatchObject({ code: "ABORTED" });
    await orch.shutdown();
  });

  test("counts fired only the slots that reached the agent: a backfill into the future leaves the live slots it ran to the store's refusal", async () => {
    const rec = recorder();
    const { orch, clock } = setup({
      agents: [rec.Agent],
      config: { schedule: { recon: { every: "1m", name: "m" } } },
      store: new MemoryTriggerStore(),
      metrics: { agentSeries: "full" },
    });
    await orch.start();
    await orch.backfill("recon", "m", { from: T0 - 60_000, to: T0 + 3 * 60_000 + 1 });
    await clock.advance(5 * 60_000);
    const fired = Number(/cron_triggers_fired_total\{agent="recon"\} (\d+)/.exec(await orch.metrics())?.[1] ?? Number.NaN);
    expect(rec.ticks.map((t) => (t.scheduledAt - T0) / 60_000)).toEqual([-1, 0, 1, 2, 3, 4, 5]);
    expect(fired).toBe(rec.ticks.length);
    await orch.shutdown();
  });

  test("a store that cannot record a slot's start makes the backfill reject with its error, not report the slot as ran already", async () => {
    const rec = recorder();
    const store = new MemoryTriggerStore();
    const { orch } = setup({ agents: [rec.Agent], config: cfg, store });
    await orch.start();
    await store.close();
    await expect(orch.backfill("recon", "hourly", { from: T0 - 2 * HOUR, to: T0 })).rejects.toMatchObject({ code: "STORE_CLOSED" });
    expect(rec.ticks).toEqual([]);
    await orch.shutdown();
  });
});
