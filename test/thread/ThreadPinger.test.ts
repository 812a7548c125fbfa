import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ThreadPinger } from "../../src/thread/ThreadPinger.js";

// The pinger on fake timers (setTimeout, setImmediate and performance.now move together): what
// counts as a hang, without a thread.

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

function pinger(timeout = 200) {
  const sent: number[] = [];
  const hung: number[] = [];
  const it = new ThreadPinger(timeout, (seq) => void sent.push(seq), (silent) => void hung.push(silent));
  return { it, sent, hung };
}

describe("ThreadPinger", () => {
  test("pings every quarter of the timeout while answered; a hang is declared only for a ping sent and left unanswered for the timeout", () => {
    const { it, sent, hung } = pinger(200);
    it.start();
    vi.advanceTimersByTime(50);
    expect(sent).toEqual([1]);
    it.answered(1);
    vi.advanceTimersByTime(50);
    expect(sent).toEqual([1, 2]);
    // ping 2 is never answered: no second ping while it waits, the verdict at 200 ms after it was sent
    vi.advanceTimersByTime(199);
    expect(sent).toEqual([1, 2]);
    expect(hung).toEqual([]);
    vi.advanceTimersByTime(1); // the check at the deadline
    vi.advanceTimersToNextTimer(); // the verdict, a turn later
    expect(hung).toHaveLength(1);
    expect(hung[0]).toBeGreaterThanOrEqual(200);
    // once: nothing more after the verdict
    vi.advanceTimersByTime(1_000);
    expect(hung).toHaveLength(1);
    expect(sent).toEqual([1, 2]);
  });

  test("an answer read in the turn after the deadline (queued behind the check) saves the thread", () => {
    const { it, hung } = pinger(200);
    it.start();
    vi.advanceTimersByTime(50); // ping 1
    vi.advanceTimersByTime(199);
    // the check at the deadline runs, then the answer already queued is read before the verdict
    vi.advanceTimersToNextTimer();
    it.answered(1);
    vi.advanceTimersByTime(100);
    expect(hung).toEqual([]);
  });

  test("a check delayed by a stall of the main thread takes no verdict", () => {
    const { it, sent, hung } = pinger(200);
    it.start();
    vi.advanceTimersByTime(50); // ping 1 sent
    // the main thread is blocked for 300 ms: performance.now() moves on, no timer runs meanwhile
    const stalledUntil = performance.now() + 300;
    vi.spyOn(performance, "now").mockImplementation(() => stalledUntil);
    vi.advanceTimersToNextTimer(); // the late check: ping 1 looks 300 ms old, but no verdict is taken
    vi.advanceTimersToNextTimer(); // a verdict taken at the late check would run here
    expect(hung).toEqual([]);
    it.answered(1); // the answer queued during the stall is read
    vi.advanceTimersByTime(200);
    vi.restoreAllMocks();
    expect(hung).toEqual([]);
    expect(sent[0]).toBe(1);
  });

  test("stop() clears its timers: no ping and no verdict after it", () => {
    const { it, sent, hung } = pinger(200);
    it.start();
    vi.advanceTimersByTime(50);
    it.stop();
    vi.advanceTimersByTime(1_000);
    expect(sent).toEqual([1]);
    expect(hung).toEqual([]);
  });
});
