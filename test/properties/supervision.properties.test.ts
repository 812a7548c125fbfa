import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { backoffDelay, type BackoffSettings } from "../../src/supervisor/backoff.js";
import { CrashWindow } from "../../src/supervisor/CrashWindow.js";

// Durations reach the supervisor in whole milliseconds (the config rounds them).
const settingsArb: fc.Arbitrary<BackoffSettings> = fc
  .record({
    initial: fc.integer({ min: 1, max: 120_000 }),
    extra: fc.integer({ min: 0, max: 3_600_000 }),
    factor: fc.double({ min: 1, max: 10, noNaN: true }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ initial, extra, factor, jitter }) => ({ initial, max: initial + extra, factor, jitter }));
/** What a `random` option may return: [0, 1), and the odd broken value. */
const unitArb = fc.oneof({ weight: 9, arbitrary: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(1, -0.5, 7, Number.NaN, Infinity) });
const attemptArb = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 65, max: 100_000 }));

describe("backoffDelay", () => {
  test("every delay lies in [initial·(1 − jitter), max] (to the millisecond it is rounded to)", () => {
    fc.assert(
      fc.property(settingsArb, attemptArb, unitArb, (settings, n, u) => {
        const delay = backoffDelay(n, settings, () => u);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(Math.round(settings.initial * (1 - settings.jitter)));
        expect(delay).toBeLessThanOrEqual(settings.max);
      }),
      { numRuns: 3_000 },
    );
  });

  test("before jitter (U = 0) the delay never decreases with n, and reaches max", () => {
    fc.assert(
      fc.property(settingsArb, fc.integer({ min: 0, max: 200 }), (settings, n) => {
        const now = backoffDelay(n, settings, () => 0);
        const next = backoffDelay(n + 1, settings, () => 0);
        expect(next).toBeGreaterThanOrEqual(now);
        expect(now).toBe(Math.round(Math.min(settings.max, settings.initial * settings.factor ** n)));
      }),
      { numRuns: 3_000 },
    );
    expect(backoffDelay(10_000, { initial: 1_000, max: 60_000, factor: 2, jitter: 0.2 }, () => 0)).toBe(60_000);
  });

  test("with the same U, the jittered delay never decreases with n either", () => {
    fc.assert(
      fc.property(settingsArb, fc.integer({ min: 0, max: 200 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (settings, n, u) => {
        expect(backoffDelay(n + 1, settings, () => u)).toBeGreaterThanOrEqual(backoffDelay(n, settings, () => u));
      }),
      { numRuns: 3_000 },
    );
  });

  test("a random value outside [0, 1) counts as 0: the delay is the un-jittered one", () => {
    fc.assert(
      fc.property(settingsArb, fc.integer({ min: 0, max: 50 }), fc.constantFrom(1, -0.5, 7, Number.NaN, Infinity, -Infinity), (settings, n, u) => {
        expect(backoffDelay(n, settings, () => u)).toBe(backoffDelay(n, settings, () => 0));
      }),
    );
  });
});

describe("CrashWindow", () => {
  /** Crash times that never go back (the supervisor's clock), as gaps from 0. */
  const timesArb = fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 60 }).map((gaps) => {
    let t = 1_767_600_000_000;
    return gaps.map((gap) => (t += gap));
  });

  test("record(t) counts exactly the crashes recorded in (t − within, t]", () => {
    fc.assert(
      fc.property(timesArb, fc.integer({ min: 1, max: 600_000 }), (times, within) => {
        const window = new CrashWindow(within);
        times.forEach((t, i) => {
          const inside = times.slice(0, i + 1).filter((s) => s > t - within && s <= t).length;
          expect(window.record(t)).toBe(inside);
        });
      }),
      { numRuns: 2_000 },
    );
  });

  test("count(now) later counts exactly the crashes still inside, and clear() forgets them all", () => {
    fc.assert(
      fc.property(timesArb, fc.integer({ min: 1, max: 600_000 }), fc.integer({ min: 0, max: 900_000 }), (times, within, later) => {
        const window = new CrashWindow(within);
        for (const t of times) window.record(t);
        const now = (times.at(-1) as number) + later;
        expect(window.count(now)).toBe(times.filter((s) => s > now - within && s <= now).length);
        window.clear();
        expect(window.count(now)).toBe(0);
        expect(window.record(now)).toBe(1);
      }),
      { numRuns: 2_000 },
    );
  });

  // Under a clock that steps back the count is conservative: every crash inside the window measured from
  // the latest time seen still counts (crashes pruned before the step cannot come back).
  test("a clock that steps back never makes it forget a crash inside the window of the latest time seen", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -100_000, max: 100_000 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 300_000 }), (steps, within) => {
        const window = new CrashWindow(within);
        let t = 1_767_600_000_000;
        let latest = t;
        const recorded: number[] = [];
        for (const step of steps) {
          t += step;
          latest = Math.max(latest, t);
          recorded.push(t);
          const count = window.record(t);
          expect(count).toBeGreaterThanOrEqual(recorded.filter((s) => s > latest - within && s <= t).length);
          expect(count).toBeLessThanOrEqual(recorded.length);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
