import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors/ConfigError.js";
import type { CatchupPolicy, DeliveryPolicy, ResolvedTrigger } from "../../src/schedule/ScheduleSpec.js";
import { catchupPlan, DEFAULT_MAX_CATCHUP_RUNS, type CatchupInput } from "../../src/state/catchupPlan.js";
import type { RunningSlot, TriggerRecord } from "../../src/state/TriggerStore.js";
import { at, cron, delay, every, iso } from "../helpers/schedule/harness.js";

const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse("2026-05-04T16:00:00Z");

/** `trigger` with a catch-up policy and a delivery policy. */
function policy(trigger: ResolvedTrigger, catchup?: CatchupPolicy, delivery?: DeliveryPolicy): ResolvedTrigger {
  return { ...trigger, ...(catchup === undefined ? {} : { catchup }), ...(delivery === undefined ? {} : { delivery }) };
}

function record(lastSlot: number | undefined, running: RunningSlot[] = []): TriggerRecord {
  return { ...(lastSlot === undefined ? {} : { lastSlot }), running, ran: [] };
}

function plan(trigger: ResolvedTrigger, rec: TriggerRecord | undefined, extra: Partial<CatchupInput> = {}) {
  return catchupPlan({ trigger, record: rec, now: NOW, instance: "host-a", shared: false, ...extra });
}

describe("catchupPlan: missed slots and the window", () => {
  const minute = every(MINUTE);

  it("a slot exactly at now - window is in the window; one a millisecond older is not", () => {
    const all = policy(minute, { window: 5 * MINUTE, runs: "all" });
    const result = plan(all, record(NOW - HOUR));
    expect(result.run.map(iso)).toEqual([5, 4, 3, 2, 1, 0].map((m) => iso(NOW - m * MINUTE)));
    expect(result.downtime).toBe(60 - 6);
    const narrower = plan(policy(minute, { window: 5 * MINUTE - 1, runs: "all" }), record(NOW - HOUR));
    expect(narrower.run).toHaveLength(5);
    expect(narrower.downtime).toBe(60 - 5);
  });

  it("a slot exactly at now is missed (the scheduler armed at now fires only later slots) and runs", () => {
    expect(plan(policy(minute, { window: MINUTE, runs: "latest" }), record(NOW - 10 * MINUTE)).run).toEqual([NOW]);
    const between = catchupPlan({ trigger: policy(minute, { window: MINUTE, runs: "latest" }), record: record(NOW - 10 * MINUTE), now: NOW + 1, instance: "a", shared: false });
    expect(between.run).toEqual([NOW]);
    expect(between.downtime).toBe(9);
  });

  it("window 0 (or no catchup) runs nothing: every missed slot is downtime and lastSlot passes to the latest", () => {
    for (const trigger of [minute, policy(minute, { window: 0, runs: "all" })]) {
      expect(plan(trigger, record(NOW - HOUR))).toEqual({ interrupted: [], retry: [], run: [], downtime: 60, downtimeCapped: false, passTo: NOW });
    }
  });

  it("a window with no missed slot in it runs nothing and passes to the latest missed slot", () => {
    const result = plan(policy(every(HOUR), { window: 30 * MINUTE, runs: "latest" }), record(NOW - 5 * HOUR), { now: NOW + 45 * MINUTE });
    expect(result).toMatchObject({ run: [], downtime: 5, passTo: NOW });
  });

  it("runs: latest runs the most recent slot once; the others in and before the window are downtime", () => {
    const result = plan(policy(minute, { window: 10 * MINUTE, runs: "latest" }), record(NOW - HOUR));
    expect(result).toEqual({ interrupted: [], retry: [], run: [NOW], downtime: 59, downtimeCapped: false, passTo: undefined });
  });

  it("runs: all runs every slot in the window, oldest first", () => {
    const result = plan(policy(minute, { window: 10 * MINUTE, runs: "all" }), record(NOW - HOUR));
    expect(result.run).toHaveLength(11);
    expect(result.run[0]).toBe(NOW - 10 * MINUTE);
    expect(result.run).toEqual([...result.run].sort((a, b) => a - b));
    expect(result.downtime).toBe(49);
    expect(result.passTo).toBeUndefined();
  });

  it("the window never reaches back before lastSlot", () => {
    const result = plan(policy(minute, { window: DAY, runs: "all" }), record(NOW - 3 * MINUTE));
    expect(result.run).toEqual([NOW - 2 * MINUTE, NOW - MINUTE, NOW]);
    expect(result.downtime).toBe(0);
  });

  it("runs: all runs at most maxRuns, the most recent; the older ones count as downtime", () => {
    const result = plan(policy(minute, { window: 10 * MINUTE, runs: "all" }), record(NOW - HOUR), { maxRuns: 3 });
    expect(result.run).toEqual([NOW - 2 * MINUTE, NOW - MINUTE, NOW]);
    expect(result.downtime).toBe(57);
    const byDefault = plan(policy(every(SECOND), { window: DAY, runs: "all" }), record(NOW - DAY));
    expect(byDefault.run).toHaveLength(DEFAULT_MAX_CATCHUP_RUNS);
    expect(byDefault.run[DEFAULT_MAX_CATCHUP_RUNS - 1]).toBe(NOW);
    expect(byDefault.downtime).toBe(DAY / SECOND - DEFAULT_MAX_CATCHUP_RUNS);
  });

  it("a record without lastSlot (or no record) has no missed slots", () => {
    const trigger = policy(minute, { window: HOUR, runs: "all" });
    expect(plan(trigger, undefined)).toEqual({ interrupted: [], retry: [], run: [], downtime: 0, downtimeCapped: false, passTo: undefined });
    expect(plan(trigger, record(undefined))).toEqual({ interrupted: [], retry: [], run: [], downtime: 0, downtimeCapped: false, passTo: undefined });
  });

  it("a lastSlot at or after now (the clock went back) has no missed slots", () => {
    expect(plan(policy(minute, { window: HOUR, runs: "all" }), record(NOW)).run).toEqual([]);
    expect(plan(minute, record(NOW + HOUR))).toMatchObject({ run: [], downtime: 0, passTo: undefined });
  });
});

describe("catchupPlan: downtime counts", () => {
  it("every: exact and O(1) over a gap of years", () => {
    const start = performance.now();
    const result = plan(policy(every(SECOND), { window: MINUTE, runs: "latest" }), record(NOW - 10 * 365 * DAY));
    expect(performance.now() - start).toBeLessThan(100);
    expect(result).toMatchObject({ run: [NOW], downtime: (10 * 365 * DAY) / SECOND - 1, downtimeCapped: false });
  });

  it("cron: counts the missed slots; the count stops at the cap and says so", () => {
    const hourly = cron("0 * * * *", { timezone: "UTC" });
    expect(plan(policy(hourly, { window: HOUR, runs: "latest" }), record(NOW - 3 * DAY))).toMatchObject({ run: [NOW], downtime: 71, downtimeCapped: false });
    expect(plan(hourly, record(NOW - 3 * DAY))).toMatchObject({ run: [], downtime: 72, downtimeCapped: false, passTo: NOW });
    const capped = plan(hourly, record(NOW - 3 * DAY), { downtimeCap: 10 });
    expect(capped).toMatchObject({ run: [], downtime: 10, downtimeCapped: true, passTo: NOW });
    const cappedInWindow = plan(policy(hourly, { window: 3 * DAY, runs: "all" }), record(NOW - 3 * DAY), { downtimeCap: 10, maxRuns: 2 });
    expect(cappedInWindow).toMatchObject({ run: [NOW - HOUR, NOW], downtime: 8, downtimeCapped: true, passTo: undefined });
  });

  it("cron on a spring-forward day in New York: the gap's slot runs at the first instant after the gap", () => {
    const trigger = policy(cron("30 2 * * *", { timezone: "America/New_York" }), { window: 2 * DAY, runs: "all" });
    const result = catchupPlan({
      trigger,
      record: record(Date.parse("2026-03-07T07:30:00Z")), // 02:30 EST on the day before
      now: Date.parse("2026-03-09T12:00:00Z"),
      instance: "a",
      shared: false,
    });
    expect(result.run.map(iso)).toEqual(["2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z"]);
    expect(result.downtime).toBe(0);
  });

  it("cron on a fall-back day in London: a frequent job counts the repeated hour twice, a daily one once", () => {
    const lastSlot = Date.parse("2026-10-24T23:00:00Z"); // midnight BST
    const now = Date.parse("2026-10-25T03:00:00Z"); // 03:00 GMT
    const quarter = cron("*/15 * * * *", { timezone: "Europe/London" });
    // 00:15 … 03:00 local, 01:00–01:45 twice: 4 hours of real time
    expect(catchupPlan({ trigger: quarter, record: record(lastSlot), now, instance: "a", shared: false })).toMatchObject({ downtime: 16, passTo: now });
    const daily = policy(cron("30 1 * * *", { timezone: "Europe/London" }), { window: DAY, runs: "all" });
    expect(catchupPlan({ trigger: daily, record: record(lastSlot), now, instance: "a", shared: false }).run.map(iso)).toEqual(["2026-10-25T00:30:00.000Z"]);
  });

  it("cron with H fields needs the agent, and uses it as the scheduler does", () => {
    const trigger = policy(cron("H * * * *", { timezone: "UTC", name: "sweep" }), { window: HOUR, runs: "latest" });
    expect(() => plan(trigger, record(NOW - DAY))).toThrow(/`agent`/);
    const one = plan(trigger, record(NOW - DAY), { slots: { agent: "ledger" } }).run;
    expect(one).toHaveLength(1);
    expect(one[0]).toBeGreaterThan(NOW - HOUR);
  });
});

describe("catchupPlan: at and delay", () => {
  const window = { window: HOUR, runs: "latest" } as const;

  it("an at before now, inside the window, never run: runs once, even with no record", () => {
    const trigger = policy(at(NOW - 10 * MINUTE), window);
    expect(plan(trigger, undefined)).toEqual({ interrupted: [], retry: [], run: [NOW - 10 * MINUTE], downtime: 0, downtimeCapped: false, passTo: undefined });
    expect(plan(trigger, record(undefined)).run).toEqual([NOW - 10 * MINUTE]);
    expect(plan(trigger, record(NOW - DAY)).run).toEqual([NOW - 10 * MINUTE]);
    expect(plan(policy(at(NOW - HOUR), window), undefined).run).toEqual([NOW - HOUR]);
  });

  it("an at that already ran, outside the window, with window 0, in the future or exactly at now: nothing here", () => {
    expect(plan(policy(at(NOW - 10 * MINUTE), window), record(NOW - 10 * MINUTE)).run).toEqual([]);
    expect(plan(policy(at(NOW - HOUR - 1), window), undefined)).toMatchObject({ run: [], downtime: 0, passTo: undefined });
    expect(plan(at(NOW - 10 * MINUTE), undefined).run).toEqual([]);
    expect(plan(policy(at(NOW + MINUTE), window), undefined).run).toEqual([]);
    // the scheduler armed at now fires it (only an at before now is past)
    expect(plan(policy(at(NOW), window), undefined).run).toEqual([]);
  });

  it("a delay has no missed slot", () => {
    expect(plan(policy(delay(MINUTE), { window: DAY, runs: "all" }), record(NOW - HOUR))).toEqual({
      interrupted: [],
      retry: [],
      run: [],
      downtime: 0,
      downtimeCapped: false,
      passTo: undefined,
    });
  });
});

describe("catchupPlan: dead runs", () => {
  const run = (slot: number, instance: string, attempt = 1, startedAt = slot): RunningSlot => ({ slot, attempt, startedAt, instance });
  const mine = run(NOW - 3 * HOUR, "host-a");
  const youngOther = run(NOW - 2 * HOUR, "host-b", 1, NOW - 5 * MINUTE);
  const oldOther = run(NOW - HOUR, "host-c", 1, NOW - HOUR);
  const running = [mine, youngOther, oldOther];
  const timed: ResolvedTrigger = { ...every(HOUR), timeout: 30 * MINUTE };

  it("not shared: every run of the record is dead, whoever ran it", () => {
    expect(plan(timed, record(NOW - HOUR, running))).toMatchObject({ interrupted: running, retry: [] });
  });

  it("shared: this instance's runs and those past the trigger's timeout are dead; a live instance's young run is left alone", () => {
    expect(plan(timed, record(NOW - HOUR, running), { shared: true })).toMatchObject({ interrupted: [mine, oldOther], retry: [] });
    const noTimeout = every(HOUR);
    expect(plan(noTimeout, record(NOW - HOUR, running), { shared: true })).toMatchObject({ interrupted: [mine], retry: [] });
    const edge = run(NOW - HOUR, "host-c", 1, NOW - 30 * MINUTE);
    expect(plan(timed, record(NOW - HOUR, [edge]), { shared: true }).interrupted).toEqual([]);
  });

  it("at-least-once: a dead first attempt is retried as attempt 2; a dead second attempt is interrupted", () => {
    const trigger = policy(timed, undefined, "at-least-once");
    const second = run(NOW - 2 * HOUR, "host-a", 2);
    expect(plan(trigger, record(NOW - HOUR, [mine, second]))).toMatchObject({ interrupted: [second], retry: [{ slot: mine.slot, attempt: 2 }] });
    expect(plan(policy(timed, undefined, "at-most-once"), record(NOW - HOUR, [mine])).interrupted).toEqual([mine]);
  });

  it("dead runs are found with or without lastSlot, beside the missed slots", () => {
    const trigger = policy(timed, { window: HOUR, runs: "latest" }, "at-least-once");
    expect(plan(trigger, record(undefined, [mine]))).toMatchObject({ retry: [{ slot: mine.slot, attempt: 2 }], run: [] });
    expect(plan(trigger, record(NOW - 3 * HOUR, [mine]))).toMatchObject({ retry: [{ slot: mine.slot, attempt: 2 }], run: [NOW], downtime: 2 });
  });
});

describe("catchupPlan: bad input", () => {
  it("names the option, the value and what was expected", () => {
    expect(() => plan(every(MINUTE), undefined, { maxRuns: 0 })).toThrow(/`maxRuns` to be a positive integer, got 0/);
    expect(() => plan(every(MINUTE), undefined, { downtimeCap: 1.5 })).toThrow(ConfigError);
    expect(() => plan(every(MINUTE), undefined, { now: Number.NaN })).toThrow(/`now`/);
  });
});
