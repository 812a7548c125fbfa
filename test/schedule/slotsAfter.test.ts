import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors/ConfigError.js";
import type { ResolvedTrigger } from "../../src/schedule/ScheduleSpec.js";
import { countSlotsAfter, latestSlotsAfter, slotsAfter } from "../../src/schedule/slotsAfter.js";
import { at, cron, delay, every, harness, iso } from "../helpers/schedule/harness.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The `scheduledAt` of every tick the real scheduler fires for `trigger` between two instants, on a manual clock. */
async function liveSlots(trigger: ResolvedTrigger, zone: string, from: number, to: number, agent = "job"): Promise<string[]> {
  const h = harness(from, { timezone: zone });
  h.scheduler.add(agent, trigger);
  h.scheduler.start();
  await h.clock.advanceTo(to);
  h.scheduler.stop();
  for (const tick of h.ticks) expect(tick.firedAt).toBe(tick.scheduledAt);
  return h.slots();
}

function planned(trigger: ResolvedTrigger, zone: string, from: number, to: number, agent = "job"): string[] {
  const { slots, more } = slotsAfter(trigger, from, to, 100_000, { agent, timezone: zone });
  expect(more).toBe(false);
  return slots.map(iso);
}

interface DstDay {
  zone: string;
  /** The day of the change, UTC midnight. */
  day: string;
}

const DST_DAYS: DstDay[] = [
  { zone: "America/New_York", day: "2026-03-08" }, // 02:00 EST → 03:00 EDT
  { zone: "America/New_York", day: "2026-11-01" }, // 02:00 EDT → 01:00 EST
  { zone: "Europe/London", day: "2026-03-29" }, // 01:00 GMT → 02:00 BST
  { zone: "Europe/London", day: "2026-10-25" }, // 02:00 BST → 01:00 GMT
];

const EXPRESSIONS = [
  "30 2 * * *", // inside New York's gap, and London's repeated hour's neighbour
  "30 1 * * *", // inside New York's repeated hour and London's gap
  "15,45 0-3 * * *", // several slots per hour around the change, not frequent
  "*/15 * * * *", // frequent: follows real time
  "*/20 * 0-3 * * *", // seconds, hours around the change
  "*/30 * * * * *", // seconds, frequent
  "0 0 * * *",
];

describe("slotsAfter gives exactly the slots the live scheduler fires", () => {
  for (const { zone, day } of DST_DAYS) {
    describe(`${zone}, DST change on ${day}`, () => {
      const from = Date.parse(`${day}T00:00:00Z`) - 12 * HOUR;
      const to = from + 2 * DAY;
      for (const expression of EXPRESSIONS) {
        it(`cron "${expression}" in the trigger's zone`, async () => {
          const trigger = cron(expression, { timezone: zone });
          const live = await liveSlots(trigger, "UTC", from, to);
          expect(live.length).toBeGreaterThan(0);
          expect(planned(trigger, "UTC", from, to)).toEqual(live);
        });
      }
      it('cron "30 1 * * *" in the scheduler\'s default zone', async () => {
        const trigger = cron("30 1 * * *");
        const live = await liveSlots(trigger, zone, from, to);
        expect(live).toHaveLength(2);
        expect(planned(trigger, zone, from, to)).toEqual(live);
      });
    });
  }

  for (const { zone, day } of DST_DAYS) {
    it(`starting at any slot continues the same sequence (catch-up starts at lastSlot), ${zone} ${day}`, () => {
      const from = Date.parse(`${day}T00:00:00Z`) - 12 * HOUR;
      const to = from + 2 * DAY;
      for (const expression of EXPRESSIONS) {
        const trigger = cron(expression, { timezone: zone });
        const all = slotsAfter(trigger, from, to, 100_000).slots;
        const step = Math.max(1, Math.floor(all.length / 150));
        for (let i = 0; i < all.length; i += step) {
          const slot = all[i] as number;
          expect(slotsAfter(trigger, slot, to, 40).slots).toEqual(all.slice(i + 1, i + 41));
          expect(slotsAfter(trigger, slot - 1, to, 40).slots).toEqual(all.slice(i, i + 40));
        }
      }
    });
  }

  it("cron with H fields, resolved from the agent and trigger name", async () => {
    const trigger = cron("H H * * *", { timezone: "America/New_York", name: "nightly" });
    const from = Date.parse("2026-03-06T00:00:00Z");
    const to = from + 5 * DAY;
    const live = await liveSlots(trigger, "UTC", from, to, "ledger");
    expect(live).toHaveLength(5);
    expect(planned(trigger, "UTC", from, to, "ledger")).toEqual(live);
    expect(planned(trigger, "UTC", from, to, "other")).not.toEqual(live);
  });

  it("every: the multiples of the period since the epoch", async () => {
    const trigger = every(7_000);
    const from = Date.parse("2026-03-08T06:59:58.500Z");
    const to = from + HOUR;
    const live = await liveSlots(trigger, "UTC", from, to);
    expect(live).toHaveLength(Math.floor(to / 7_000) - Math.floor(from / 7_000));
    expect(planned(trigger, "UTC", from, to)).toEqual(live);
  });

  it("at: the instant when it lies in the range", async () => {
    const trigger = at("2026-03-08T07:00:00Z");
    const from = Date.parse("2026-03-08T06:00:00Z");
    const live = await liveSlots(trigger, "UTC", from, from + HOUR);
    expect(live).toEqual(["2026-03-08T07:00:00.000Z"]);
    expect(planned(trigger, "UTC", from, from + HOUR)).toEqual(live);
  });
});

describe("slotsAfter at the edges of its range", () => {
  const minute = every(60_000);
  const t0 = Date.parse("2026-05-01T10:00:00Z");

  it("excludes a slot exactly at `after` and includes one exactly at `until`", () => {
    expect(slotsAfter(minute, t0, t0 + 120_000, 10).slots).toEqual([t0 + 60_000, t0 + 120_000]);
    const hourly = cron("0 * * * *", { timezone: "UTC" });
    expect(slotsAfter(hourly, t0, t0 + 2 * HOUR, 10).slots).toEqual([t0 + HOUR, t0 + 2 * HOUR]);
  });

  it("a backfill of [from, to) asks for (from - 1, to - 1]", () => {
    const hourly = cron("0 * * * *", { timezone: "UTC" });
    expect(slotsAfter(hourly, t0 - 1, t0 + 2 * HOUR - 1, 10).slots).toEqual([t0, t0 + HOUR]);
    expect(slotsAfter(minute, t0 - 1, t0 + 120_000 - 1, 10).slots).toEqual([t0, t0 + 60_000]);
  });

  it("an empty range or one with no slot gives none", () => {
    expect(slotsAfter(minute, t0, t0, 10)).toEqual({ slots: [], more: false });
    expect(slotsAfter(minute, t0 + 1, t0 + 59_999, 10)).toEqual({ slots: [], more: false });
    expect(slotsAfter(minute, t0 + 5, t0, 10)).toEqual({ slots: [], more: false });
    expect(slotsAfter(cron("0 * * * *", { timezone: "UTC" }), t0 + 5, t0, 10)).toEqual({ slots: [], more: false });
  });

  it("returns at most `limit` slots and says when more lie in the range", () => {
    expect(slotsAfter(minute, t0, t0 + 180_000, 2)).toEqual({ slots: [t0 + 60_000, t0 + 120_000], more: true });
    expect(slotsAfter(minute, t0, t0 + 180_000, 3)).toEqual({ slots: [t0 + 60_000, t0 + 120_000, t0 + 180_000], more: false });
    const hourly = cron("0 * * * *", { timezone: "UTC" });
    expect(slotsAfter(hourly, t0, t0 + 3 * HOUR, 2)).toEqual({ slots: [t0 + HOUR, t0 + 2 * HOUR], more: true });
    expect(slotsAfter(hourly, t0, t0 + 3 * HOUR, 3).more).toBe(false);
    expect(slotsAfter(at(t0 + 1), t0, t0 + 1, 0)).toEqual({ slots: [], more: true });
  });

  it("at: only inside (after, until]", () => {
    expect(slotsAfter(at(t0), t0, t0 + HOUR, 5).slots).toEqual([]);
    expect(slotsAfter(at(t0), t0 - 1, t0, 5).slots).toEqual([t0]);
  });

  it("delay: never a slot, whatever the range", () => {
    expect(slotsAfter(delay(1_000), 0, t0, 5)).toEqual({ slots: [], more: false });
    expect(countSlotsAfter(delay(1_000), 0, t0, 5)).toEqual({ count: 0, capped: false });
  });

  it("refuses a bad range, limit or a cron with H and no agent, naming the option", () => {
    expect(() => slotsAfter(minute, Number.NaN, t0, 1)).toThrow(/`after`/);
    expect(() => slotsAfter(minute, 0, Infinity, 1)).toThrow(/`until`/);
    expect(() => slotsAfter(minute, 0, t0, -1)).toThrow(/`limit` to be a non-negative integer, got -1/);
    expect(() => slotsAfter(minute, 0, t0, 1.5)).toThrow(ConfigError);
    expect(() => slotsAfter(cron("H * * * *"), 0, t0, 1)).toThrow(/`agent`.*H fields/);
    expect(() => slotsAfter(cron("0 * * * *"), 0, t0, 1, { timezone: "Mars/Olympus" })).toThrow(/`timezone`.*"Mars\/Olympus"/);
  });
});

describe("countSlotsAfter", () => {
  it("counts every slots in O(1), however large the gap", () => {
    const years = 50 * 365 * DAY;
    const start = performance.now();
    expect(countSlotsAfter(every(1_000), 0, years, 10)).toEqual({ count: years / 1_000, capped: false });
    expect(performance.now() - start).toBeLessThan(50);
    expect(countSlotsAfter(every(1_000), 500, 2_500, 10)).toEqual({ count: 2, capped: false });
  });

  it("counts cron slots up to the cap", () => {
    const hourly = cron("0 * * * *", { timezone: "UTC" });
    expect(countSlotsAfter(hourly, 0, DAY, 100)).toEqual({ count: 24, capped: false });
    expect(countSlotsAfter(hourly, 0, DAY, 24)).toEqual({ count: 24, capped: false });
    expect(countSlotsAfter(hourly, 0, DAY, 23)).toEqual({ count: 23, capped: true });
  });

  it("counts a DST day's cron slots as they fire: 23 hourly slots in spring, 25 in autumn for a frequent job", () => {
    const hourly = cron("0 * * * *", { timezone: "America/New_York" });
    const spring = Date.parse("2026-03-08T05:00:00Z"); // local midnight, EST
    expect(countSlotsAfter(hourly, spring - 1, spring + 23 * HOUR - 1, 1_000).count).toBe(23);
    const fall = Date.parse("2026-11-01T04:00:00Z"); // local midnight, EDT
    expect(countSlotsAfter(hourly, fall - 1, fall + 25 * HOUR - 1, 1_000).count).toBe(25);
  });

  it("at counts one inside the range", () => {
    expect(countSlotsAfter(at(10), 9, 10, 5)).toEqual({ count: 1, capped: false });
    expect(countSlotsAfter(at(10), 10, 20, 5)).toEqual({ count: 0, capped: false });
  });
});

describe("latestSlotsAfter", () => {
  const t0 = Date.parse("2026-05-01T00:00:00Z");

  it("keeps the latest slots of the range, ascending", () => {
    expect(latestSlotsAfter(every(HOUR), t0, t0 + 5 * HOUR, 2, 100)).toEqual({ slots: [t0 + 4 * HOUR, t0 + 5 * HOUR], count: 5, capped: false });
    const hourly = cron("0 * * * *", { timezone: "UTC" });
    expect(latestSlotsAfter(hourly, t0, t0 + 5 * HOUR, 2, 100)).toEqual({ slots: [t0 + 4 * HOUR, t0 + 5 * HOUR], count: 5, capped: false });
    expect(latestSlotsAfter(hourly, t0, t0 + 5 * HOUR, 9, 100).slots).toHaveLength(5);
    expect(latestSlotsAfter(hourly, t0, t0 + 5 * HOUR, 0, 100)).toEqual({ slots: [], count: 5, capped: false });
  });

  for (const { zone, day } of DST_DAYS) {
    for (const expression of ["*/15 * * * *", "15,45 0-3 * * *", "30 1 * * *", "30 2 * * *"]) {
      it(`past the cap, walks back to the same latest slots as counting forward (${expression}, ${zone} ${day})`, () => {
        const trigger = cron(expression, { timezone: zone });
        const from = Date.parse(`${day}T00:00:00Z`) - 2 * DAY;
        const to = from + 4 * DAY;
        const all = slotsAfter(trigger, from, to, 100_000).slots;
        const walked = latestSlotsAfter(trigger, from, to, 12, 3);
        expect(walked.capped).toBe(true);
        expect(walked.count).toBe(3);
        expect(walked.slots).toEqual(all.slice(-12));
      });
    }
  }
});
