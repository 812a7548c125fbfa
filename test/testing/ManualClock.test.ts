import { describe, expect, test } from "vitest";
import { DEFAULT_LOOP_LIMIT, ManualClock } from "../../src/testing/ManualClock.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { ManualClockError } from "../../src/testing/ManualClockError.js";

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

describe("ManualClock: a timer loop at one instant", () => {
  test("a timer re-arming itself at 0 ms makes advance() reject with TIMER_LOOP naming it, after loopLimit callbacks", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    let calls = 0;
    // stops by itself after 50,000 calls, so that without a limit advance() returns (and the test fails) instead of spinning
    const poll = (): void => {
      calls++;
      if (calls < 50_000) clock.setTimeout(poll, 0);
    };
    clock.setTimeout(poll, 1_000);
    const advancing = clock.advance(5_000);
    await expect(advancing).rejects.toBeInstanceOf(ManualClockError);
    const error = (await advancing.catch((e: unknown) => e)) as ManualClockError;
    expect(DEFAULT_LOOP_LIMIT).toBe(10_000);
    expect(calls).toBe(1 + DEFAULT_LOOP_LIMIT);
    expect(error.code).toBe("TIMER_LOOP");
    expect(error.timer).toEqual({ id: 2 + DEFAULT_LOOP_LIMIT, name: "poll", at: Date.UTC(2026, 0, 1, 0, 0, 1) });
    expect(error.message).toBe(
      "ManualClock: 10000 timers set with a 0 ms delay fired at 2026-01-01T00:00:01.000Z in one advance without time moving; " +
        `timer #${2 + DEFAULT_LOOP_LIMIT} (function poll, due at 2026-01-01T00:00:01.000Z) would be next. ` +
        "A timer that re-arms itself at 0 ms never lets advance() return: give it a delay, or raise `loopLimit` " +
        "(new ManualClock(start, { loopLimit })) when this many is intended. The timer is left pending.",
    );
    // the clock stays at the loop's instant, the looping timer is still pending
    expect(clock.now()).toBe(Date.UTC(2026, 0, 1, 0, 0, 1));
    expect(clock.pending).toBe(1);
  });

  test("an asynchronous re-arm loop is caught too, and loopLimit sets the limit", async () => {
    const clock = new ManualClock(0, { loopLimit: 50 });
    let calls = 0;
    const loop = async (): Promise<void> => {
      calls++;
      await Promise.resolve();
      if (calls < 1_000) clock.setTimeout(() => void loop(), 0);
    };
    void loop();
    await expect(clock.advance(10)).rejects.toMatchObject({ code: "TIMER_LOOP", timer: { name: undefined, at: 0 } });
    expect(calls).toBe(51);
  });

  test("the count starts again whenever time moves: a 1 ms interval over a long advance is not limited", async () => {
    const clock = new ManualClock(0, { loopLimit: 5 });
    let calls = 0;
    const tick = (): void => {
      calls++;
      clock.setTimeout(tick, 1);
    };
    clock.setTimeout(tick, 1);
    await clock.advance(2_000);
    expect(calls).toBe(2_000);
  });

  test("timers set ahead of time for one instant are not counted, only zero-delay timers set during the advance", async () => {
    const clock = new ManualClock(0, { loopLimit: 5 });
    let calls = 0;
    for (let i = 0; i < 100; i++) clock.setTimeout(() => calls++, 10);
    for (let i = 0; i < 100; i++) clock.setTimeout(() => calls++, 0);
    // each of the first five sets one zero-delay follower: five zero-delay timers at 10, within the limit
    for (let i = 0; i < 5; i++) clock.setTimeout(() => void clock.setTimeout(() => calls++, 0), 10);
    await clock.advance(10);
    expect(calls).toBe(205);
  });

  test("a later advance meets the same loop again; a cleared loop lets it finish", async () => {
    const clock = new ManualClock(0, { loopLimit: 10 });
    let handle: unknown;
    const spin = (): void => {
      handle = clock.setTimeout(spin, 0);
    };
    handle = clock.setTimeout(spin, 0);
    await expect(clock.runDue()).rejects.toMatchObject({ code: "TIMER_LOOP" });
    await expect(clock.advance(1)).rejects.toMatchObject({ code: "TIMER_LOOP" });
    clock.clearTimeout(handle);
    await clock.advance(1);
    expect(clock.pending).toBe(0);
    expect(clock.now()).toBe(1);
  });

  test("refuses a loopLimit that is not a positive integer, naming it", () => {
    for (const [loopLimit, shown] of [
      [0, "0"],
      [-1, "-1"],
      [1.5, "1.5"],
      [Number.POSITIVE_INFINITY, "Infinity"],
      ["10", '"10"'],
    ] as const) {
      const refuse = () => new ManualClock(0, { loopLimit: loopLimit as number });
      expect(refuse).toThrow(new ConfigError(`ManualClock: expected \`loopLimit\` to be a positive integer, got ${shown}`, { code: "INVALID_OPTION", path: "loopLimit", value: loopLimit }));
    }
    expect(() => new ManualClock(0, null as unknown as object)).toThrow(new ConfigError("ManualClock: expected options to be an object, got null", { code: "INVALID_OPTION", path: "options", value: null }));
  });

  test("refuses a start, an advance, an advanceTo or a jump that is not a time, naming it, with INVALID_OPTION", async () => {
    const invalid = (message: string): Error => expect.objectContaining({ name: "ConfigError", code: "INVALID_OPTION", message }) as Error;
    expect(() => new ManualClock(Number.NaN)).toThrow(invalid("ManualClock: expected `start` to be a finite time (ms since the epoch, or a valid Date), got NaN"));
    expect(() => new ManualClock(new Date("never"))).toThrow(invalid("ManualClock: expected `start` to be a finite time (ms since the epoch, or a valid Date), got an invalid Date"));
    const clock = new ManualClock(0);
    await expect(clock.advance(-1)).rejects.toEqual(invalid("ManualClock.advance: expected `ms` to be a non-negative number, got -1"));
    await expect(clock.advance("5" as unknown as number)).rejects.toEqual(invalid('ManualClock.advance: expected `ms` to be a non-negative number, got "5"'));
    await expect(clock.advanceTo(Number.POSITIVE_INFINITY)).rejects.toEqual(
      invalid("ManualClock.advanceTo: expected `time` to be a finite time (ms since the epoch, or a valid Date), got Infinity"),
    );
    expect(() => clock.jump(Number.NaN)).toThrow(invalid("ManualClock.jump: expected `ms` to be a finite number, got NaN"));
    expect(clock.now()).toBe(0);
  });
});
