/**
 * The crash-loop window after a crash at `at`: `times` (in the order they
 * were recorded) without its expired head — the leading times at or before
 * `at − within` — with `at` added. While the clock only moves forward that is
 * the crashes inside `(at − within, at]`; after the wall clock steps back, a
 * time behind a later, unexpired one is kept (counting more, never fewer).
 * Pure: `times` is not changed.
 */
export function slideCrashWindow(times: readonly number[], at: number, within: number): readonly number[] {
  return [...trimExpired(times, at - within), at];
}

/** `times` without its leading entries at or before `floor`. */
function trimExpired(times: readonly number[], floor: number): readonly number[] {
  let start = 0;
  while (start < times.length && (times[start] ?? Infinity) <= floor) start++;
  return start === 0 ? times : times.slice(start);
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
    this.#times = trimExpired(this.#times, now - this.within);
    return this.#times.length;
  }

  /** Forget every crash (an operator's `enable()`). */
  clear(): void {
    this.#times = [];
  }
}
