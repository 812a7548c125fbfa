import { expected, OptionCheck } from "../check.js";
import type { Clock } from "../clock.js";
import { invalidOption } from "../errors/invalidOption.js";
import { ManualClockError } from "./ManualClockError.js";

/** The default {@link ManualClockOptions.loopLimit}. */
export const DEFAULT_LOOP_LIMIT = 10_000;

/** Options of a {@link ManualClock}. */
export interface ManualClockOptions {
  /**
   * Most zero-delay timers one `advance()` (or `advanceTo()`, `runDue()`) fires
   * at one instant, counting only timers set during that advance: one more
   * rejects the advance with a {@link ManualClockError} `TIMER_LOOP` naming the
   * timer. Timers set ahead of time for the same instant are never counted,
   * and the count starts again whenever time moves, so long advances over
   * short periods (a 1 ms interval for a day) are not limited.
   * @default 10000
   */
  loopLimit?: number;
}

interface ManualTimer {
  readonly id: number;
  readonly at: number;
  /** Set with a zero delay (due the instant it was set). */
  readonly zero: boolean;
  /** The advance it was set during (0: outside any advance). */
  readonly epoch: number;
  /** Emptied when cleared, so a cleared timer holds nothing its callback referenced. */
  fn: (() => void) | undefined;
}

/**
 * A {@link Clock} that moves only when the test says so. Timers fire in time
 * order (ties in the order they were set) during {@link ManualClock.advance} or
 * {@link ManualClock.advanceTo}, with pending promises settled between timers,
 * so a timer set by a timer within the advanced span fires too.
 *
 * A timer that keeps re-arming itself at 0 ms would never let an advance end:
 * past {@link ManualClockOptions.loopLimit} such timers at one instant, the
 * advance rejects with a {@link ManualClockError} `TIMER_LOOP` naming it.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(new Date("2026-01-01T00:00:00Z"));
 * const orch = createOrchestrator({ agents: [Feed], clock });
 * await orch.start();
 * await clock.advance(60_000); // a minute passes in microseconds
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  /** Binary min-heap ordered by (at, id); cleared timers stay until popped or compacted. */
  #heap: ManualTimer[] = [];
  /** Timers set and neither fired nor cleared, by id. */
  readonly #live = new Map<number, ManualTimer>();
  readonly #loopLimit: number;
  /** Advances begun so far; each gets its number. */
  #epochs = 0;
  /** The advance under way (0: none). */
  #advancing = 0;

  /**
   * @param start the initial time (ms since the epoch or a Date); default 0.
   * @param options see {@link ManualClockOptions}
   * @throws ConfigError `INVALID_OPTION` for a `start` that is not a finite time, or a bad option
   */
  constructor(start: number | Date = 0, options: ManualClockOptions = {}) {
    const check = new OptionCheck("ManualClock", invalidOption);
    this.#now = toTime(start, "ManualClock", "start");
    this.#loopLimit = check.optionalPositiveInteger(check.object(options).loopLimit, "loopLimit") ?? DEFAULT_LOOP_LIMIT;
  }

  /** The current fake time in ms since the epoch. */
  now(): number {
    return this.#now;
  }

  /** Schedule `fn` at `now() + ms` (negative or NaN delays count as 0). */
  setTimeout(fn: () => void, ms: number): unknown {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: ManualTimer = { id: ++this.#seq, at: this.#now + delay, zero: delay === 0, epoch: this.#advancing, fn };
    this.#push(timer);
    this.#live.set(timer.id, timer);
    return timer.id;
  }

  /** Cancel a pending timer; unknown or already fired handles are ignored. */
  clearTimeout(handle: unknown): void {
    if (typeof handle !== "number") return;
    const timer = this.#live.get(handle);
    if (timer === undefined) return;
    this.#live.delete(handle);
    timer.fn = undefined;
    // keep the heap proportional to the live timers when many are cleared early
    if (this.#heap.length > 64 && this.#live.size < this.#heap.length / 2) this.#compact();
  }

  /** Number of timers waiting to fire. */
  get pending(): number {
    return this.#live.size;
  }

  /** Time of the next pending timer, or `undefined` when none is set. */
  nextTimerAt(): number | undefined {
    this.#dropCancelledTop();
    return this.#heap[0]?.at;
  }

  /**
   * Move time forward by `ms`, firing every timer that falls due on the way in
   * time order and letting promises settle after each one.
   *
   * @throws ConfigError `INVALID_OPTION` (a rejection) for an `ms` that is not a non-negative number
   */
  async advance(ms: number): Promise<void> {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) throw invalid("ManualClock.advance", "ms", "a non-negative number", ms);
    await this.advanceTo(this.#now + ms);
  }

  /**
   * Move time forward to `time`, firing due timers as {@link ManualClock.advance} does.
   *
   * @throws ManualClockError `TIMER_LOOP` when more zero-delay timers than `loopLimit` fire at one instant (the clock stays at that instant)
   * @throws ConfigError `INVALID_OPTION` (a rejection) for a `time` that is not a finite time
   */
  async advanceTo(time: number | Date): Promise<void> {
    const target = toTime(time, "ManualClock.advanceTo", "time");
    const epoch = ++this.#epochs;
    const outer = this.#advancing;
    this.#advancing = epoch;
    try {
      await settle();
      let instant = this.#now;
      let looped = 0;
      for (;;) {
        this.#dropCancelledTop();
        const next = this.#heap[0];
        if (next === undefined || next.at > target) break;
        const at = Math.max(next.at, this.#now);
        if (at !== instant) {
          instant = at;
          looped = 0;
        }
        if (next.zero && next.epoch === epoch && ++looped > this.#loopLimit) throw this.#loopError(next, at);
        this.#pop();
        this.#live.delete(next.id);
        this.#now = at;
        const fn = next.fn;
        next.fn = undefined;
        fn?.();
        await settle();
      }
      if (target > this.#now) this.#now = target;
      await settle();
    } finally {
      this.#advancing = outer;
    }
  }

  /** Run every timer due now (after a {@link ManualClock.jump}, say) without moving time. */
  async runDue(): Promise<void> {
    await this.advanceTo(this.#now);
  }

  /**
   * Move time by `ms` without firing anything, as a stalled event loop, a
   * suspended machine or a wall-clock jump would. Overdue timers fire on the
   * next advance. A negative `ms` moves the clock backwards. Timers keep the
   * instant they are due at: after a jump back they fire when time reaches it.
   *
   * @throws ConfigError `INVALID_OPTION` for an `ms` that is not a finite number
   */
  jump(ms: number): void {
    if (typeof ms !== "number" || !Number.isFinite(ms)) throw invalid("ManualClock.jump", "ms", "a finite number", ms);
    this.#now += ms;
  }

  #loopError(timer: ManualTimer, at: number): ManualClockError {
    const name = timer.fn?.name || undefined;
    const when = formatInstant(at);
    return new ManualClockError(
      "TIMER_LOOP",
      `ManualClock: ${this.#loopLimit} timers set with a 0 ms delay fired at ${when} in one advance without time moving; ` +
        `timer #${timer.id} (${name === undefined ? "an anonymous function" : `function ${name}`}, due at ${formatInstant(timer.at)}) would be next. ` +
        `A timer that re-arms itself at 0 ms never lets advance() return: give it a delay, or raise \`loopLimit\` ` +
        `(new ManualClock(start, { loopLimit })) when this many is intended. The timer is left pending.`,
      { id: timer.id, name, at: timer.at },
    );
  }

  #push(timer: ManualTimer): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, heap[parent] as ManualTimer)) break;
      heap[i] = heap[parent] as ManualTimer;
      i = parent;
    }
    heap[i] = timer;
  }

  #pop(): ManualTimer | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as ManualTimer, heap[left] as ManualTimer) ? right : left;
      if (!before(heap[child] as ManualTimer, last)) break;
      heap[i] = heap[child] as ManualTimer;
      i = child;
    }
    heap[i] = last;
    return top;
  }

  #dropCancelledTop(): void {
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || top.fn !== undefined) return;
      this.#pop();
    }
  }

  /** Rebuild the heap from the live timers only. */
  #compact(): void {
    const live = [...this.#live.values()].sort((a, b) => (before(a, b) ? -1 : 1));
    this.#heap = live; // a sorted array is a valid min-heap
  }
}

/** The `ConfigError` `INVALID_OPTION` for an argument `option` of `where` that is not `what`. */
function invalid(where: string, option: string, what: string, value: unknown): Error {
  return invalidOption(`${where}: ${expected(option, what, value)}`, option, value);
}

/** `time` in ms since the epoch: a finite number, or a valid `Date`. */
function toTime(time: unknown, where: string, option: string): number {
  const ms = typeof time === "number" ? time : time instanceof Date ? time.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw invalid(where, option, "a finite time (ms since the epoch, or a valid Date)", time);
  return ms;
}

/** An instant as ISO 8601 when it is a valid date, else as ms. */
function formatInstant(at: number): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? `${at} ms` : date.toISOString();
}

function before(a: ManualTimer, b: ManualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}

/** Let queued promise callbacks run: a few macrotask turns drain chained microtasks. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
