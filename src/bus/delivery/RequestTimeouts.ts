import type { Clock } from "../../clock.js";

/** What {@link RequestTimeouts} keeps: a request with a deadline on the clock. */
export interface TimedRequest {
  /** When the request times out, in the clock's ms. */
  deadline: number;
  /** Position in the timeouts' heap; -1 when not in it. */
  slot: number;
  /** The deadline passed: reject (called once, after the request left the heap). */
  timedOut(): void;
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
export class RequestTimeouts {
  readonly #clock: Clock;
  #keepIdle: boolean;
  readonly #heap: TimedRequest[] = [];
  #timer: unknown = undefined;
  /** The time the armed timer is due (meaningful while `#timer !== undefined`). */
  #armedFor = 0;
  readonly #fire = (): void => this.#expire();

  /**
   * @param clock - the bus's clock
   * @param idle - what to do with the timer when no request is pending
   */
  constructor(clock: Clock, idle: "keep" | "clear") {
    this.#clock = clock;
    this.#keepIdle = idle === "keep";
  }

  /** Requests pending now. */
  get size(): number {
    return this.#heap.length;
  }

  /** The clock's time now. */
  now(): number {
    return this.#clock.now();
  }

  /** Time `request` out at its `deadline`. */
  add(request: TimedRequest): void {
    const heap = this.#heap;
    request.slot = heap.length;
    heap.push(request);
    this.#up(request.slot);
    if (this.#timer === undefined || request.deadline < this.#armedFor) this.#arm(request.deadline);
  }

  /** Forget `request` (it settled). */
  remove(request: TimedRequest): void {
    const slot = request.slot;
    if (slot < 0) return;
    request.slot = -1;
    const heap = this.#heap;
    const last = heap.pop() as TimedRequest;
    if (slot < heap.length) {
      heap[slot] = last;
      last.slot = slot;
      this.#down(slot);
      this.#up(last.slot);
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
    this.#timer = this.#clock.setTimeout(this.#fire, at - this.#clock.now());
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #expire(): void {
    this.#timer = undefined;
    const heap = this.#heap;
    const now = this.#clock.now();
    while (heap.length > 0 && (heap[0] as TimedRequest).deadline <= now) {
      const request = heap[0] as TimedRequest;
      this.remove(request);
      request.timedOut();
    }
    const next = heap[0];
    if (next !== undefined && this.#timer === undefined) this.#arm(next.deadline);
  }

  #up(slot: number): void {
    const heap = this.#heap;
    const item = heap[slot] as TimedRequest;
    while (slot > 0) {
      const parentSlot = (slot - 1) >> 1;
      const parent = heap[parentSlot] as TimedRequest;
      if (parent.deadline <= item.deadline) break;
      heap[slot] = parent;
      parent.slot = slot;
      slot = parentSlot;
    }
    heap[slot] = item;
    item.slot = slot;
  }

  #down(slot: number): void {
    const heap = this.#heap;
    const item = heap[slot] as TimedRequest;
    const size = heap.length;
    for (;;) {
      let child = 2 * slot + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && (heap[right] as TimedRequest).deadline < (heap[child] as TimedRequest).deadline) child = right;
      const smaller = heap[child] as TimedRequest;
      if (smaller.deadline >= item.deadline) break;
      heap[slot] = smaller;
      smaller.slot = slot;
      slot = child;
    }
    heap[slot] = item;
    item.slot = slot;
  }
}
