import { describe, expect, it } from "vitest";
import { cron, harness } from "../helpers/schedule/harness.js";

const QUARTER = 900_000;

/** Fire times (ISO) of `expression` in `zone` between two instants, on a manual clock. */
async function fireTimes(expression: string, zone: string, from: string, to: string): Promise<string[]> {
  const h = harness(from, { timezone: zone });
  h.scheduler.add("job", cron(expression));
  h.scheduler.start();
  await h.clock.advanceTo(Date.parse(to));
  for (const tick of h.ticks) expect(tick.firedAt).toBe(tick.scheduledAt);
  return h.slots();
}

/** Wall-clock time of an instant in a zone, as `HH:MM`. */
function wallClock(iso: string, zone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(Date.parse(iso));
}

/** Asserts that consecutive fire times are exactly 15 minutes apart: real time, no doubled or lost slot. */
function expectQuarterHours(times: string[], count: number): void {
  expect(times).toHaveLength(count);
  for (let i = 1; i < times.length; i++) expect(Date.parse(times[i] as string) - Date.parse(times[i - 1] as string)).toBe(QUARTER);
}

interface ZoneCase {
  zone: string;
  /** A daily job whose local time falls into the spring-forward gap. */
  gap: { expression: string; from: string; to: string; expected: string[] };
  /** A daily job whose local time falls into the repeated fall-back hour. */
  repeated: { expression: string; from: string; to: string; expected: string[] };
  /** Windows of 4 to 6 hours around each transition, for a job every 15 minutes. */
  spring: { from: string; to: string; count: number; skippedLocal: string };
  fall: { from: string; to: string; count: number; repeatedLocal: string };
}

const cases: ZoneCase[] = [
  {
    zone: "America/New_York",
    // 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST.
    gap: {
      expression: "30 2 * * *",
      from: "2026-03-07T12:00:00Z",
      to: "2026-03-10T00:00:00Z",
      // 03:00 EDT on the day of the change (the first instant after the gap), then 02:30 EDT.
      expected: ["2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z"],
    },
    repeated: {
      expression: "30 1 * * *",
      from: "2026-10-31T12:00:00Z",
      to: "2026-11-03T00:00:00Z",
      // 01:30 EDT (the first occurrence) only, then 01:30 EST.
      expected: ["2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"],
    },
    spring: { from: "2026-03-08T04:00:00Z", to: "2026-03-08T09:00:00Z", count: 20, skippedLocal: "02:" },
    fall: { from: "2026-11-01T03:00:00Z", to: "2026-11-01T08:00:00Z", count: 20, repeatedLocal: "01:15" },
  },
  {
    zone: "Europe/London",
    // 2026-03-29 01:00 GMT → 02:00 BST; 2026-10-25 02:00 BST → 01:00 GMT.
    gap: {
      expression: "30 1 * * *",
      from: "2026-03-28T12:00:00Z",
      to: "2026-03-31T00:00:00Z",
      expected: ["2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"],
    },
    repeated: {
      expression: "30 1 * * *",
      from: "2026-10-24T12:00:00Z",
      to: "2026-10-27T00:00:00Z",
      expected: ["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"],
    },
    spring: { from: "2026-03-28T23:00:00Z", to: "2026-03-29T03:00:00Z", count: 16, skippedLocal: "01:" },
    fall: { from: "2026-10-24T23:00:00Z", to: "2026-10-25T03:00:00Z", count: 16, repeatedLocal: "01:15" },
  },
  {
    zone: "Australia/Sydney",
    // 2026-04-05 03:00 AEDT → 02:00 AEST; 2026-10-04 02:00 AEST → 03:00 AEDT.
    gap: {
      expression: "30 2 * * *",
      from: "2026-10-02T00:00:00Z",
      to: "2026-10-05T00:00:00Z",
      expected: ["2026-10-02T16:30:00.000Z", "2026-10-03T16:00:00.000Z", "2026-10-04T15:30:00.000Z"],
    },
    repeated: {
      expression: "30 2 * * *",
      from: "2026-04-03T00:00:00Z",
      to: "2026-04-06T00:00:00Z",
      expected: ["2026-04-03T15:30:00.000Z", "2026-04-04T15:30:00.000Z", "2026-04-05T16:30:00.000Z"],
    },
    spring: { from: "2026-10-03T13:00:00Z", to: "2026-10-03T19:00:00Z", count: 24, skippedLocal: "02:" },
    fall: { from: "2026-04-04T13:00:00Z", to: "2026-04-04T19:00:00Z", count: 24, repeatedLocal: "02:15" },
  },
];

describe("DST (decision 21)", () => {
  for (const c of cases) {
    describe(c.zone, () => {
      it(`fires a daily job inside the spring-forward gap once, at the first instant after the gap (${c.gap.expression})`, async () => {
        expect(await fireTimes(c.gap.expression, c.zone, c.gap.from, c.gap.to)).toEqual(c.gap.expected);
      });

      it(`fires a daily job inside the repeated hour once, at its first occurrence (${c.repeated.expression})`, async () => {
        expect(await fireTimes(c.repeated.expression, c.zone, c.repeated.from, c.repeated.to)).toEqual(c.repeated.expected);
      });

      it("keeps */15 on real time across the spring-forward change", async () => {
        const times = await fireTimes("*/15 * * * *", c.zone, c.spring.from, c.spring.to);
        expectQuarterHours(times, c.spring.count);
        expect(times.map((t) => wallClock(t, c.zone)).filter((w) => w.startsWith(c.spring.skippedLocal))).toEqual([]);
      });

      it("keeps */15 on real time across the fall-back change, firing in both occurrences of the repeated hour", async () => {
        const times = await fireTimes("*/15 * * * *", c.zone, c.fall.from, c.fall.to);
        expectQuarterHours(times, c.fall.count);
        expect(times.map((t) => wallClock(t, c.zone)).filter((w) => w === c.fall.repeatedLocal)).toHaveLength(2);
      });
    });
  }

  it("fires a job covering the whole gap hour once, where cron-parser alone would shift each minute by an hour", async () => {
    expect(await fireTimes("* 2 * * *", "America/New_York", "2026-03-08T06:30:00Z", "2026-03-08T10:00:00Z")).toEqual(["2026-03-08T07:00:00.000Z"]);
  });

  it("lets an hourly job at :30 follow real time through the gap (no extra slot at the jump)", async () => {
    expect(await fireTimes("30 * * * *", "America/New_York", "2026-03-08T05:00:00Z", "2026-03-08T09:00:00Z")).toEqual([
      "2026-03-08T05:30:00.000Z",
      "2026-03-08T06:30:00.000Z",
      "2026-03-08T07:30:00.000Z",
      "2026-03-08T08:30:00.000Z",
    ]);
  });

  it("fires a job pinned to the repeated hour only in its first occurrence", async () => {
    const times = await fireTimes("*/20 1 * * *", "America/New_York", "2026-11-01T04:00:00Z", "2026-11-01T08:00:00Z");
    expect(times).toEqual(["2026-11-01T05:00:00.000Z", "2026-11-01T05:20:00.000Z", "2026-11-01T05:40:00.000Z"]);
  });

  it("handles a half-hour DST shift (Australia/Lord_Howe): 02:00 in the gap fires at 02:30", async () => {
    expect(await fireTimes("0 2 * * *", "Australia/Lord_Howe", "2026-10-02T12:00:00Z", "2026-10-05T12:00:00Z")).toEqual([
      "2026-10-02T15:30:00.000Z",
      "2026-10-03T15:30:00.000Z",
      "2026-10-04T15:00:00.000Z",
    ]);
  });

  it("arms correctly inside the repeated hour: a frequent job still gets the second occurrence's slots", async () => {
    // Armed at 01:35 EDT (the first occurrence); 01:00–01:59 EST follows.
    const times = await fireTimes("*/15 * * * *", "America/New_York", "2026-11-01T05:35:00Z", "2026-11-01T06:50:00Z");
    expect(times).toEqual(["2026-11-01T05:45:00.000Z", "2026-11-01T06:00:00.000Z", "2026-11-01T06:15:00.000Z", "2026-11-01T06:30:00.000Z", "2026-11-01T06:45:00.000Z"]);
  });
});
