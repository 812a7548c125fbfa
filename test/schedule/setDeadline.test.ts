import { describe, expect, it } from "vitest";
import { MAX_TIMEOUT_MS, type Clock } from "../../src/clock.js";
import { setDeadline } from "../../src/schedule/setDeadline.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

/** A clock whose timers behave as Node's do past 2^31 − 1 ms: they fire at once. */
function overflowing(clock: ManualClock): Clock {
  return {
    now: () => clock.now(),
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms > MAX_TIMEOUT_MS ? 1 : ms),
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
}

describe("setDeadline", () => {
  it("waits out a deadline longer than setTimeout allows, in steps", async () => {
    const clock = new ManualClock(0);
    let fired = 0;
    setDeadline(overflowing(clock), 60 * 86_400_000, () => fired++);
    await clock.advance(59 * 86_400_000);
    expect(fired).toBe(0);
    await clock.advance(86_400_000);
    expect(fired).toBe(1);
    expect(clock.now()).toBe(60 * 86_400_000);
    expect(clock.pending).toBe(0);
  });

  it("re-reads the clock: a backward jump postpones the deadline", async () => {
    const clock = new ManualClock(0);
    let fired = 0;
    setDeadline(clock, 10_000, () => fired++);
    clock.jump(-5_000);
    await clock.advance(10_000);
    expect(fired).toBe(0);
    await clock.advance(5_000);
    expect(fired).toBe(1);
  });

  it("can be cancelled, idempotently", async () => {
    const clock = new ManualClock(0);
    let fired = 0;
    const cancel = setDeadline(clock, 1_000, () => fired++);
    cancel();
    cancel();
    await clock.advance(5_000);
    expect(fired).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
