/**
 * A sliding window of crash times: {@link CrashWindow.record} adds one and
 * returns how many fall inside the last `within` ms (the new one included).
 */
export class CrashWindow {
  readonly #times: number[] = [];
  readonly within: number;

  constructor(within: number) {
    this.within = within;
  }

  /** Record a crash at `at` and return the number of crashes in `(at − within, at]`. */
  record(at: number): number {
    this.#times.push(at);
    return this.count(at);
  }

  /** Crashes in `(now − within, now]`. */
  count(now: number): number {
    const floor = now - this.within;
    while (this.#times.length > 0 && (this.#times[0] as number) <= floor) this.#times.shift();
    return this.#times.length;
  }

  /** Forget every crash (an operator's `enable()`). */
  clear(): void {
    this.#times.length = 0;
  }
}
