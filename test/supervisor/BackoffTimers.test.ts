import { describe, expect, test } from "vitest";
import { BackoffTimers } from "../../src/supervisor/BackoffTimers.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { T0 } from "../helpers/orchestrator.js";

describe("BackoffTimers", () => {
  test("back-offs ending at the same moment share one timer and end in the order they were set", async () => {
    const clock = new ManualClock(T0);
    const timers = new BackoffTimers(clock);
    const ended: string[] = [];
    for (const name of ["a", "b", "c"]) timers.set(() => ended.push(name), 10);
    timers.set(() => ended.push("later"), 20);
    expect(clock.pending).toBe(2);
    await clock.advance(9);
    expect(ended).toEqual([]);
    await clock.advance(1);
    expect(ended).toEqual(["a", "b", "c"]);
    await clock.advance(10);
    expect(ended).toEqual(["a", "b", "c", "later"]);
    expect(clock.pending).toBe(0);
  });

  test("each back-off is cancelled on its own; the timer is cleared with the last one", async () => {
    const clock = new ManualClock(T0);
    const timers = new BackoffTimers(clock);
    const ended: string[] = [];
    const a = (): void => void ended.push("a");
    const b = (): void => void ended.push("b");
    const handleA = timers.set(a, 10);
    const handleB = timers.set(b, 10);
    timers.clear(handleA, a);
    expect(clock.pending).toBe(1);
    await clock.advance(10);
    expect(ended).toEqual(["b"]);
    timers.clear(handleB, b); // after its end: nothing
    const again = timers.set(a, 10);
    timers.clear(again, a);
    expect(clock.pending).toBe(0);
    await clock.advance(10);
    expect(ended).toEqual(["b"]);
  });

  test("a back-off cancelled by an earlier one ending at the same moment is skipped; one that throws does not hold up the others", async () => {
    const clock = new ManualClock(T0);
    const timers = new BackoffTimers(clock);
    const ended: string[] = [];
    const c = (): void => void ended.push("c");
    timers.set(() => {
      ended.push("a");
      timers.clear(handleC, c);
    }, 10);
    timers.set(() => {
      throw new Error("broken");
    }, 10);
    const handleC = timers.set(c, 10);
    timers.set(() => ended.push("d"), 10);
    await clock.advance(10);
    expect(ended).toEqual(["a", "d"]);
  });

  test("stop() clears every timer", async () => {
    const clock = new ManualClock(T0);
    const timers = new BackoffTimers(clock);
    const ended: number[] = [];
    timers.set(() => ended.push(1), 10);
    timers.set(() => ended.push(2), 20);
    timers.stop();
    expect(clock.pending).toBe(0);
    await clock.advance(30);
    expect(ended).toEqual([]);
  });
});
