import { describe, expect, test } from "vitest";
import { ManualClock } from "../src/testing/ManualClock.js";

describe("ManualClock", () => {
  test("starts at the given time, as a number or a Date", () => {
    expect(new ManualClock().now()).toBe(0);
    expect(new ManualClock(1_000).now()).toBe(1_000);
    expect(new ManualClock(new Date("2026-01-01T00:00:00Z")).now()).toBe(Date.UTC(2026, 0, 1));
  });

  test("fires timers in time order, ties in the order they were set", async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("c@30"), 30);
    clock.setTimeout(() => fired.push("a@10"), 10);
    clock.setTimeout(() => fired.push("b@10"), 10);
    clock.setTimeout(() => fired.push("d@20"), 20);
    await clock.advance(25);
    expect(fired).toEqual(["a@10", "b@10", "d@20"]);
    expect(clock.now()).toBe(25);
    await clock.advance(5);
    expect(fired).toEqual(["a@10", "b@10", "d@20", "c@30"]);
  });

  test("a timer sees now() equal to its due time", async () => {
    const clock = new ManualClock(100);
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), 50);
    clock.setTimeout(() => seen.push(clock.now()), 70);
    await clock.advance(1_000);
    expect(seen).toEqual([150, 170]);
    expect(clock.now()).toBe(1_100);
  });

  test("timers set by timers within the advanced span fire too", async () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    const every10 = (): void => {
      fired.push(clock.now());
      if (clock.now() < 50) clock.setTimeout(every10, 10);
    };
    clock.setTimeout(every10, 10);
    await clock.advance(100);
    expect(fired).toEqual([10, 20, 30, 40, 50]);
  });

  test("promises settle between timers, so async work chained on a timer sets its next timer in time", async () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    const loop = async (): Promise<void> => {
      await Promise.resolve();
      await new Promise((resolve) => setImmediate(resolve));
      fired.push(clock.now());
      if (fired.length < 3) clock.setTimeout(() => void loop(), 100);
    };
    clock.setTimeout(() => void loop(), 100);
    await clock.advance(300);
    expect(fired).toEqual([100, 200, 300]);
  });

  test("clearTimeout cancels a pending timer and ignores unknown handles", async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push("a"), 10);
    clock.setTimeout(() => fired.push("b"), 20);
    clock.clearTimeout(a);
    clock.clearTimeout(12345);
    clock.clearTimeout(undefined);
    expect(clock.pending).toBe(1);
    await clock.advance(30);
    expect(fired).toEqual(["b"]);
    expect(clock.pending).toBe(0);
  });

  test("a timer can cancel a later timer of the same advance", async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    const handles: unknown[] = [];
    clock.setTimeout(() => {
      fired.push("first");
      clock.clearTimeout(handles[0]);
    }, 10);
    handles.push(clock.setTimeout(() => fired.push("later"), 20));
    await clock.advance(50);
    expect(fired).toEqual(["first"]);
  });

  test("jump moves time without firing; the overdue timers fire on the next advance", async () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 10);
    clock.jump(600_000);
    expect(clock.now()).toBe(600_000);
    expect(fired).toEqual([]);
    await clock.advance(0);
    expect(fired).toEqual([600_000]);
  });

  test("jump backwards moves the clock back; timers keep their due time", async () => {
    const clock = new ManualClock(1_000);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 500);
    clock.jump(-800);
    expect(clock.now()).toBe(200);
    await clock.advance(1_000);
    expect(fired).toEqual([]);
    await clock.advance(300);
    expect(fired).toEqual([1_500]);
  });

  test("advanceTo accepts a Date and nextTimerAt tells the next due time", async () => {
    const clock = new ManualClock(new Date("2026-01-01T00:00:00Z"));
    clock.setTimeout(() => undefined, 60_000);
    expect(clock.nextTimerAt()).toBe(Date.UTC(2026, 0, 1, 0, 1));
    await clock.advanceTo(new Date("2026-01-01T00:05:00Z"));
    expect(clock.now()).toBe(Date.UTC(2026, 0, 1, 0, 5));
    expect(clock.nextTimerAt()).toBeUndefined();
  });

  test("rejects bad arguments with a message naming them", async () => {
    const clock = new ManualClock(0);
    await expect(clock.advance(-1)).rejects.toThrow(/`ms`.*non-negative/);
    expect(() => clock.jump(Number.NaN)).toThrow(/`ms`/);
    expect(() => new ManualClock(Number.NaN)).toThrow(/`start`/);
  });
});

describe("ManualClock under churn", () => {
  test("thousands of timers set and cleared leave nothing pending, and the survivors still fire in order", async () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    const keep: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      const at = 1_000 + ((i * 7919) % 5_000);
      const handle = clock.setTimeout(() => fired.push(at), at);
      if (i % 100 === 0) keep.push(at);
      else clock.clearTimeout(handle);
    }
    expect(clock.pending).toBe(50);
    await clock.advance(10_000);
    expect(fired).toEqual([...keep].sort((a, b) => a - b));
    expect(clock.pending).toBe(0);
    expect(clock.nextTimerAt()).toBeUndefined();
  });
});
