import { CronExpressionParser } from "cron-parser";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CronSchedule, parseCronPattern } from "../../src/schedule/CronSchedule.js";
import { TimeZone } from "../../src/schedule/TimeZone.js";
import { cron5, cronExpression, instant } from "../helpers/schedule/cronArbitraries.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

function schedule(expression: string, zone: string, after: number): CronSchedule {
  const s = new CronSchedule(parseCronPattern(expression, new TimeZone(zone)));
  s.reset(after);
  return s;
}

function take(s: CronSchedule, count: number): number[] {
  return Array.from({ length: count }, () => s.next());
}

/** What cron-parser alone computes, in the zone itself. */
function cronParser(expression: string, zone: string, after: number, count: number): number[] {
  const iterator = CronExpressionParser.parse(expression, { currentDate: after, tz: zone });
  return Array.from({ length: count }, () => iterator.next().getTime());
}

/** Local wall-clock time (floating ms) of an instant, by Intl, independently of TimeZone. */
function localClock(zone: string): (instant: number) => number {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
  });
  return (at) => {
    const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, Number(p.value)]));
    return Date.UTC(parts.year as number, (parts.month as number) - 1, parts.day, parts.hour, parts.minute);
  };
}

/**
 * Decision 21 by brute force, minute by minute over real time: a matching
 * local minute fires at its first occurrence (every occurrence for a job whose
 * hour field covers all hours); matching local minutes skipped by a gap fire
 * once at the first instant after it (nothing for such a frequent job).
 */
function oracle(expression: string, zone: string, after: number, until: number): number[] {
  const matcher = CronExpressionParser.parse(expression, { tz: "UTC" });
  const frequent = matcher.fields.hour.values.length === 24;
  const toLocal = localClock(zone);
  const matches = (local: number): boolean => matcher.includesDate(new Date(local));
  const seen = new Set<number>();
  const out = new Set<number>();
  let previous: number | undefined;
  for (let at = Math.floor((after - 3 * HOUR) / MINUTE) * MINUTE; at <= until; at += MINUTE) {
    const local = toLocal(at);
    if (!frequent && previous !== undefined && local - previous > MINUTE) {
      for (let skipped = previous + MINUTE; skipped < local; skipped += MINUTE) {
        if (matches(skipped)) {
          out.add(at);
          break;
        }
      }
    }
    if (matches(local) && (frequent || !seen.has(local))) out.add(at);
    seen.add(local);
    previous = local;
  }
  return [...out].filter((at) => at > after && at <= until).sort((a, b) => a - b);
}

/** DST changes of 2026 in the three zones of the tests. */
const transitions: Array<[string, number]> = [
  ["America/New_York", Date.parse("2026-03-08T07:00:00Z")],
  ["America/New_York", Date.parse("2026-11-01T06:00:00Z")],
  ["Europe/London", Date.parse("2026-03-29T01:00:00Z")],
  ["Europe/London", Date.parse("2026-10-25T01:00:00Z")],
  ["Australia/Sydney", Date.parse("2026-04-04T16:00:00Z")],
  ["Australia/Sydney", Date.parse("2026-10-03T16:00:00Z")],
];

describe("CronSchedule", () => {
  it("equals cron-parser's sequence where no DST applies: strictly increasing, each slot after the start", () => {
    fc.assert(
      fc.property(cronExpression, instant, fc.constantFrom("UTC", "Asia/Kolkata", "Asia/Tokyo"), (expression, start, zone) => {
        const ours = take(schedule(expression, zone, start), 12);
        expect(ours).toEqual(cronParser(expression, zone, start, 12));
        expect(ours[0]).toBeGreaterThan(start);
        for (let i = 1; i < ours.length; i++) expect(ours[i]).toBeGreaterThan(ours[i - 1] as number);
      }),
      { numRuns: 150 },
    );
  });

  it("follows the DST rules in New York, London and Sydney, checked minute by minute", () => {
    const nearTransition = fc
      .tuple(fc.constantFrom(...transitions), fc.integer({ min: -36 * HOUR, max: 12 * HOUR }))
      .map(([[zone, at], shift]) => ({ zone, start: at + shift }));
    const anyTime = fc
      .tuple(fc.constantFrom("America/New_York", "Europe/London", "Australia/Sydney"), fc.integer({ min: Date.parse("2026-01-01T00:00:00Z"), max: Date.parse("2026-12-29T00:00:00Z") }))
      .map(([zone, start]) => ({ zone, start }));
    fc.assert(
      fc.property(cron5, fc.oneof({ arbitrary: nearTransition, weight: 4 }, { arbitrary: anyTime, weight: 1 }), (expression, { zone, start }) => {
        const until = start + 2 * DAY;
        const expected = oracle(expression, zone, start, until);
        const s = schedule(expression, zone, start);
        const ours: number[] = [];
        for (let slot = s.next(); slot <= until; slot = s.next()) ours.push(slot);
        expect(ours.map((t) => new Date(t).toISOString())).toEqual(expected.map((t) => new Date(t).toISOString()));
      }),
      { numRuns: 40 },
    );
  });

  it("finds the latest slot at or before an instant, DST included", () => {
    fc.assert(
      fc.property(cron5, fc.constantFrom(...transitions), fc.integer({ min: -6 * HOUR, max: 6 * HOUR }), (expression, [zone, at], shift) => {
        const probe = at + shift;
        const s = schedule(expression, zone, probe - 2 * DAY);
        let latest: number | undefined;
        for (let slot = s.next(); slot <= probe; slot = s.next()) latest = slot;
        const found = s.previous(probe);
        if (latest !== undefined) expect(found).toBe(latest);
        else if (found !== undefined) expect(found).toBeLessThanOrEqual(probe - 2 * DAY);
      }),
      { numRuns: 25 },
    );
  });

  it("marks patterns whose hour field covers every hour as frequent", () => {
    const zone = new TimeZone("UTC");
    expect(parseCronPattern("*/15 * * * *", zone).frequent).toBe(true);
    expect(parseCronPattern("0 0-23 * * *", zone).frequent).toBe(true);
    expect(parseCronPattern("* 2 * * *", zone).frequent).toBe(false);
    expect(parseCronPattern("0 */2 * * *", zone).frequent).toBe(false);
    expect(parseCronPattern("*/1 * * * *", zone).canonical).toBe("0 * * * * *");
  });
});
