import { describe, expect, it } from "vitest";
import { AgentError } from "../../src/errors/AgentError.js";
import { CronRunner } from "../../src/schedule/CronRunner.js";
import type { CronTick, ResolvedTrigger, TickMessage } from "../../src/schedule/ScheduleSpec.js";
import { AgentCounters } from "../../src/stats/AgentCounters.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { deferred, type Deferred } from "../helpers/promises.js";
import { cron } from "../helpers/schedule/harness.js";

interface Started {
  readonly tick: CronTick;
  readonly signal: AbortSignal;
  readonly done: Deferred;
}

/** A runner whose runs stay open until the test settles them. */
function setup(triggers: ResolvedTrigger[] = []) {
  const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
  const counters = new AgentCounters();
  const started: Started[] = [];
  const hung: Array<{ tick: CronTick; error: AgentError }> = [];
  const errors: Array<{ tick: CronTick; error: unknown }> = [];
  const byName = new Map(triggers.map((t) => [t.name, t]));
  const runner = new CronRunner({
    clock,
    counters,
    run: (tick) => {
      const done = deferred();
      started.push({ tick, signal: tick.signal, done });
      return done.promise;
    },
    lookup: (name) => byName.get(name),
    onHung: (tick, error) => hung.push({ tick, error }),
    onError: (tick, error) => errors.push({ tick, error }),
  });
  let slot = 0;
  const tick = (trigger: string): TickMessage => {
    const scheduledAt = clock.now() + slot++;
    return { agent: "job", trigger, scheduledAt, firedAt: scheduledAt, key: `job:${trigger}:${new Date(scheduledAt).toISOString()}` };
  };
  return { clock, counters, runner, started, hung, errors, tick };
}

describe("CronRunner: overlap", () => {
  it("skip: drops a tick while the trigger's previous run is in flight, and counts it", async () => {
    const s = setup([cron("* * * * *", { name: "t", overlap: "skip" })]);
    s.runner.receive(s.tick("t"));
    s.runner.receive(s.tick("t"));
    expect(s.started).toHaveLength(1);
    expect(s.counters.triggersSkipped.overlap).toBe(1);
    s.started[0]?.done.resolve();
    await s.clock.advance(0);
    s.runner.receive(s.tick("t"));
    expect(s.started).toHaveLength(2);
    expect(s.runner.active).toBe(1);
  });

  it("keeps triggers apart: a run of one does not block another", () => {
    const s = setup([cron("* * * * *", { name: "a" }), cron("* * * * *", { name: "b" })]);
    s.runner.receive(s.tick("a"));
    s.runner.receive(s.tick("b"));
    expect(s.started.map((r) => r.tick.trigger)).toEqual(["a", "b"]);
    expect(s.counters.triggersSkipped.overlap).toBe(0);
  });

  it("queue: runs one waiting tick after the current run, the newest replacing an older one", async () => {
    const s = setup([cron("* * * * *", { name: "t", overlap: "queue" })]);
    const first = s.tick("t");
    const second = s.tick("t");
    const third = s.tick("t");
    s.runner.receive(first);
    s.runner.receive(second);
    s.runner.receive(third);
    expect(s.started).toHaveLength(1);
    expect(s.counters.triggersSkipped.overlap).toBe(1);
    s.started[0]?.done.resolve();
    await s.clock.advance(0);
    expect(s.started.map((r) => r.tick)).toEqual([first, third]);
    s.started[1]?.done.resolve();
    await s.clock.advance(0);
    expect(s.started).toHaveLength(2);
    expect(s.runner.active).toBe(0);
  });

  it("queue: a run that fails still lets the waiting tick run", async () => {
    const s = setup([cron("* * * * *", { name: "t", overlap: "queue" })]);
    s.runner.receive(s.tick("t"));
    s.runner.receive(s.tick("t"));
    s.started[0]?.done.reject(new Error("boom"));
    await s.clock.advance(0);
    expect(s.errors.map((e) => (e.error as Error).message)).toEqual(["boom"]);
    expect(s.started).toHaveLength(2);
  });

  it("allow: runs ticks side by side", () => {
    const s = setup([cron("* * * * *", { name: "t", overlap: "allow" })]);
    for (let i = 0; i < 3; i++) s.runner.receive(s.tick("t"));
    expect(s.started).toHaveLength(3);
    expect(s.runner.active).toBe(3);
    expect(s.counters.triggersSkipped.overlap).toBe(0);
  });

  it("runs a tick of an unknown trigger with the default policy (skip, no timeout)", async () => {
    const s = setup();
    s.runner.receive(s.tick("elsewhere"));
    s.runner.receive(s.tick("elsewhere"));
    expect(s.started).toHaveLength(1);
    expect(s.counters.triggersSkipped.overlap).toBe(1);
    await s.clock.advance(365 * 86_400_000);
    expect(s.hung).toEqual([]);
    expect(s.started[0]?.signal.aborted).toBe(false);
  });
});

describe("CronRunner: runs that return without a promise", () => {
  function syncRunner(triggers: ResolvedTrigger[]) {
    const clock = new ManualClock(0);
    const counters = new AgentCounters();
    const ran: string[] = [];
    const durations: number[] = [];
    const byName = new Map(triggers.map((t) => [t.name, t]));
    const runner = new CronRunner({
      clock,
      counters,
      run: (tick) => void ran.push(tick.key),
      lookup: (name) => byName.get(name),
      durations: { observe: (seconds) => void durations.push(seconds) },
      onHung: () => undefined,
      onError: () => undefined,
    });
    const tick = (trigger: string, n: number): TickMessage => ({ agent: "job", trigger, scheduledAt: n, firedAt: n, key: `${trigger}#${n}` });
    return { runner, counters, ran, durations, tick };
  }

  it("end in the next microtask: a tick of the same trigger in the same turn meets its overlap policy, one after it runs", async () => {
    const s = syncRunner([cron("* * * * *", { name: "skip", overlap: "skip" }), cron("* * * * *", { name: "queue", overlap: "queue" })]);
    s.runner.receive(s.tick("skip", 1));
    s.runner.receive(s.tick("skip", 2));
    s.runner.receive(s.tick("queue", 1));
    s.runner.receive(s.tick("queue", 2));
    expect(s.ran).toEqual(["skip#1", "queue#1"]);
    expect(s.counters.triggersSkipped.overlap).toBe(1);
    expect(s.runner.active).toBe(2);
    await Promise.resolve();
    expect(s.ran).toEqual(["skip#1", "queue#1", "queue#2"]);
    await Promise.resolve();
    expect(s.runner.active).toBe(0);
    s.runner.receive(s.tick("skip", 3));
    expect(s.ran).toContain("skip#3");
    expect(s.durations).toHaveLength(4);
  });

  it("overlap allow: every run of the turn is settled together", async () => {
    const s = syncRunner([cron("* * * * *", { name: "t", overlap: "allow" })]);
    for (let n = 0; n < 3; n++) s.runner.receive(s.tick("t", n));
    expect(s.runner.active).toBe(3);
    await Promise.resolve();
    expect(s.runner.active).toBe(0);
    expect(s.ran).toEqual(["t#0", "t#1", "t#2"]);
  });

  it("a dispose before the microtask leaves nothing to settle", async () => {
    const s = syncRunner([cron("* * * * *", { name: "t" })]);
    s.runner.receive(s.tick("t", 1));
    s.runner.dispose();
    await Promise.resolve();
    expect(s.runner.active).toBe(0);
    expect(s.counters.triggersSkipped["agent-down"]).toBe(0);
  });
});

describe("CronRunner: errors and timeout", () => {
  it("reports a rejected run and a synchronously throwing run through onError", async () => {
    const clock = new ManualClock(0);
    const errors: unknown[] = [];
    const runner = new CronRunner({
      clock,
      counters: new AgentCounters(),
      run: (tick) => {
        if (tick.trigger === "sync") throw new Error("sync failure");
        return Promise.reject(new Error("async failure"));
      },
      lookup: () => undefined,
      onHung: () => undefined,
      onError: (_tick, error) => errors.push(error),
    });
    runner.receive({ agent: "a", trigger: "sync", scheduledAt: 0, firedAt: 0, key: "a:sync:x" });
    runner.receive({ agent: "a", trigger: "async", scheduledAt: 0, firedAt: 0, key: "a:async:x" });
    await clock.advance(0);
    expect(errors.map((e) => (e as Error).message).sort()).toEqual(["async failure", "sync failure"]);
    expect(runner.active).toBe(0);
  });

  it("aborts a run past its trigger's timeout with AGENT_HUNG, reports it once and frees the trigger", async () => {
    const s = setup([cron("* * * * *", { name: "t", overlap: "skip", timeout: 10_000 })]);
    s.runner.receive(s.tick("t"));
    await s.clock.advance(9_999);
    expect(s.hung).toEqual([]);
    await s.clock.advance(1);
    expect(s.hung).toHaveLength(1);
    const { error, tick } = s.hung[0] as { tick: CronTick; error: AgentError };
    expect(error).toBeInstanceOf(AgentError);
    expect(error.code).toBe("AGENT_HUNG");
    expect(error.agent).toBe("job");
    expect(error.message).toMatch(/trigger "t".*10s/);
    expect(tick).toBe(s.started[0]?.tick);
    expect(s.started[0]?.signal.aborted).toBe(true);
    expect(s.started[0]?.signal.reason).toBe(error);
    // The abandoned run no longer blocks the trigger, and its late failure is not reported again.
    s.runner.receive(s.tick("t"));
    expect(s.started).toHaveLength(2);
    s.started[0]?.done.reject(new Error("late"));
    await s.clock.advance(0);
    expect(s.errors).toEqual([]);
    expect(s.hung).toHaveLength(1);
  });

  it("starts the waiting tick once a hung run is abandoned", async () => {
    const s = setup([cron("* * * * *", { name: "t", overlap: "queue", timeout: 5_000 })]);
    s.runner.receive(s.tick("t"));
    s.runner.receive(s.tick("t"));
    await s.clock.advance(5_000);
    expect(s.hung).toHaveLength(1);
    expect(s.started).toHaveLength(2);
  });

  it("clears the timeout of a run that ends in time", async () => {
    const s = setup([cron("* * * * *", { name: "t", timeout: 5_000 })]);
    s.runner.receive(s.tick("t"));
    expect(s.clock.pending).toBe(1);
    s.started[0]?.done.resolve();
    await s.clock.advance(0);
    expect(s.clock.pending).toBe(0);
    await s.clock.advance(10_000);
    expect(s.hung).toEqual([]);
  });
});

describe("CronRunner: dispose", () => {
  it("aborts the runs in flight, drops the waiting tick and clears the timers", async () => {
    const s = setup([cron("* * * * *", { name: "t", overlap: "queue", timeout: 60_000 })]);
    s.runner.receive(s.tick("t"));
    s.runner.receive(s.tick("t"));
    s.runner.dispose();
    s.runner.dispose();
    expect(s.runner.disposed).toBe(true);
    const signal = s.started[0]?.signal as AbortSignal;
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe("AbortError");
    expect(s.counters.triggersSkipped["agent-down"]).toBe(1);
    expect(s.clock.pending).toBe(0);
    s.started[0]?.done.reject(new Error("aborted"));
    await s.clock.advance(120_000);
    expect(s.errors).toEqual([]);
    expect(s.hung).toEqual([]);
    expect(s.started).toHaveLength(1);
  });

  it("does not run ticks that arrive after dispose, and counts them agent-down", () => {
    const s = setup();
    s.runner.dispose();
    s.runner.receive(s.tick("t"));
    expect(s.started).toEqual([]);
    expect(s.counters.triggersSkipped["agent-down"]).toBe(1);
  });

  it("rejects bad options", () => {
    expect(
      () =>
        new CronRunner({
          counters: new AgentCounters(),
          run: undefined as unknown as () => void,
          lookup: () => undefined,
          onHung: () => undefined,
          onError: () => undefined,
        }),
    ).toThrow(/`run`/);
    expect(
      () =>
        new CronRunner({
          counters: new AgentCounters(),
          run: () => undefined,
          lookup: () => undefined,
          onHung: "no" as unknown as () => void,
          onError: () => undefined,
        }),
    ).toThrow(expect.objectContaining({ name: "ConfigError", code: "INVALID_OPTION", message: 'CronRunner: expected `onHung` to be a function, got "no"' }));
  });
});
