/**
 * The crash-loop window after a crash at `at`: the times of `times` (oldest
 * first) later than `at − within`, with `at` added: the crashes inside
 * `(at − within, at]`, as crash times never go back. Pure: `times` is not changed.
 */
export function slideCrashWindow(times: readonly number[], at: number, within: number): readonly number[] {
  const floor = at - within;
  return [...times.filter((time) => time > floor), at];
}

/**
 * A sliding window of crash times: {@link CrashWindow.record} adds one and
 * returns how many fall inside the last `within` ms (the new one included).
 * The mutable companion of {@link slideCrashWindow}.
 */
export class CrashWindow {
  #times: readonly number[] = [];
  readonly within: number;

  constructor(within: number) {
    this.within = within;
  }

  /** Record a crash at `at` and return the number of crashes in `(at − within, at]`. */
  record(at: number): number {
    this.#times = slideCrashWindow(this.#times, at, this.within);
    return this.#times.length;
  }

  /** Crashes in `(now − within, now]`. */
  count(now: number): number {
    const floor = now - this.within;
    this.#times = this.#times.filter((time) => time > floor);
    return this.#times.length;
  }

  /** Forget every crash (an operator's `enable()`). */
  clear(): void {
    this.#times = [];
  }
}
