import type { Clock } from "../clock.js";

/** The back-offs ending at one moment, on one timer. */
interface Due {
  /** When they end, ms on the clock. */
  readonly at: number;
  /** The clock's timer for them. */
  timer: unknown;
  /** Called when they end, in the order they were set. */
  readonly waiting: Set<() => void>;
}

/**
 * The back-off timers of every agent of an orchestrator: back-offs that end
 * at the same moment (a crash storm with a common back-off) share one timer
 * of the clock instead of one each, so their end is one callback, not a
 * thousand. Each back-off is still cancelled on its own; a timer is cleared
 * when its last back-off is.
 */
export class BackoffTimers {
  readonly #clock: Clock;
  readonly #due = new Map<number, Due>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Call `elapsed` once `delay` ms have passed; returns the handle for {@link BackoffTimers.clear}. */
  set(elapsed: () => void, delay: number): unknown {
    const at = this.#clock.now() + delay;
    let due = this.#due.get(at);
    if (due === undefined) {
      const created: Due = { at, timer: undefined, waiting: new Set() };
      created.timer = this.#clock.setTimeout(() => this.#end(created), delay);
      this.#due.set(at, created);
      due = created;
    }
    due.waiting.add(elapsed);
    return due;
  }

  /** Cancel the back-off `handle` of `elapsed` (nothing once it has ended). */
  clear(handle: unknown, elapsed: () => void): void {
    const due = handle as Due;
    if (!due.waiting.delete(elapsed) || due.waiting.size > 0) return;
    this.#clock.clearTimeout(due.timer);
    if (this.#due.get(due.at) === due) this.#due.delete(due.at);
  }

  /** Clear every timer: shutdown has begun (each agent cancels its own back-off too). */
  stop(): void {
    for (const due of this.#due.values()) this.#clock.clearTimeout(due.timer);
    this.#due.clear();
  }

  #end(due: Due): void {
    if (this.#due.get(due.at) === due) this.#due.delete(due.at);
    // the live set: a back-off cancelled by an earlier one's restart is skipped
    for (const elapsed of due.waiting) {
      due.waiting.delete(elapsed);
      try {
        elapsed();
      } catch {
        // an agent's restart reports its own failures; one that throws must not hold up the others
      }
    }
  }
}
