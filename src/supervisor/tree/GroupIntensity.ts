
/** A group's restart intensity: more than `maxRestarts` restarts inside `within` ms fails the group (OTP's intensity and period). */
export interface IntensityLimit {
  /** Restarts tolerated inside the window; `0` fails on the first restart. */
  readonly maxRestarts: number;
  /** The window, in ms. */
  readonly within: number;
}

const NO_HISTORY: readonly number[] = Object.freeze([]);

/**
 * The restarts a group has made of its children, against its intensity: a
 * sliding window of restart times (as `slideCrashWindow` slides it).
 * Without a limit it never fails and keeps nothing.
 *
 * The owner calls {@link GroupIntensity.clear} when an operator enables the
 * group or its parent restarts it; failing does not clear the window.
 *
 * @example
 * const intensity = new GroupIntensity({ maxRestarts: 1, within: 5_000 });
 * intensity.record(1_000); // → false (1 restart)
 * intensity.record(2_000); // → true  (2 restarts inside 5 s)
 */
export class GroupIntensity {
  readonly #limit: IntensityLimit | undefined;
  /** Restart times in the order recorded; those before `#head` have left the window. */
  #times: number[] = [];
  #head = 0;

  constructor(limit?: IntensityLimit) {
    if (limit !== undefined) {
      if (!Number.isInteger(limit.maxRestarts) || limit.maxRestarts < 0) {
        throw new RangeError(`Expected \`intensity.maxRestarts\` to be a non-negative integer, got ${String(limit.maxRestarts)}.`);
      }
      if (!(limit.within > 0)) throw new RangeError(`Expected \`intensity.within\` to be a positive number of ms, got ${String(limit.within)}.`);
    }
    this.#limit = limit;
  }

  /**
   * Record one restart of a child at `at` (ms) and tell whether the group is
   * now over its intensity: more than `maxRestarts` restarts in
   * `(at − within, at]`, this one included.
   */
  record(at: number): boolean {
    const limit = this.#limit;
    if (limit === undefined) return false;
    const times = this.#times;
    const floor = at - limit.within;
    // the expired head leaves (as slideCrashWindow: a time behind a later, unexpired one stays)
    while (this.#head < times.length && (times[this.#head] as number) <= floor) this.#head++;
    times.push(at);
    if (this.#head > 64 && this.#head * 2 > times.length) {
      // drop the expired head now and then: each record costs O(1) amortised, even in a storm of restarts
      this.#times = times.slice(this.#head);
      this.#head = 0;
    }
    return this.#times.length - this.#head > limit.maxRestarts;
  }


  /** Forget every restart (an operator's `enable()`, or the group restarted by its parent). */
  clear(): void {
    this.#times = [];
    this.#head = 0;
  }


  /** The restart times inside the window as of the last {@link GroupIntensity.record}, oldest first (the crash history an escalation reports). */
  history(): readonly number[] {
    return this.#limit === undefined ? NO_HISTORY : this.#times.slice(this.#head);
  }

}
