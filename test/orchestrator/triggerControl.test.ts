// orch.trigger(agent, name): pause, resume and runNow, on ManualClock. One MemoryTriggerStore object
// handed to two orchestrators one after the other is a restart; `state: { file }` is the same on disk.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { OrchestratorConfig } from "../../src/config/OrchestratorConfig.js";
import { LifecycleError } from "../../src/errors/LifecycleError.js";
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import { OrchestratorTriggers } from "../../src/orchestrator/OrchestratorTriggers.js";
import type { CronTick } from "../../src/schedule/ScheduleSpec.js";
import { MemoryTriggerStore } from "../../src/state/MemoryTriggerStore.js";
import { recordKey } from "../../src/state/TriggerStore.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { recordEvents, scriptedAgent, setup, T0 } from "../helpers/orchestrator.js";

const MINUTE = 60_000;

/** The agent's skipped slots for `reason`, as /metrics shows them. */
async function skipped(orch: Orchestrator, reason: string): Promise<number | undefined> {
  const series = `cron_triggers_skipped_total{agent="reconcile",reason="${reason}"}`;
  const line = (await orch.metrics()).split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The agent `reconcile`, whose runs are recorded; `hold` keeps each run open until released, `fail` makes the next run throw. */
function recorder() {
  const ticks: CronTick[] = [];
  const open: Array<() => void> = [];
  const state = { hold: false, fail: false };
  const { Agent } = scriptedAgent("reconcile", {
    onCron: (tick) => {
      ticks.push(tick);
      if (state.fail) {
        state.fail = false;
        throw new Error("reconcile failed");
      }
      if (!state.hold) return;
      return new Promise<void>((resolve) => open.push(resolve));
    },
  });
  return { Agent, ticks, open, state };
}

function config(trigger: Record<string, unknown> = {}, more: Partial<OrchestratorConfig> = {}): OrchestratorConfig {
  return { schedule: { reconcile: [{ every: "1m", name: "eod", ...trigger }, { cron: "0 17 * * *", timezone: "Europe/Paris", name: "close" }] }, ...more };
}

/**
 * The orchestrator's trigger part, caught as createOrchestrator() adds the
 * configured triggers: what the status page reads (`views`, `pausedCount`).
 */
function catchTriggers(): { get(): OrchestratorTriggers } {
  const spy = vi.spyOn(OrchestratorTriggers.prototype, "addConfigured");
  return {
    get: () => {
      const caught: unknown = spy.mock.contexts.at(-1);
      if (!(caught instanceof OrchestratorTriggers)) throw new Error("no orchestrator was created");
      return caught;
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("pause and resume", () => {
  test("a paused trigger's slots are skipped and counted `paused`; resume() runs the next slot; the other triggers go on", async () => {
    const rec = recorder();
    const { orch, clock, logger } = setup({ agents: [rec.Agent], config: config() });
    const events = recordEvents(orch);
    await orch.start();
    await clock.advance(MINUTE);
    expect(rec.ticks.map((t) => t.scheduledAt)).toEqual([T0 + MINUTE]);
    const eod = orch.trigger("reconcile", "eod");
    eod.pause();
    expect(eod.paused).toBe(true);
    expect(orch.trigger("reconcile", "close").paused).toBe(false);
    await clock.advance(3 * MINUTE);
    expect(rec.ticks).toHaveLength(1);
    expect(await skipped(orch, "paused")).toBe(3);
    eod.resume();
    expect(orch.trigger("reconcile", "eod").paused).toBe(false);
    await clock.advance(MINUTE);
    expect(rec.ticks.map((t) => t.scheduledAt)).toEqual([T0 + MINUTE, T0 + 5 * MINUTE]);
    expect(events["trigger:paused"]).toEqual([{ agent: "reconcile", trigger: "eod", remembered: false }]);
    expect(events["trigger:resumed"]).toEqual([{ agent: "reconcile", trigger: "eod", remembered: false }]);
    const lines = logger.entries.filter((e) => e.level === "info" && e.message?.startsWith('trigger "eod"')).map((e) => e.message);
    expect(lines).toEqual(['trigger "eod" of agent "reconcile" paused', 'trigger "eod" of agent "reconcile" resumed']);
    await orch.shutdown();
  });

  test("pause() and resume() are idempotent: a second call changes nothing, emits nothing and logs nothing", async () => {
    const { orch, clock, logger } = setup({ agents: [recorder().Agent], config: config() });
    const events = recordEvents(orch);
    await orch.start();
    const eod = orch.trigger("reconcile", "eod");
    eod.resume();
    eod.pause();
    eod.pause();
    orch.trigger("reconcile", "eod").pause();
    await clock.advance(2 * MINUTE);
    expect(await skipped(orch, "paused")).toBe(2);
    eod.resume();
    eod.resume();
    expect(events["trigger:paused"]).toHaveLength(1);
    expect(events["trigger:resumed"]).toHaveLength(1);
    expect(logger.entries.filter((e) => e.message?.includes("paused") || e.message?.includes("resumed"))).toHaveLength(2);
    await orch.shutdown();
  });

  test("the actor given to the control goes into the log line and the events", async () => {
    const triggers = catchTriggers();
    const { orch, logger } = setup({ agents: [recorder().Agent], config: config() });
    const events = recordEvents(orch);
    await orch.start();
    const eod = triggers.get().control("reconcile", "eod", "alice");
    eod.pause();
    expect(logger.entries.find((e) => e.message?.endsWith("paused by alice"))).toMatchObject({
      level: "info",
      fields: { agent: "reconcile", trigger: "eod", by: "alice" },
      message: 'trigger "eod" of agent "reconcile" paused by alice',
    });
    expect(events["trigger:paused"]).toEqual([{ agent: "reconcile", trigger: "eod", by: "alice", remembered: false }]);
    expect(orch.trigger("reconcile", "eod").paused).toBe(true);
    await orch.shutdown();
  });

  test("a pause before start() holds from the first slot", async () => {
    const rec = recorder();
    const { orch, clock } = setup({ agents: [rec.Agent], config: config() });
    orch.trigger("reconcile", "eod").pause();
    await orch.start();
    await clock.advance(2 * MINUTE);
    expect(rec.ticks).toEqual([]);
    expect(await skipped(orch, "paused")).toBe(2);
    await orch.shutdown();
  });

  test("a paused `at` trigger is spent without running when its instant comes", async () => {
    const rec = recorder();
    const at = new Date(T0 + 2 * MINUTE).toISOString();
    const { orch, clock } = setup({ agents: [rec.Agent], config: { schedule: { reconcile: { at, name: "once" } } } });
    await orch.start();
    orch.trigger("reconcile", "once").pause();
    await clock.advance(3 * MINUTE);
    orch.trigger("reconcile", "once").resume();
    await clock.advance(3 * MINUTE);
    expect(rec.ticks).toEqual([]);
    expect(await skipped(orch, "paused")).toBe(1);
    await orch.shutdown();
  });
});

describe("errors", () => {
  test("an unknown agent or trigger is UNKNOWN_AGENT at once, naming the known ones; after shutdown SHUT_DOWN", async () => {
    const { orch } = setup({ agents: [recorder().Agent], config: config() });
    expect(() => orch.trigger("nobody", "eod")).toThrow(LifecycleError);
    expect(() => orch.trigger("nobody", "eod")).toThrow(/no agent named "nobody"; known agents: reconcile/);
    expect(() => orch.trigger("reconcile", "eow")).toThrow(/agent "reconcile" has no trigger named "eow"; its triggers: "eod", "close"/);
    try {
      orch.trigger("reconcile", "eow");
    } catch (error) {
      expect((error as LifecycleError).code).toBe("UNKNOWN_AGENT");
    }
    const eod = orch.trigger("reconcile", "eod");
    await orch.start();
    await orch.shutdown();
    expect(() => orch.trigger("reconcile", "eod")).toThrow(expect.objectContaining({ code: "SHUT_DOWN" }));
    expect(() => eod.pause()).toThrow(expect.objectContaining({ code: "SHUT_DOWN" }));
    await expect(eod.runNow()).rejects.toMatchObject({ code: "SHUT_DOWN" });
  });

  test("runNow() rejects NOT_STARTED before start(), AGENT_DOWN while the agent is disabled", async () => {
    const rec = recorder();
    const { orch } = setup({ agents: [rec.Agent], config: config() });
    const eod = orch.trigger("reconcile", "eod");
    await expect(eod.runNow()).rejects.toMatchObject({ code: "NOT_STARTED" });
    await orch.start();
    orch.disable("reconcile");
    await expect(eod.runNow()).rejects.toMatchObject({ code: "AGENT_DOWN", message: expect.stringMatching(/the agent is (stopping|disabled), not running/) });
    expect(rec.ticks).toEqual([]);
    await orch.shutdown();
  });

  test("a trigger removed by cancel() is UNKNOWN_AGENT for a control taken before; it no longer counts as paused", async () => {
    const triggers = catchTriggers();
    const { orch } = setup({ agents: [recorder().Agent], config: config() });
    await orch.start();
    const handle = orch.schedule("reconcile", { every: "5m", name: "late" });
    const late = orch.trigger("reconcile", "late");
    late.pause();
    expect(triggers.get().pausedCount()).toBe(1);
    handle.cancel();
    expect(triggers.get().pausedCount()).toBe(0);
    expect(() => late.resume()).toThrow(expect.objectContaining({ code: "UNKNOWN_AGENT" }));
    await orch.shutdown();
  });
});

describe("runNow()", () => {
  test("runs one tick now (scheduledAt now, the slot's key form), resolves once it ended; works on a paused trigger", async () => {
    const rec = recorder();
    rec.state.hold = true;
    const { orch, clock } = setup({ agents: [rec.Agent], config: config() });
    await orch.start();
    await clock.advance(10_000);
    const eod = orch.trigger("reconcile", "eod");
    eod.pause();
    let done = false;
    const running = eod.runNow().then(() => (done = true));
    await clock.advance(0);
    const now = T0 + 10_000;
    expect(rec.ticks).toHaveLength(1);
    expect(rec.ticks[0]).toMatchObject({ agent: "reconcile", trigger: "eod", scheduledAt: now, firedAt: now, key: `reconcile:eod:${new Date(now).toISOString()}:now` });
    expect(rec.ticks[0]?.catchup).toBe(false);
    expect(done).toBe(false);
    rec.open.shift()?.();
    await running;
    expect(done).toBe(true);
    expect(eod.paused).toBe(true);
    await orch.shutdown();
  });

  test("waits for a run of the trigger in flight (never two at once), then runs", async () => {
    const rec = recorder();
    rec.state.hold = true;
    const { orch, clock } = setup({ agents: [rec.Agent], config: config({ overlap: "skip" }) });
    await orch.start();
    await clock.advance(MINUTE);
    expect(rec.ticks).toHaveLength(1);
    const running = orch.trigger("reconcile", "eod").runNow();
    await clock.advance(0);
    expect(rec.ticks).toHaveLength(1);
    rec.open.shift()?.();
    await clock.advance(0);
    expect(rec.ticks.map((t) => t.scheduledAt)).toEqual([T0 + MINUTE, T0 + MINUTE]);
    rec.open.shift()?.();
    await running;
    await orch.shutdown();
  });

  test("a run that throws is the agent's crash, as for a slot, and runNow() still resolves", async () => {
    const rec = recorder();
    rec.state.fail = true;
    const { orch } = setup({ agents: [rec.Agent], config: config() });
    const events = recordEvents(orch);
    await orch.start();
    await orch.trigger("reconcile", "eod").runNow();
    expect(events["agent:crash"]).toHaveLength(1);
    expect(events["agent:crash"][0]).toMatchObject({ agent: "reconcile", reason: "error" });
    await orch.shutdown();
  });

  test("rejects SHUT_DOWN once shutdown has begun", async () => {
    const { orch } = setup({ agents: [recorder().Agent], config: config() });
    await orch.start();
    const eod = orch.trigger("reconcile", "eod");
    const stopping = orch.shutdown();
    await expect(eod.runNow()).rejects.toMatchObject({ code: "SHUT_DOWN" });
    await stopping;
  });

  test("with a store, a run now is not a slot: the record is left as it was", async () => {
    const store = new MemoryTriggerStore();
    const { orch, clock } = setup({ agents: [recorder().Agent], config: config(), store });
    await orch.start();
    await clock.advance(MINUTE);
    const before = await store.get(recordKey("reconcile", "eod"));
    await clock.advance(5_000);
    await orch.trigger("reconcile", "eod").runNow();
    await orch.shutdown();
    expect(await store.get(recordKey("reconcile", "eod"))).toEqual(before);
  });
});

describe("the paused flag in the trigger store", () => {
  test("survives a restart (a MemoryTriggerStore handed to a second orchestrator): it starts paused; resume() is remembered too", async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryTriggerStore();
    const first = setup({ agents: [recorder().Agent], config: config(), clock, store });
    const events = recordEvents(first.orch);
    await first.orch.start();
    first.orch.trigger("reconcile", "eod").pause();
    expect(events["trigger:paused"]).toEqual([{ agent: "reconcile", trigger: "eod", remembered: true }]);
    await first.orch.shutdown();
    expect((await store.get(recordKey("reconcile", "eod")))?.paused).toBe(true);

    const rec = recorder();
    const second = setup({ agents: [rec.Agent], config: config(), clock, store });
    await second.orch.start();
    expect(second.orch.trigger("reconcile", "eod").paused).toBe(true);
    expect(second.logger.entries.some((e) => e.message === 'trigger "eod" of agent "reconcile" is paused (remembered by the trigger store)')).toBe(true);
    await clock.advance(2 * MINUTE);
    expect(rec.ticks).toEqual([]);
    expect(await skipped(second.orch, "paused")).toBe(2);
    second.orch.trigger("reconcile", "eod").resume();
    await second.orch.shutdown();
    expect((await store.get(recordKey("reconcile", "eod")))?.paused).toBe(false);

    const again = recorder();
    const third = setup({ agents: [again.Agent], config: config(), clock, store });
    await third.orch.start();
    await clock.advance(MINUTE);
    expect(again.ticks).toHaveLength(1);
    await third.orch.shutdown();
  });

  test("before start(), the operator's latest word wins over the stored flag, and is written once the store is read", async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryTriggerStore();
    await store.apply([{ type: "pause", key: recordKey("reconcile", "eod"), paused: true }]);
    const rec = recorder();
    const { orch } = setup({ agents: [rec.Agent], config: config(), clock, store });
    const eod = orch.trigger("reconcile", "eod");
    eod.pause();
    eod.resume();
    await orch.start();
    expect(eod.paused).toBe(false);
    expect((await store.get(recordKey("reconcile", "eod")))?.paused).toBe(false);
    await clock.advance(MINUTE);
    expect(rec.ticks).toHaveLength(1);
    await orch.shutdown();
  });

  test("a trigger added by schedule() takes its stored flag", async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryTriggerStore();
    await store.apply([{ type: "pause", key: recordKey("reconcile", "late"), paused: true }]);
    const rec = recorder();
    const { orch } = setup({ agents: [rec.Agent], config: config(), clock, store });
    await orch.start();
    orch.schedule("reconcile", { every: "30s", name: "late" });
    expect(orch.trigger("reconcile", "late").paused).toBe(true);
    await orch.shutdown();
  });

  describe("with `state: { file }`", () => {
    let directory = "";
    beforeEach(() => {
      directory = mkdtempSync(join(tmpdir(), "ao-pause-"));
    });
    afterEach(() => rmSync(directory, { recursive: true, force: true }));

    test("a pause survives a restart through the file", async () => {
      const clock = new ManualClock(T0);
      const cfg = config({}, { state: { file: join(directory, "state.json") } });
      const first = setup({ agents: [recorder().Agent], config: cfg, clock });
      await first.orch.start();
      first.orch.trigger("reconcile", "eod").pause();
      await first.orch.shutdown();
      const rec = recorder();
      const second = setup({ agents: [rec.Agent], config: cfg, clock });
      await second.orch.start();
      expect(second.orch.trigger("reconcile", "eod").paused).toBe(true);
      await clock.advance(MINUTE);
      expect(rec.ticks).toEqual([]);
      expect(await skipped(second.orch, "paused")).toBe(1);
      await second.orch.shutdown();
    });
  });

  test("catch-up at start skips a paused trigger's missed slots, counted `paused` rather than `downtime`, and passes over them", async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryTriggerStore();
    const cfg = config({ catchup: { window: "1h", runs: "all" } });
    const first = setup({ agents: [recorder().Agent], config: cfg, clock, store });
    await first.orch.start();
    await clock.advance(MINUTE + 30_000);
    first.orch.trigger("reconcile", "eod").pause();
    await first.orch.shutdown();
    await clock.advance(5 * MINUTE); // down from 09:01:30 to 09:06:30: 09:02..09:06 missed
    const rec = recorder();
    const second = setup({ agents: [rec.Agent], config: cfg, clock, store });
    const events = recordEvents(second.orch);
    await second.orch.start();
    await clock.advance(0);
    expect(rec.ticks).toEqual([]);
    expect(await skipped(second.orch, "paused")).toBe(5);
    expect(await skipped(second.orch, "downtime")).toBe(0);
    expect(events["trigger:catchup"]).toEqual([]);
    expect(second.logger.entries.some((e) => e.message?.includes("5 missed slot(s) skipped (paused)"))).toBe(true);
    expect((await store.get(recordKey("reconcile", "eod")))?.lastSlot).toBe(T0 + 6 * MINUTE);
    await second.orch.shutdown();
  });
});

describe("what the status page reads", () => {
  test("views(): expression, zone, paused, next run, last run (outcome, duration) and skipped slots by reason; pausedCount()", async () => {
    const triggers = catchTriggers();
    const rec = recorder();
    rec.state.hold = true;
    const { orch, clock } = setup({ agents: [rec.Agent], config: config({ overlap: "skip" }) });
    await orch.start();
    const part = triggers.get();
    await clock.advance(MINUTE); // 09:01 runs and stays open
    await clock.advance(MINUTE); // 09:02 meets it: overlap
    await clock.advance(500);
    rec.open.shift()?.();
    await clock.advance(0);
    orch.trigger("reconcile", "eod").pause();
    await clock.advance(MINUTE); // 09:03: paused
    const [eod, close] = part.views("reconcile");
    expect(eod).toEqual({
      name: "eod",
      kind: "every",
      expression: "every 1m",
      paused: true,
      nextRunAt: T0 + 4 * MINUTE,
      lastRun: { slot: T0 + MINUTE, startedAt: T0 + MINUTE, outcome: "ok", durationMs: MINUTE + 500 },
      skipped: { overlap: 1, paused: 1 },
    });
    expect(close).toMatchObject({ name: "close", kind: "cron", expression: "0 17 * * *", timezone: "Europe/Paris", paused: false, skipped: {} });
    expect(close?.lastRun).toBeUndefined();
    expect(close?.nextRunAt).toBe(Date.UTC(2026, 0, 5, 16, 0, 0));
    expect(part.pausedCount()).toBe(1);
    orch.trigger("reconcile", "close").pause();
    expect(part.pausedCount()).toBe(2);
    orch.trigger("reconcile", "eod").resume();
    expect(part.pausedCount()).toBe(1);
    expect(part.views("nobody")).toEqual([]);
    await orch.shutdown();
  });

  test("a run in flight has no outcome yet; a trigger that has not run here shows the store's last run", async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryTriggerStore();
    const first = setup({ agents: [recorder().Agent], config: config(), clock, store });
    await first.orch.start();
    await clock.advance(MINUTE);
    await first.orch.shutdown();
    const triggers = catchTriggers();
    const rec = recorder();
    rec.state.hold = true;
    const second = setup({ agents: [rec.Agent], config: config(), clock, store });
    await second.orch.start();
    const [stored] = triggers.get().views("reconcile");
    expect(stored?.lastRun).toEqual({ slot: T0 + MINUTE, startedAt: T0 + MINUTE, outcome: "ok", durationMs: 0 });
    await clock.advance(MINUTE);
    const [running] = triggers.get().views("reconcile");
    expect(running?.lastRun).toEqual({ slot: T0 + 2 * MINUTE, startedAt: T0 + 2 * MINUTE });
    rec.open.shift()?.();
    await second.orch.shutdown();
  });
});
