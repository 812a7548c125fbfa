import type { Clock } from "../clock.js";

interface ManualTimer {
  readonly id: number;
  readonly at: number;
  /** Emptied when cleared, so a cleared timer holds nothing its callback referenced. */
  fn: (() => void) | undefined;
}

/**
 * A {@link Clock} that moves only when the test says so. Timers fire in time
 * order (ties in the order they were set) during {@link ManualClock.advance} or
 * {@link ManualClock.advanceTo}, with pending promises settled between timers,
 * so a timer set by a timer within the advanced span fires too.
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

  /** @param start the initial time (ms since the epoch or a Date); default 0. */
  constructor(start: number | Date = 0) {
    this.#now = typeof start === "number" ? start : start.getTime();
    if (!Number.isFinite(this.#now)) throw new TypeError(`ManualClock: expected \`start\` to be a finite time, got ${String(start)}`);
  }

  /** The current fake time in ms since the epoch. */
  now(): number {
    return this.#now;
  }

  /** Schedule `fn` at `now() + ms` (negative or NaN delays count as 0). */
  setTimeout(fn: () => void, ms: number): unknown {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: ManualTimer = { id: ++this.#seq, at: this.#now + delay, fn };
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
   */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new TypeError(`ManualClock.advance: expected \`ms\` to be a non-negative number, got ${String(ms)}`);
    await this.advanceTo(this.#now + ms);
  }

  /** Move time forward to `time`, firing due timers as {@link ManualClock.advance} does. */
  async advanceTo(time: number | Date): Promise<void> {
    const target = typeof time === "number" ? time : time.getTime();
    if (!Number.isFinite(target)) throw new TypeError(`ManualClock.advanceTo: expected a finite time, got ${String(time)}`);
    await settle();
    for (;;) {
      this.#dropCancelledTop();
      const next = this.#heap[0];
      if (next === undefined || next.at > target) break;
      this.#pop();
      this.#live.delete(next.id);
      if (next.at > this.#now) this.#now = next.at;
      const fn = next.fn;
      next.fn = undefined;
      fn?.();
      await settle();
    }
    if (target > this.#now) this.#now = target;
    await settle();
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
   */
  jump(ms: number): void {
    if (!Number.isFinite(ms)) throw new TypeError(`ManualClock.jump: expected \`ms\` to be a finite number, got ${String(ms)}`);
    this.#now += ms;
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

function before(a: ManualTimer, b: ManualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}

/** Let queued promise callbacks run: a few macrotask turns drain chained microtasks. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
