import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/clock.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { LifecycleError } from "../../src/errors/LifecycleError.js";
import { Scheduler } from "../../src/schedule/Scheduler.js";
import type { CronTick, ResolvedTrigger } from "../../src/schedule/ScheduleSpec.js";
import { AgentCounters } from "../../src/stats/AgentCounters.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { at, cron, delay, every, harness, iso, recordingLogger, stepTo } from "../helpers/schedule/harness.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

describe("Scheduler: fire times", () => {
  it("fires a 5-field cron trigger on each slot strictly after start, with the tick's key and times", async () => {
    const h = harness("2026-01-01T00:00:30Z");
    h.scheduler.add("feed", cron("* * * * *", { name: "minutely" }));
    h.scheduler.start();
    await h.clock.advance(3 * MINUTE);
    expect(h.slots()).toEqual(["2026-01-01T00:01:00.000Z", "2026-01-01T00:02:00.000Z", "2026-01-01T00:03:00.000Z"]);
    expect(h.ticks[0]).toEqual({
      agent: "feed",
      trigger: "minutely",
      scheduledAt: Date.parse("2026-01-01T00:01:00Z"),
      firedAt: Date.parse("2026-01-01T00:01:00Z"),
      key: "feed:minutely:2026-01-01T00:01:00.000Z",
    });
    expect(h.counters("feed").triggersFired).toBe(3);
    expect(h.lateness.count).toBe(3);
    expect(h.lateness.sum).toBe(0);
  });

  it("does not fire a cron slot equal to the arming instant", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("feed", cron("* * * * *"));
    h.scheduler.start();
    await h.clock.advance(MINUTE);
    expect(h.slots()).toEqual(["2026-01-01T00:01:00.000Z"]);
  });

  it("fires a 6-field cron trigger (seconds first)", async () => {
    const h = harness("2026-01-01T00:00:00.250Z");
    h.scheduler.add("fast", cron("*/20 * * * * *"));
    h.scheduler.start();
    await h.clock.advance(MINUTE);
    expect(h.slots()).toEqual(["2026-01-01T00:00:20.000Z", "2026-01-01T00:00:40.000Z", "2026-01-01T00:01:00.000Z"]);
  });

  it("reads a cron expression in the trigger's time zone", async () => {
    const h = harness("2026-01-05T00:00:00Z");
    h.scheduler.add("report", cron("0 17 * * 1-5", { timezone: "America/New_York" }));
    h.scheduler.start();
    expect(h.scheduler.nextFireAt("report")).toBe(Date.parse("2026-01-05T22:00:00Z"));
    await h.clock.advanceTo(Date.parse("2026-01-05T22:00:00Z"));
    expect(h.slots()).toEqual(["2026-01-05T22:00:00.000Z"]);
  });

  it("uses the scheduler's default zone for cron triggers that name none", async () => {
    const h = harness("2026-07-01T00:00:00Z", { timezone: "Europe/London" });
    h.scheduler.add("report", cron("0 9 * * *"));
    h.scheduler.start();
    expect(iso(h.scheduler.nextFireAt("report") as number)).toBe("2026-07-01T08:00:00.000Z");
  });

  it("fires `every` on multiples of its period since the epoch, the first strictly after start", async () => {
    const h = harness("2026-01-01T12:00:07Z");
    h.scheduler.add("pnl", every(15_000));
    h.scheduler.start();
    await h.clock.advance(40_000);
    expect(h.slots()).toEqual(["2026-01-01T12:00:15.000Z", "2026-01-01T12:00:30.000Z", "2026-01-01T12:00:45.000Z"]);
  });

  it("fires an `at` trigger once at its instant, also when it equals the start", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("rebalance", at("2026-01-01T00:05:00Z"));
    h.scheduler.add("now", at("2026-01-01T00:00:00Z"));
    h.scheduler.start();
    await h.clock.advance(10 * MINUTE);
    expect(h.ticks.map((t) => `${t.agent} ${iso(t.scheduledAt)}`)).toEqual(["now 2026-01-01T00:00:00.000Z", "rebalance 2026-01-01T00:05:00.000Z"]);
    expect(h.scheduler.nextFireAt("rebalance")).toBeUndefined();
  });

  it("skips an `at` already past with a warning and a `past` count", async () => {
    const h = harness("2026-06-01T00:00:00Z");
    h.scheduler.add("rebalance", at("2026-05-01T00:00:00Z", { name: "may" }));
    h.scheduler.start();
    await h.clock.advance(DAY);
    expect(h.ticks).toEqual([]);
    expect(h.counters("rebalance").triggersSkipped.past).toBe(1);
    const warning = h.logs.find((entry) => entry.level === "warn");
    expect(warning?.fields).toMatchObject({ agent: "rebalance", trigger: "may", at: "2026-05-01T00:00:00.000Z" });
    expect(h.scheduler.nextFireAt("rebalance")).toBeUndefined();
  });

  it("counts a `delay` from start(), or from add() when added after start", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("warmup", delay(30_000));
    await h.clock.advance(10_000);
    h.scheduler.start();
    await h.clock.advance(20_000);
    h.scheduler.add("late", delay(5_000));
    await h.clock.advance(60_000);
    expect(h.ticks.map((t) => `${t.agent} ${iso(t.scheduledAt)}`)).toEqual([
      "late 2026-01-01T00:00:35.000Z",
      "warmup 2026-01-01T00:00:40.000Z",
    ]);
  });

  it("fires every trigger sharing a schedule on each slot, with one clock timer", async () => {
    const h = harness("2026-01-01T00:00:00.500Z");
    for (let i = 0; i < 500; i++) h.scheduler.add(`agent${i}`, cron("* * * * * *"));
    for (let i = 0; i < 500; i++) h.scheduler.add(`agent${i}`, every(1_000));
    h.scheduler.start();
    expect(h.clock.pending).toBe(1);
    await h.clock.advance(3_000);
    expect(h.ticks).toHaveLength(3_000);
    expect(new Set(h.ticks.map((t) => t.key)).size).toBe(3_000);
    expect(new Set(h.ticks.map((t) => t.scheduledAt)).size).toBe(3);
    expect(h.counters("agent7").triggersFired).toBe(6);
    expect(h.clock.pending).toBe(1);
  });

  it("treats equivalent cron spellings alike", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("a", cron("*/1 * * * *"));
    h.scheduler.add("b", cron("0 * * * * *"));
    h.scheduler.add("c", cron("0-59 * * * *"));
    h.scheduler.start();
    await h.clock.advance(2 * MINUTE);
    expect(h.ticks.map((t) => `${t.agent} ${iso(t.scheduledAt)}`).sort()).toEqual([
      "a 2026-01-01T00:01:00.000Z",
      "a 2026-01-01T00:02:00.000Z",
      "b 2026-01-01T00:01:00.000Z",
      "b 2026-01-01T00:02:00.000Z",
      "c 2026-01-01T00:01:00.000Z",
      "c 2026-01-01T00:02:00.000Z",
    ]);
  });

  it("resolves `H` fields per trigger, the same way on every instance", () => {
    const first = harness("2026-01-01T00:00:00Z");
    const second = harness("2026-01-01T00:00:00Z");
    for (const h of [first, second]) {
      h.scheduler.add("a", cron("H H * * *", { name: "hashed" }));
      h.scheduler.add("b", cron("H H * * *", { name: "hashed" }));
      h.scheduler.start();
    }
    expect(first.scheduler.nextFireAt("a")).toBe(second.scheduler.nextFireAt("a"));
    expect(first.scheduler.nextFireAt("b")).toBe(second.scheduler.nextFireAt("b"));
    expect(first.scheduler.nextFireAt("a")).not.toBe(first.scheduler.nextFireAt("b"));
  });

  it("does not mistake the H of a day name for a hashed field", () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("a", cron("0 9 * * THU"));
    h.scheduler.add("b", cron("0 9 * * THU"));
    h.scheduler.start();
    expect(iso(h.scheduler.nextFireAt("a") as number)).toBe("2026-01-01T09:00:00.000Z");
    expect(h.scheduler.nextFireAt("b")).toBe(h.scheduler.nextFireAt("a"));
  });
});

describe("Scheduler: far dates and the wait cap", () => {
  it("fires an `at` 60 days ahead exactly once at its instant, never waiting more than 30 s at a time", async () => {
    const start = Date.parse("2026-01-01T00:00:00Z");
    const target = start + 60 * DAY;
    const delays: number[] = [];
    const h = harness(start, {
      wrap: (clock) => ({
        now: () => clock.now(),
        setTimeout: (fn, ms) => {
          delays.push(ms);
          return clock.setTimeout(fn, ms);
        },
        clearTimeout: (handle) => clock.clearTimeout(handle),
      }),
    });
    h.scheduler.add("rebalance", at(target));
    h.scheduler.start();
    expect(h.scheduler.nextFireAt("rebalance")).toBe(target);
    await stepTo(h.clock, start + 10 * MINUTE, () => {
      expect((h.clock.nextTimerAt() as number) - h.clock.now()).toBeLessThanOrEqual(30_000);
    });
    expect(h.ticks).toEqual([]);
    h.clock.jump(target - 1 - h.clock.now());
    await h.clock.runDue();
    await h.clock.advance(0);
    expect(h.ticks).toEqual([]);
    expect(h.clock.nextTimerAt()).toBe(target);
    await h.clock.advance(1);
    expect(h.slots()).toEqual([iso(target)]);
    expect(h.ticks[0]?.firedAt).toBe(target);
    await stepTo(h.clock, target + HOUR);
    expect(h.ticks).toHaveLength(1);
    expect(Math.max(...delays)).toBeLessThanOrEqual(30_000);
    expect(delays.length).toBeGreaterThan(20);
  });

  it("never arms its timer more than 30 s ahead, and an hourly trigger fires on the hour", async () => {
    const h = harness("2026-01-01T00:00:10Z");
    h.scheduler.add("hourly", cron("0 * * * *"));
    h.scheduler.start();
    let wakes = 0;
    await stepTo(h.clock, Date.parse("2026-01-01T02:00:00Z"), () => {
      wakes++;
      const next = h.clock.nextTimerAt() as number;
      expect(next - h.clock.now()).toBeLessThanOrEqual(30_000);
      expect(next - h.clock.now()).toBeGreaterThan(0);
    });
    expect(wakes).toBeGreaterThanOrEqual(2 * 120 - 1);
    expect(h.slots()).toEqual(["2026-01-01T01:00:00.000Z", "2026-01-01T02:00:00.000Z"]);
  });

  it("honours a custom maxWait", async () => {
    const h = harness("2026-01-01T00:00:00Z", { maxWait: 5_000 });
    h.scheduler.add("hourly", cron("0 * * * *"));
    h.scheduler.start();
    expect(h.clock.nextTimerAt()).toBe(Date.parse("2026-01-01T00:00:05Z"));
  });

  it("does not fire when its timer wakes early, and fires once the slot comes", async () => {
    const early: number[] = [];
    const h = harness("2026-01-01T00:00:00Z", {
      wrap: (clock): Clock => ({
        now: () => clock.now(),
        // A timer that wakes 40% early, as a coarse or drifting timer would.
        setTimeout: (fn, ms) => clock.setTimeout(fn, ms > 10 ? ms * 0.6 : ms),
        clearTimeout: (handle) => clock.clearTimeout(handle),
      }),
    });
    h.scheduler.add("feed", cron("*/10 * * * * *"));
    h.scheduler.start();
    await stepTo(h.clock, Date.parse("2026-01-01T00:01:00Z"), () => {
      early.push(h.clock.now());
    });
    expect(h.slots()).toEqual([10, 20, 30, 40, 50, 60].map((s) => iso(Date.parse("2026-01-01T00:00:00Z") + s * 1_000)));
    for (const tick of h.ticks) expect(tick.firedAt).toBeGreaterThanOrEqual(tick.scheduledAt);
    expect(early.filter((t) => t % 10_000 !== 0).length).toBeGreaterThan(6);
  });
});

describe("Scheduler: stalls, misfires and clock jumps", () => {
  for (const kind of ["cron", "every"] as const) {
    const make = (misfire: "skip" | "once", misfireGrace: number): ResolvedTrigger =>
      kind === "cron" ? cron("* * * * * *", { misfire, misfireGrace }) : every(1_000, { misfire, misfireGrace });

    it(`skips the slots of a 10-minute stall under misfire 'skip' (${kind})`, async () => {
      const h = harness("2026-01-01T00:00:00Z");
      h.scheduler.add("feed", make("skip", 200));
      h.scheduler.start();
      await h.clock.advance(5_000);
      expect(h.ticks).toHaveLength(5);
      h.clock.jump(10 * MINUTE + 500);
      await h.clock.runDue();
      expect(h.ticks).toHaveLength(5);
      expect(h.counters("feed").triggersSkipped.misfire).toBe(600);
      const warning = h.logs.find((entry) => entry.level === "warn");
      expect(warning?.fields).toMatchObject({ slots: 600, triggers: 1, atLeast: false });
      await h.clock.advance(2_000);
      expect(h.slots().slice(5)).toEqual(["2026-01-01T00:10:06.000Z", "2026-01-01T00:10:07.000Z"]);
      expect(h.counters("feed").triggersSkipped.misfire).toBe(600);
    });

    it(`fires the latest slot of a stall when it is still within misfireGrace (${kind})`, async () => {
      const h = harness("2026-01-01T00:00:00Z");
      h.scheduler.add("feed", make("skip", 1_000));
      h.scheduler.start();
      await h.clock.advance(5_000);
      h.clock.jump(10 * MINUTE + 500);
      await h.clock.runDue();
      expect(h.slots().slice(5)).toEqual(["2026-01-01T00:10:05.000Z"]);
      expect(h.counters("feed").triggersSkipped.misfire).toBe(599);
    });

    it(`folds the slots of a 10-minute stall into one tick under misfire 'once' (${kind})`, async () => {
      const h = harness("2026-01-01T00:00:00Z");
      h.scheduler.add("feed", make("once", 200));
      h.scheduler.start();
      await h.clock.advance(5_000);
      h.clock.jump(10 * MINUTE + 300);
      await h.clock.runDue();
      expect(h.ticks).toHaveLength(6);
      const folded = h.ticks[5] as CronTick;
      expect(iso(folded.scheduledAt)).toBe("2026-01-01T00:10:05.000Z");
      expect(iso(folded.firedAt)).toBe("2026-01-01T00:10:05.300Z");
      expect(folded.key).toBe(`feed:${kind === "cron" ? "cron:* * * * * *" : "every:1000"}:2026-01-01T00:10:05.000Z`);
      expect(h.counters("feed").triggersSkipped.misfire).toBe(599);
      await h.clock.advance(2_000);
      expect(h.slots().slice(6)).toEqual(["2026-01-01T00:10:06.000Z", "2026-01-01T00:10:07.000Z"]);
    });
  }

  it("counts the missed slots of a day-long stall arithmetically for `every`", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("feed", every(1, { misfire: "skip", misfireGrace: 0 }));
    h.scheduler.start();
    await h.clock.advance(3);
    h.clock.jump(DAY);
    await h.clock.runDue();
    expect(h.ticks).toHaveLength(4);
    expect(h.counters("feed").triggersSkipped.misfire).toBe(DAY - 1);
  });

  it("bounds the counting of a long cron stall and still folds it into one tick", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("feed", cron("* * * * * *", { misfire: "once" }));
    h.scheduler.start();
    h.clock.jump(2 * HOUR + 500);
    await h.clock.runDue();
    expect(h.slots()).toEqual(["2026-01-01T02:00:00.000Z"]);
    const skipped = h.counters("feed").triggersSkipped.misfire;
    expect(skipped).toBeGreaterThanOrEqual(1_000);
    expect(skipped).toBeLessThan(7_200);
    expect(h.logs.find((entry) => entry.level === "warn")?.fields).toMatchObject({ atLeast: true });
    await h.clock.advance(1_000);
    expect(h.slots()).toEqual(["2026-01-01T02:00:00.000Z", "2026-01-01T02:00:01.000Z"]);
  });

  it("fires a slot found late within misfireGrace, and skips one found past it", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("lenient", every(MINUTE, { misfireGrace: 5_000 }));
    h.scheduler.add("strict", every(MINUTE, { misfireGrace: 1_000 }));
    h.scheduler.start();
    h.clock.jump(MINUTE + 3_000);
    await h.clock.runDue();
    expect(h.ticks.map((t) => t.agent)).toEqual(["lenient"]);
    expect(h.ticks[0]?.firedAt).toBe(Date.parse("2026-01-01T00:01:03Z"));
    expect(h.lateness.sum).toBeCloseTo(3);
    expect(h.counters("strict").triggersSkipped.misfire).toBe(1);
  });

  it("notices a forward wall-clock jump within one wait and resumes on the new time", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("report", cron("0 * * * *", { misfire: "once" }));
    h.scheduler.start();
    h.clock.jump(3 * HOUR + 10 * MINUTE);
    await h.clock.advance(30_000);
    expect(h.slots()).toEqual(["2026-01-01T03:00:00.000Z"]);
    expect(h.counters("report").triggersSkipped.misfire).toBe(2);
    expect(h.scheduler.nextFireAt("report")).toBe(Date.parse("2026-01-01T04:00:00Z"));
  });

  it("never fires a slot twice after the wall clock moves backwards", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("feed", every(1_000));
    h.scheduler.add("cron", cron("* * * * * *"));
    h.scheduler.start();
    await h.clock.advance(10_000);
    expect(h.ticks).toHaveLength(20);
    h.clock.jump(-6_000);
    await stepTo(h.clock, h.clock.now() + 12_000);
    const keys = h.ticks.map((t) => t.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const agent of ["feed", "cron"]) {
      const slots = h.ticks.filter((t) => t.agent === agent).map((t) => t.scheduledAt);
      for (let i = 1; i < slots.length; i++) expect(slots[i]).toBeGreaterThan(slots[i - 1] as number);
      expect(iso(slots[slots.length - 1] as number)).toBe("2026-01-01T00:00:16.000Z");
      expect(slots).toHaveLength(16);
    }
  });
});

describe("Scheduler: agents, handles and lifecycle", () => {
  it("skips the slots of an inactive agent as agent-down, without a backlog once it is back", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("a", every(1_000));
    h.scheduler.add("b", every(1_000));
    h.scheduler.start();
    h.down.add("b");
    await h.clock.advance(5_000);
    expect(h.counters("b").triggersSkipped["agent-down"]).toBe(5);
    h.down.delete("b");
    await h.clock.advance(1_000);
    expect(h.slots("b")).toEqual(["2026-01-01T00:00:06.000Z"]);
    expect(h.slots("a")).toHaveLength(6);
    expect(h.counters("a").triggersSkipped["agent-down"]).toBe(0);
  });

  it("cancel() stops one trigger and leaves the others of its schedule alone", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    const a = h.scheduler.add("a", every(1_000));
    h.scheduler.add("b", every(1_000));
    h.scheduler.start();
    await h.clock.advance(2_000);
    a.cancel();
    a.cancel();
    await h.clock.advance(2_000);
    expect(h.slots("a")).toHaveLength(2);
    expect(h.slots("b")).toHaveLength(4);
    expect(h.scheduler.nextFireAt("a")).toBeUndefined();
    expect(h.scheduler.trigger("a", "every:1000")).toBeUndefined();
  });

  it("drops its timer once every trigger is cancelled", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    const handle = h.scheduler.add("a", cron("0 * * * *"));
    h.scheduler.start();
    handle.cancel();
    await h.clock.advance(30_000);
    expect(h.clock.pending).toBe(0);
  });

  it("cancel() before start() keeps the trigger from ever arming", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("a", every(1_000)).cancel();
    h.scheduler.start();
    await h.clock.advance(5_000);
    expect(h.ticks).toEqual([]);
    expect(h.clock.pending).toBe(0);
  });

  it("arms a trigger added after start from the moment it is added", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("a", cron("0 * * * *"));
    h.scheduler.start();
    await h.clock.advance(90_500);
    h.scheduler.add("b", cron("* * * * * *"));
    h.scheduler.add("c", cron("0 * * * *"));
    expect(h.scheduler.nextFireAt("b")).toBe(Date.parse("2026-01-01T00:01:31Z"));
    await h.clock.advance(2_000);
    expect(h.slots("b")).toEqual(["2026-01-01T00:01:31.000Z", "2026-01-01T00:01:32.000Z"]);
    await h.clock.advanceTo(Date.parse("2026-01-01T01:00:00Z"));
    expect(h.slots("c")).toEqual(["2026-01-01T01:00:00.000Z"]);
    expect(h.slots("a")).toEqual(["2026-01-01T01:00:00.000Z"]);
  });

  it("stop() clears the timer: nothing fires afterwards", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("a", every(1_000));
    h.scheduler.start();
    await h.clock.advance(2_000);
    h.scheduler.stop();
    h.scheduler.stop();
    expect(h.clock.pending).toBe(0);
    await h.clock.advance(10_000);
    expect(h.ticks).toHaveLength(2);
    expect(h.scheduler.running).toBe(false);
    expect(h.scheduler.nextFireAt("a")).toBeUndefined();
    expect(h.scheduler.trigger("a", "every:1000")?.kind).toBe("every");
    expect(() => h.scheduler.add("b", every(1_000))).toThrow(LifecycleError);
    expect(() => h.scheduler.start()).toThrow(expect.objectContaining({ code: "SHUT_DOWN" }));
  });

  it("refuses a second start()", () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.start();
    expect(() => h.scheduler.start()).toThrow(expect.objectContaining({ code: "ALREADY_STARTED" }));
  });

  it("stops the fan-out when fire() stops the scheduler", async () => {
    const ref: { scheduler?: Scheduler } = {};
    const h = harness("2026-01-01T00:00:00Z", { fire: () => ref.scheduler?.stop() });
    ref.scheduler = h.scheduler;
    h.scheduler.add("a", every(1_000));
    h.scheduler.add("b", every(1_000));
    h.scheduler.start();
    await h.clock.advance(5_000);
    expect(h.ticks).toHaveLength(1);
  });

  it("lets fire() cancel a trigger later in the same fan-out", async () => {
    const handles: Array<{ cancel(): void }> = [];
    const h = harness("2026-01-01T00:00:00Z", { fire: (tick) => tick.agent === "a" && handles[1]?.cancel() });
    handles.push(h.scheduler.add("a", every(1_000)), h.scheduler.add("b", every(1_000)), h.scheduler.add("c", every(1_000)));
    h.scheduler.start();
    await h.clock.advance(2_000);
    expect(h.ticks.map((t) => t.agent)).toEqual(["a", "c", "a", "c"]);
  });

  it("fires a one-shot added from fire() for the current instant on the next wake-up", async () => {
    const ref: { scheduler?: Scheduler } = {};
    const h = harness("2026-01-01T00:00:00Z", {
      fire: (tick) => {
        if (tick.agent === "a") ref.scheduler?.add("b", at(tick.scheduledAt, { name: "follow-up" }));
      },
    });
    ref.scheduler = h.scheduler;
    h.scheduler.add("a", at("2026-01-01T00:00:01Z"));
    h.scheduler.start();
    await h.clock.advance(1_000);
    expect(h.ticks.map((t) => `${t.agent} ${iso(t.scheduledAt)}`)).toEqual(["a 2026-01-01T00:00:01.000Z", "b 2026-01-01T00:00:01.000Z"]);
  });

  it("logs a fire() that throws and goes on with the other triggers", async () => {
    const h = harness("2026-01-01T00:00:00Z", {
      fire: (tick) => {
        if (tick.agent === "a") throw new Error("publish failed");
      },
    });
    h.scheduler.add("a", every(1_000));
    h.scheduler.add("b", every(1_000));
    h.scheduler.start();
    await h.clock.advance(2_000);
    expect(h.slots("b")).toHaveLength(2);
    expect(h.logs.filter((entry) => entry.level === "error")).toHaveLength(2);
  });

  it("puts the error of a failing trigger under `err` in its log line (the key loggers serialise), never `error`", async () => {
    const h = harness("2026-01-01T00:00:00Z", {
      fire: () => {
        throw new Error("publish failed");
      },
    });
    h.scheduler.add("a", every(1_000));
    h.scheduler.start();
    await h.clock.advance(1_000);
    const line = h.logs.find((entry) => entry.level === "error");
    expect(line?.message).toBe("scheduler: fire() threw");
    expect(line?.fields).toMatchObject({ agent: "a", trigger: "every:1000", err: expect.objectContaining({ message: "publish failed" }) as unknown });
    expect(line?.fields).not.toHaveProperty("error");

    // isActive() and counters() that throw: the same key, whatever was thrown (the orchestrator's
    // guarded logger makes the field safe to serialise: test/hostileThrown.test.ts)
    const { logger, entries } = recordingLogger();
    const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
    const scheduler = new Scheduler({
      clock,
      logger,
      timezone: "UTC",
      isActive: () => {
        throw "down"; // eslint-disable-line @typescript-eslint/only-throw-error
      },
      counters: () => {
        throw new Error("no counters");
      },
      fire: () => undefined,
    });
    scheduler.add("b", every(1_000));
    scheduler.start();
    await clock.advance(1_000);
    const errors = entries.filter((entry) => entry.level === "error");
    expect(errors.map((entry) => entry.message)).toEqual([
      "scheduler: counters() threw; this slot is not counted",
      "scheduler: isActive() threw; the slot is skipped",
    ]);
    for (const entry of errors) expect(entry.fields).not.toHaveProperty("error");
    expect((errors[0]?.fields["err"] as Error).message).toBe("no counters");
    expect(errors[1]?.fields["err"]).toBe("down");
  });

  it("reports the next fire time of an agent across its triggers", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    h.scheduler.add("a", cron("0 * * * *"));
    h.scheduler.add("a", every(10 * MINUTE));
    h.scheduler.add("a", delay(2 * MINUTE));
    expect(h.scheduler.nextFireAt("a")).toBeUndefined();
    h.scheduler.start();
    expect(iso(h.scheduler.nextFireAt("a") as number)).toBe("2026-01-01T00:02:00.000Z");
    await h.clock.advance(2 * MINUTE);
    expect(iso(h.scheduler.nextFireAt("a") as number)).toBe("2026-01-01T00:10:00.000Z");
    expect(h.scheduler.nextFireAt("nobody")).toBeUndefined();
  });

  it("looks triggers up by name, spent one-shots included, and lists the live names", async () => {
    const h = harness("2026-01-01T00:00:00Z");
    const report = cron("0 17 * * *", { name: "report", timeout: 60_000 });
    h.scheduler.add("a", report);
    h.scheduler.add("a", delay(1_000, { name: "warmup" }));
    h.scheduler.start();
    expect(h.scheduler.triggerNames("a").sort()).toEqual(["report", "warmup"]);
    await h.clock.advance(1_000);
    expect(h.scheduler.trigger("a", "report")).toBe(report);
    expect(h.scheduler.trigger("a", "warmup")?.kind).toBe("delay");
    expect(h.scheduler.triggerNames("a")).toEqual(["report"]);
    expect(h.scheduler.size).toBe(2);
    h.scheduler.add("a", delay(1_000, { name: "warmup" }));
    expect(h.scheduler.triggerNames("a").sort()).toEqual(["report", "warmup"]);
  });
});

describe("Scheduler: bad input", () => {
  const h = harness("2026-01-01T00:00:00Z");

  it("rejects a cron expression with the wrong number of fields, naming the key path", () => {
    expect(() => h.scheduler.add("a", cron("* * *", { name: "t" }))).toThrow(ConfigError);
    expect(() => h.scheduler.add("a", cron("* * *", { name: "t" }))).toThrow(/schedule\.a\[t\]\.cron.*5 fields/);
  });

  it("rejects a malformed cron expression with the reason in its own words: the field, the value and the allowed range", () => {
    expect(() => h.scheduler.add("a", cron("61 * * * *", { name: "t" }))).toThrow(/schedule\.a\[t\]\.cron.*"61 \* \* \* \*".*0-59/);
    expect(() => h.scheduler.add("a", cron("61 * * * *", { name: "t" }))).toThrow(
      'schedule.a[t].cron: invalid cron expression "61 * * * *": the minute field "61": 61 is out of range; minutes are 0-59',
    );
    expect(() => h.scheduler.add("a", cron("0 0 30 2 *", { name: "t" }))).toThrow(ConfigError);
    expect(() => h.scheduler.add("a", cron("0 0 30 2 *", { name: "t" }))).toThrow(/day 30 never comes in February/);
  });

  it("rejects an unknown time zone", () => {
    expect(() => h.scheduler.add("a", cron("* * * * *", { name: "t", timezone: "Mars/Olympus" }))).toThrow(/schedule\.a\[t\]\.timezone.*"Mars\/Olympus"/);
  });

  it("rejects a malformed trigger, naming the field and the value", () => {
    expect(() => h.scheduler.add("a", { ...every(1_000), every: 0 } as ResolvedTrigger)).toThrow(/`every`.*positive.*got 0/);
    expect(() => h.scheduler.add("a", { ...every(1_000), misfire: "never" } as unknown as ResolvedTrigger)).toThrow(/`misfire`.*skip, once.*"never"/);
    expect(() => h.scheduler.add("", every(1_000))).toThrow(/agent name/);
  });

  it("rejects a second live trigger with the same name for one agent", () => {
    h.scheduler.add("dup", every(1_000, { name: "x" }));
    expect(() => h.scheduler.add("dup", every(2_000, { name: "x" }))).toThrow(/already has a trigger named "x"/);
    h.scheduler.add("other", every(2_000, { name: "x" }));
  });

  it("rejects bad options with a ConfigError INVALID_OPTION naming the option", () => {
    const counters = () => new AgentCounters();
    const fire = () => undefined;
    const invalid = (option: string): Error =>
      expect.objectContaining({ name: "ConfigError", code: "INVALID_OPTION", message: expect.stringContaining(`Scheduler: expected \`${option}\``) as string }) as Error;
    expect(() => new Scheduler({ counters, fire, maxWait: 0 })).toThrow(/`maxWait`/);
    expect(() => new Scheduler({ counters, fire, maxWait: 0 })).toThrow(invalid("maxWait"));
    expect(() => new Scheduler({ counters, fire, maxWait: Number.NaN })).toThrow(invalid("maxWait"));
    expect(() => new Scheduler({ counters, fire, timezone: "Nowhere/Land" })).toThrow(/`timezone`/);
    expect(() => new Scheduler({ counters, fire, timezone: "Nowhere/Land" })).toThrow(invalid("timezone"));
    expect(() => new Scheduler({ counters, fire: undefined as unknown as () => void })).toThrow(/`fire`/);
    expect(() => new Scheduler({ counters, fire: undefined as unknown as () => void })).toThrow(invalid("fire"));
    expect(() => new Scheduler({ counters: 1 as unknown as () => AgentCounters, fire })).toThrow(invalid("counters"));
    expect(() => new Scheduler({ counters, fire, clock: {} as Clock })).toThrow(invalid("clock"));
    expect(new Scheduler({ counters, fire, clock: new ManualClock(0) }).running).toBe(false);
  });
});
