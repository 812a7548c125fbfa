import { slideCrashWindow } from "../CrashWindow.js";

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
 * sliding window of restart times (as {@link slideCrashWindow} slides it).
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
  #times: readonly number[] = NO_HISTORY;

  /**
   * @param limit the group's intensity; absent: the group never fails as a whole.
   * @throws RangeError when `maxRestarts` is not a non-negative integer or `within` not a positive number of ms.
   */
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
    this.#times = slideCrashWindow(this.#times, at, limit.within);
    return this.#times.length > limit.maxRestarts;
  }

  /** Forget every restart (an operator's `enable()`, or the group restarted by its parent). */
  clear(): void {
    this.#times = NO_HISTORY;
  }

  /** The restart times inside the window as of the last {@link GroupIntensity.record}, oldest first (the crash history an escalation reports). */
  history(): readonly number[] {
    return this.#times;
  }
}
