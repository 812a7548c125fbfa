import type { Clock } from "../../clock.js";

/** How {@link RequestTimeouts} reads and writes what it keeps of a request (its fields stay private to the request). */
export interface TimeoutEntries<T> {
  /** When `request` times out, in ms since the timeouts' {@link RequestTimeouts.origin} (small integers: no number box per request). */
  deadline(request: T): number;
  /** Position of `request` in the heap; -1 when not in it. */
  slot(request: T): number;
  setSlot(request: T, slot: number): void;
  /** The deadline of `request` passed: reject it (called once, after it left the heap). */
  timedOut(request: T): void;
}

/**
 * The timeouts of every pending request of a bus on one timer of the bus's
 * clock: a min-heap of requests by deadline, the timer armed for the earliest.
 * Adding and removing a request is O(log n) and allocates nothing; a request
 * that settles leaves the heap at once.
 *
 * When the last pending request settles, the timer is cleared (`idle: "clear"`,
 * for an injected clock, whose tests see no timer left behind) or left armed
 * (`idle: "keep"`, for the system clock, whose timers are unref'd): a bus that
 * answers requests one at a time then arms no timer per request, only about
 * one per timeout period, when the armed one fires and finds nothing due.
 */
export class RequestTimeouts<T> {
  readonly #clock: Clock;
  readonly #entries: TimeoutEntries<T>;
  #keepIdle: boolean;
  readonly #heap: T[] = [];
  #timer: unknown = undefined;
  /** The deadline the armed timer is due at (meaningful while `#timer !== undefined`). */
  #armedFor = 0;
  readonly #fire = (): void => this.#expire();
  /** The clock's time when the timeouts were created: deadlines count from it. */
  readonly origin: number;

  /**
   * @param clock - the bus's clock
   * @param idle - what to do with the timer when no request is pending
   * @param entries - how to read a request's deadline and heap slot
   */
  constructor(clock: Clock, idle: "keep" | "clear", entries: TimeoutEntries<T>) {
    this.#clock = clock;
    this.#keepIdle = idle === "keep";
    this.#entries = entries;
    this.origin = clock.now();
  }

  /** The deadline, counted from {@link RequestTimeouts.origin}, of a request made at `now` (the clock's time) with `timeoutMs`. */
  deadline(now: number, timeoutMs: number): number {
    return now - this.origin + timeoutMs;
  }

  /** Requests pending now. */
  get size(): number {
    return this.#heap.length;
  }

  /** Whether a timer is armed on the clock now. */
  get armed(): boolean {
    return this.#timer !== undefined;
  }

  /** Time `request` out at its deadline. */
  add(request: T): void {
    const heap = this.#heap;
    heap.push(request);
    this.#up(heap.length - 1);
    const deadline = this.#entries.deadline(request);
    if (this.#timer === undefined || deadline < this.#armedFor) this.#arm(deadline);
  }

  /** Forget `request` (it settled). */
  remove(request: T): void {
    const entries = this.#entries;
    const slot = entries.slot(request);
    if (slot < 0) return;
    entries.setSlot(request, -1);
    const heap = this.#heap;
    const last = heap.pop() as T;
    if (slot < heap.length) {
      heap[slot] = last;
      entries.setSlot(last, slot);
      this.#down(slot);
      this.#up(entries.slot(last));
    }
    if (heap.length === 0 && !this.#keepIdle) this.#disarm();
  }

  /** From now on, clear the timer whenever no request is pending (the bus closed). */
  release(): void {
    this.#keepIdle = false;
    if (this.#heap.length === 0) this.#disarm();
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#armedFor = at;
    this.#timer = this.#clock.setTimeout(this.#fire, at - (this.#clock.now() - this.origin));
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #expire(): void {
    this.#timer = undefined;
    const heap = this.#heap;
    const entries = this.#entries;
    const now = this.#clock.now() - this.origin;
    while (heap.length > 0 && entries.deadline(heap[0] as T) <= now) {
      const request = heap[0] as T;
      this.remove(request);
      entries.timedOut(request);
    }
    const next = heap[0];
    if (next !== undefined && this.#timer === undefined) this.#arm(entries.deadline(next));
  }

  #up(slot: number): void {
    const heap = this.#heap;
    const entries = this.#entries;
    const item = heap[slot] as T;
    const deadline = entries.deadline(item);
    while (slot > 0) {
      const parentSlot = (slot - 1) >> 1;
      const parent = heap[parentSlot] as T;
      if (entries.deadline(parent) <= deadline) break;
      heap[slot] = parent;
      entries.setSlot(parent, slot);
      slot = parentSlot;
    }
    heap[slot] = item;
    entries.setSlot(item, slot);
  }

  #down(slot: number): void {
    const heap = this.#heap;
    const entries = this.#entries;
    const item = heap[slot] as T;
    const deadline = entries.deadline(item);
    const size = heap.length;
    for (;;) {
      let child = 2 * slot + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && entries.deadline(heap[right] as T) < entries.deadline(heap[child] as T)) child = right;
      const smaller = heap[child] as T;
      if (entries.deadline(smaller) >= deadline) break;
      heap[slot] = smaller;
      entries.setSlot(smaller, slot);
      slot = child;
    }
    heap[slot] = item;
    entries.setSlot(item, slot);
  }
}
