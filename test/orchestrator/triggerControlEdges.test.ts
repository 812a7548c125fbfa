// orch.trigger(agent, name) where it meets the rest of the orchestrator: agents loaded by module, a
// catch-up in progress, the status page's actions, a store that cannot record the flag, a run now at a
// slot's instant, a trigger added again by schedule(). On ManualClock; one MemoryTriggerStore handed to
// two orchestrators one after the other is a restart.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, test, vi } from "vitest";
import type { OrchestratorConfig } from "../../src/config/OrchestratorConfig.js";
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import { RUN_NOW_WAIT_MS } from "../../src/orchestrator/statusSource.js";
import type { CronTick } from "../../src/schedule/ScheduleSpec.js";
import { MemoryTriggerStore } from "../../src/state/MemoryTriggerStore.js";
import { recordKey, type StoreSnapshot, type TriggerChange, type TriggerRecord, type TriggerStore } from "../../src/state/TriggerStore.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { recordEvents, scriptedAgent, setup, T0 } from "../helpers/orchestrator.js";

const MINUTE = 60_000;

/** The agent `reconcile`, whose runs are recorded; `hold` keeps each run open until released. */
function recorder() {
  const ticks: CronTick[] = [];
  const open: Array<() => void> = [];
  const state = { hold: false };
  const { Agent } = scriptedAgent("reconcile", {
    onCron: (tick) => {
      ticks.push(tick);
      if (!state.hold) return;
      return new Promise<void>((resolve) => open.push(resolve));
    },
  });
  return { Agent, ticks, open, state };
}

/** The skipped slots of `agent` for `reason`, as /metrics shows them. */
async function skipped(orch: Orchestrator, reason: string, agent = "reconcile"): Promise<number | undefined> {
  const series = `cron_triggers_skipped_total{agent="${agent}",reason="${reason}"}`;
  const line = (await orch.metrics()).split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A POST of the status page's action `query`, from the page's own origin. */
function post(orch: Orchestrator, query: string): Promise<Response> {
  return orch.fetch(new Request(`http://desk.test/statusz?${query}`, { method: "POST", headers: { origin: "http://desk.test" } }));
}

describe("an agent loaded by module", () => {
  const directory = mkdtempSync(join(tmpdir(), "ao-module-pause-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const runs: number[] = [];
  const agentUrl = pathToFileURL(join(process.cwd(), "src/agent/Agent.ts")).href;
  const file = join(directory, "late.ts");
  writeFileSync(
    file,
    `import { Agent } from ${JSON.stringify(agentUrl)};\n` +
      `export default class Late extends Agent { static agentName = "late"; onCron(tick) { globalThis.__lateRuns.push(tick.scheduledAt); } }\n`,
  );
  (globalThis as Record<string, unknown>)["__lateRuns"] = runs;
  const config = (trigger: Record<string, unknown> = {}): OrchestratorConfig => ({ agents: { late: { module: file } }, schedule: { late: [{ every: "1m", name: "eod", ...trigger }] } });

  test("pause() before start() is allowed and written once the store is read", async () => {
    runs.length = 0;
    const store = new MemoryTriggerStore();
    const { orch, clock } = setup({ config: config(), store });
    const eod = orch.trigger("late", "eod");
    eod.pause();
    expect(eod.paused).toBe(true);
    await orch.start();
    expect((await store.get(recordKey("late", "eod")))?.paused).toBe(true);
    await clock.advance(2 * MINUTE);
    expect(runs).toEqual([]);
    expect(await skipped(orch, "paused", "late")).toBe(2);
    await orch.shutdown();
  });

  test("a stored pause holds after a restart (no runs, slots counted `paused`, the page says paused); resume() is written", async () => {
    runs.length = 0;
    const clock = new ManualClock(T0);
    const store = new MemoryTriggerStore();
    const first = setup({ config: config(), clock, store });
    await first.orch.start();
    first.orch.trigger("late", "eod").pause();
    await first.orch.shutdown();

    const second = setup({ config: config(), clock, store });
    await second.orch.start();
    expect(second.orch.trigger("late", "eod").paused).toBe(true);
    await clock.advance(3 * MINUTE);
    expect(runs).toEqual([]);
    expect(await skipped(second.orch, "paused", "late")).toBe(3);
    const page = (await (await second.orch.fetch(new Request("http://desk.test/statusz?format=json"))).json()) as { agents: Array<{ triggers: Array<{ paused: boolean }> }> };
    expect(page.agents[0]?.triggers[0]?.paused).toBe(true);
    second.orch.trigger("late", "eod").resume();
    expect((await store.get(recordKey("late", "eod")))?.paused).toBe(false);
    await clock.advance(MINUTE);
    expect(runs).toEqual([T0 + 4 * MINUTE]);
    await second.orch.shutdown();
  });

  test("catch-up at start neither runs nor counts as downtime the missed slots of a trigger paused in the store", async () => {
    runs.length = 0;
    const clock = new ManualClock(T0);
    const store = new MemoryTriggerStore();
    const cfg = config({ catchup: { window: "1h", runs: "all" } });
    const first = setup({ config: cfg, clock, store });
    await first.orch.start();
    await clock.advance(MINUTE + 30_000);
    first.orch.trigger("late", "eod").pause();
    await first.orch.shutdown();
    await clock.advance(5 * MINUTE);
    runs.length = 0;
    const second = setup({ config: cfg, clock, store });
    await second.orch.start();
    await clock.advance(0);
    expect(runs).toEqual([]);
    expect(await skipped(second.orch, "paused", "late")).toBe(5);
    expect(await skipped(second.orch, "downtime", "late")).toBe(0);
    await second.orch.shutdown();
  });
});

describe("a pause during the catch-up", () => {
  test("stops it: the slots not yet begun are counted `paused` and do not run; resume() runs the next live slot", async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryTriggerStore();
    const cfg: OrchestratorConfig = { schedule: { reconcile: [{ every: "1m", name: "eod", catchup: { window: "1h", runs: "all" } }] } };
    const first = setup({ agents: [recorder().Agent], config: cfg, clock, store });
    await first.orch.start();
    await clock.advance(MINUTE + 30_000);
    await first.orch.shutdown();
    await clock.advance(5 * MINUTE); // down from 09:01:30 to 09:06:30: 09:02..09:06 missed
    const rec = recorder();
    rec.state.hold = true;
    const second = setup({ agents: [rec.Agent], config: cfg, clock, store });
    await second.orch.start();
    await clock.advance(0);
    expect(rec.ticks.map((t) => t.scheduledAt)).toEqual([T0 + 2 * MINUTE]);
    second.orch.trigger("reconcile", "eod").pause();
    rec.open.shift()?.();
    await vi.waitFor(() => expect(second.logger.entries.some((e) => e.message?.includes("was paused during its catch-up"))).toBe(true));
    expect(rec.ticks.map((t) => t.scheduledAt)).toEqual([T0 + 2 * MINUTE]);
    expect(await skipped(second.orch, "paused")).toBe(4);
    expect(second.logger.entries.find((e) => e.message?.includes("was paused during its catch-up"))?.message).toBe(
      'trigger "eod" of agent "reconcile" was paused during its catch-up: 4 missed slot(s) skipped (paused)',
    );
    rec.state.hold = false;
    second.orch.trigger("reconcile", "eod").resume();
    await clock.advance(30_000);
    expect(rec.ticks.map((t) => t.scheduledAt)).toEqual([T0 + 2 * MINUTE, T0 + 7 * MINUTE]);
    await second.orch.shutdown();
  });
});

describe("the status page's pause and resume", () => {
  test("every action is logged with who acted, one that changes nothing as `already`; only a change emits", async () => {
    const { orch, logger } = setup({ agents: [recorder().Agent], config: { schedule: { reconcile: [{ every: "1m", name: "eod" }] } }, status: { authorize: () => "mallory" } });
    const events = recordEvents(orch);
    await orch.start();
    for (const action of ["resume", "pause", "pause"]) expect((await post(orch, `action=${action}&agent=reconcile&trigger=eod`)).status).toBe(200);
    expect(logger.entries.filter((e) => (e.fields as { by?: string }).by === "mallory").map((e) => e.message)).toEqual([
      'trigger "eod" of agent "reconcile" already resumed (resume by mallory)',
      'trigger "eod" of agent "reconcile" paused by mallory',
      'trigger "eod" of agent "reconcile" already paused (pause by mallory)',
    ]);
    expect(events["trigger:paused"]).toEqual([{ agent: "reconcile", trigger: "eod", by: "mallory", remembered: false }]);
    expect(events["trigger:resumed"]).toEqual([]);
    await orch.shutdown();
  });
});

/** A store that decides asynchronously, over a memory store; it cannot record `pause` changes while `refusePauses` is set. */
class FlakyStore implements TriggerStore {
  readonly description = "flaky";
  readonly shared = false;
  refusePauses = true;
  readonly #inner = new MemoryTriggerStore();
  load(): Promise<StoreSnapshot> {
    return this.#inner.load();
  }
  async apply(changes: readonly TriggerChange[]): Promise<boolean[]> {
    if (this.refusePauses && changes.some((change) => change.type === "pause")) throw new Error("disk full");
    return this.#inner.apply(changes);
  }
  get(key: string): Promise<TriggerRecord | undefined> {
    return this.#inner.get(key);
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
}

describe("a store that cannot record the flag", () => {
  test("the pause holds in this process; the event says `remembered: false` and the log line that the store did not take it", async () => {
    const store = new FlakyStore();
    const rec = recorder();
    const { orch, clock, logger } = setup({ agents: [rec.Agent], config: { schedule: { reconcile: [{ every: "1m", name: "eod" }] } }, store });
    const events = recordEvents(orch);
    await orch.start();
    const eod = orch.trigger("reconcile", "eod");
    eod.pause();
    expect(eod.paused).toBe(true);
    await vi.waitFor(() => expect(events["trigger:paused"]).toHaveLength(1));
    expect(events["trigger:paused"]).toEqual([{ agent: "reconcile", trigger: "eod", remembered: false }]);
    expect(logger.entries.find((e) => e.message?.startsWith('trigger "eod" of agent "reconcile" paused'))).toMatchObject({
      level: "warn",
      fields: { remembered: false },
      message: 'trigger "eod" of agent "reconcile" paused; the trigger store could not record it: it holds in this process only',
    });
    await clock.advance(MINUTE);
    expect(rec.ticks).toEqual([]);
    store.refusePauses = false;
    eod.resume();
    await vi.waitFor(() => expect(events["trigger:resumed"]).toEqual([{ agent: "reconcile", trigger: "eod", remembered: true }]));
    await orch.shutdown();
  });
});

describe("runNow() at a slot's instant", () => {
  test("its key ends with `:now` and its end leaves the slot's record running (`overlap: allow`)", async () => {
    const store = new MemoryTriggerStore();
    const rec = recorder();
    rec.state.hold = true;
    const { orch, clock } = setup({ agents: [rec.Agent], config: { schedule: { reconcile: [{ every: "1m", name: "eod", overlap: "allow" }] } }, store });
    await orch.start();
    await clock.advance(MINUTE);
    const slot = T0 + MINUTE;
    const manual = orch.trigger("reconcile", "eod").runNow();
    await clock.advance(0);
    expect(rec.ticks.map((t) => [t.scheduledAt, t.key])).toEqual([
      [slot, `reconcile:eod:${new Date(slot).toISOString()}`],
      [slot, `reconcile:eod:${new Date(slot).toISOString()}:now`],
    ]);
    rec.open[1]?.();
    await manual;
    expect((await store.get(recordKey("reconcile", "eod")))?.running.map((run) => run.slot)).toEqual([slot]);
    rec.open[0]?.();
    await clock.advance(0);
    expect((await store.get(recordKey("reconcile", "eod")))?.running).toEqual([]);
    await orch.shutdown();
  });
});

describe("a trigger added again by schedule()", () => {
  test("keeps the flag this process last gave it, not the one the store had at load", async () => {
    const store = new MemoryTriggerStore();
    await store.apply([{ type: "pause", key: recordKey("reconcile", "late"), paused: true }]);
    const { orch } = setup({ agents: [recorder().Agent], config: { schedule: {} }, store });
    await orch.start();
    const first = orch.schedule("reconcile", { every: "30s", name: "late" });
    expect(orch.trigger("reconcile", "late").paused).toBe(true);
    orch.trigger("reconcile", "late").resume();
    first.cancel();
    orch.schedule("reconcile", { every: "30s", name: "late" });
    expect(orch.trigger("reconcile", "late").paused).toBe(false);
    expect((await store.get(recordKey("reconcile", "late")))?.paused).toBe(false);
    await orch.shutdown();
  });

  test("shows the runs of the trigger now under the name, not those of the one it replaced, on a runner that ran both", async () => {
    const rec = recorder();
    const { orch, clock } = setup({ agents: [rec.Agent], config: { schedule: {} }, status: {} });
    await orch.start();
    const first = orch.schedule("reconcile", { every: "1m", name: "late" });
    await clock.advance(MINUTE);
    expect(rec.ticks).toHaveLength(1);
    first.cancel();
    orch.schedule("reconcile", { every: "5m", name: "late" });
    const lastRun = async (): Promise<unknown> => {
      const document = (await (await orch.fetch(new Request("http://desk.test/statusz?format=json"))).json()) as { agents: Array<{ name: string; triggers: Array<{ name: string; lastRun?: unknown }> }> };
      return document.agents.find((agent) => agent.name === "reconcile")?.triggers.find((trigger) => trigger.name === "late")?.lastRun;
    };
    // the runner of the running incarnation ran the first trigger; the new one has not run yet
    expect(await lastRun()).toBeUndefined();
    await clock.advance(5 * MINUTE);
    expect(rec.ticks).toHaveLength(2);
    expect(await lastRun()).toMatchObject({ slot: new Date(T0 + 5 * MINUTE).toISOString(), outcome: "ok" });
    await orch.shutdown();
  });
});

describe("the status page's run-now", () => {
  test(`waits for the run up to ${RUN_NOW_WAIT_MS} ms, then answers and logs that it has started; a refusal after that is logged at warn with who acted`, async () => {
    const rec = recorder();
    rec.state.hold = true;
    const { orch, clock, logger } = setup({ agents: [rec.Agent], config: { schedule: { reconcile: [{ every: "1m", name: "eod" }] } }, status: { authorize: () => "mallory" } });
    await orch.start();
    await clock.advance(MINUTE);
    expect(rec.ticks).toHaveLength(1);
    let answered: Response | undefined;
    const reply = post(orch, "action=run-now&agent=reconcile&trigger=eod").then((response) => (answered = response));
    await clock.advance(RUN_NOW_WAIT_MS - 1);
    expect(answered).toBeUndefined();
    await clock.advance(1);
    const started = await reply;
    expect(started.status).toBe(200);
    expect(await started.json()).toMatchObject({ ok: true, action: "run-now", by: "mallory", outcome: "started" });
    expect(logger.entries.some((e) => e.level === "info" && e.message?.includes("has started and is still going after 2000 ms"))).toBe(true);
    orch.disable("reconcile");
    await vi.waitFor(() => expect(logger.entries.find((e) => e.level === "warn" && e.message?.includes("did not run"))).toMatchObject({ fields: { agent: "reconcile", trigger: "eod", by: "mallory" } }));
    await orch.shutdown();
  });

  test("a run that ends within the wait is answered once it has ended", async () => {
    const rec = recorder();
    const { orch } = setup({ agents: [rec.Agent], config: { schedule: { reconcile: [{ every: "1m", name: "eod" }] } }, status: { authorize: () => "mallory" } });
    await orch.start();
    const done = await post(orch, "action=run-now&agent=reconcile&trigger=eod");
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ ok: true, action: "run-now", outcome: "done" });
    expect(rec.ticks).toHaveLength(1);
    await orch.shutdown();
  });
});
