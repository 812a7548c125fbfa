import type { Subscriber } from "./Subscriber.js";

/** A `flush()` call waiting for the deliveries queued before it. */
interface FlushWaiter {
  /** Per subscription, the delivery position every earlier delivery must have passed. */
  marks: Array<{ sub: Subscriber; mark: number }>;
  resolve(): void;
}

/** The promise every flush with nothing to wait for returns. */
const SETTLED: Promise<void> = Promise.resolve();

/**
 * The `flush()` calls waiting for deliveries. A flush marks, for each busy
 * subscription, the position of its last queued delivery; it resolves once
 * every subscription has passed its mark (each earlier delivery handled or
 * dropped). Later messages are not waited for.
 */
export class FlushWaiters {
  #waiters: FlushWaiter[] = [];

  /** Flushes waiting now. */
  get size(): number {
    return this.#waiters.length;
  }

  /** A flush of `subscribers` (the live ones): resolves once the deliveries queued now have settled. */
  wait(subscribers: Iterable<Subscriber>): Promise<void> {
    const marks: FlushWaiter["marks"] = [];
    for (const sub of subscribers) {
      if (sub.busy) marks.push({ sub, mark: sub.taken + sub.queued });
    }
    if (marks.length === 0) return SETTLED;
    return new Promise<void>((resolve) => {
      this.#waiters.push({ marks, resolve });
    });
  }

  /** Resolve the flushes whose marks have all been passed. */
  check(): void {
    const waiting: FlushWaiter[] = [];
    for (const waiter of this.#waiters) {
      waiter.marks = waiter.marks.filter(({ sub, mark }) => !passed(sub, mark));
      if (waiter.marks.length === 0) waiter.resolve();
      else waiting.push(waiter);
    }
    this.#waiters = waiting;
  }
}

/** Whether every delivery of `sub` before position `mark` has been handled or dropped. */
export function passed(sub: Subscriber, mark: number): boolean {
  return sub.taken >= mark && !sub.runningBefore(mark);
}
