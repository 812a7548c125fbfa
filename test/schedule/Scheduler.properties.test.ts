import { CronExpressionParser } from "cron-parser";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cronExpression, instant } from "../helpers/schedule/cronArbitraries.js";
import { cron, every, harness } from "../helpers/schedule/harness.js";

const SLOTS = 6;

describe("Scheduler properties", () => {
  it("fires a random cron trigger exactly on cron-parser's slots: never early, never twice, strictly increasing", async () => {
    await fc.assert(
      fc.asyncProperty(cronExpression, instant, fc.constantFrom("UTC", "Asia/Tokyo"), async (expression, start, zone) => {
        const iterator = CronExpressionParser.parse(expression, { currentDate: start, tz: zone });
        const expected = Array.from({ length: SLOTS }, () => iterator.next().getTime());
        const h = harness(start, { timezone: zone });
        h.scheduler.add("job", cron(expression));
        h.scheduler.start();
        for (const [i, slot] of expected.entries()) {
          // Just before the slot: nothing fires, whatever timers come due.
          h.clock.jump(slot - 1 - h.clock.now());
          await h.clock.runDue();
          expect(h.ticks).toHaveLength(i);
          expect(h.clock.nextTimerAt()).toBe(slot);
          await h.clock.advance(1);
          expect(h.ticks).toHaveLength(i + 1);
        }
        expect(h.ticks.map((t) => t.scheduledAt)).toEqual(expected);
        for (const tick of h.ticks) expect(tick.firedAt).toBe(tick.scheduledAt);
        expect(h.counters("job").triggersSkipped.misfire).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it("fires `every` on multiples of its period, the first strictly after arming", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 * 3_600_000 }), instant, async (period, start) => {
        const h = harness(start);
        h.scheduler.add("job", every(period));
        h.scheduler.start();
        for (let i = 0; i < 4; i++) {
          const next = h.scheduler.nextFireAt("job") as number;
          h.clock.jump(next - 1 - h.clock.now());
          await h.clock.runDue();
          expect(h.ticks).toHaveLength(i);
          await h.clock.advance(1);
        }
        const slots = h.ticks.map((t) => t.scheduledAt);
        expect(slots).toHaveLength(4);
        for (const slot of slots) expect(slot % period).toBe(0);
        expect(slots[0]).toBeGreaterThan(start);
        expect((slots[0] as number) - start).toBeLessThanOrEqual(period);
        for (let i = 1; i < slots.length; i++) expect((slots[i] as number) - (slots[i - 1] as number)).toBe(period);
      }),
      { numRuns: 60 },
    );
  });

  it("never fires a slot twice nor out of order through random clock jumps and stalls", async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 120_000 }) }),
      fc.record({ kind: fc.constant("jump" as const), ms: fc.integer({ min: -600_000, max: 3_600_000 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("*/7 * * * * *", "* * * * *", "0 */5 * * * *"),
        fc.constantFrom("skip", "once"),
        fc.array(step, { minLength: 1, maxLength: 12 }),
        async (expression, misfire, steps) => {
          const delays: number[] = [];
          const h = harness("2026-01-01T00:00:00Z", {
            wrap: (clock) => ({
              now: () => clock.now(),
              setTimeout: (fn, ms) => {
                delays.push(ms);
                return clock.setTimeout(fn, ms);
              },
              clearTimeout: (handle) => clock.clearTimeout(handle),
            }),
          });
          h.scheduler.add("job", cron(expression, { misfire }));
          h.scheduler.add("job", every(13_000, { misfire }));
          h.scheduler.start();
          for (const s of steps) {
            if (s.kind === "advance") await h.clock.advance(s.ms);
            else {
              h.clock.jump(s.ms);
              await h.clock.runDue();
            }
          }
          expect(Math.max(...delays)).toBeLessThanOrEqual(30_000);
          expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
          for (const trigger of ["cron:" + expression, "every:13000"]) {
            const slots = h.ticks.filter((t) => t.trigger === trigger).map((t) => t.scheduledAt);
            for (let i = 1; i < slots.length; i++) expect(slots[i]).toBeGreaterThan(slots[i - 1] as number);
          }
          for (const tick of h.ticks) expect(tick.firedAt).toBeGreaterThanOrEqual(tick.scheduledAt);
        },
      ),
      { numRuns: 60 },
    );
  });
});
