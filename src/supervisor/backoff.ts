import { describeValue } from "../check.js";
import { describeThrown } from "../errors/describeThrown.js";

/** Back-off settings in ms (see `supervisor.backoff` in the configuration). */
export interface BackoffSettings {
  readonly initial: number;
  readonly max: number;
  readonly factor: number;
  readonly jitter: number;
}

/**
 * Delay before restart `n` (counting from 0):
 * `min(max, initial·factorⁿ) · (1 − jitter·U)`, U uniform in [0, 1) from `random`.
 * Jitter only shortens a delay, so every delay lies in [initial·(1 − jitter), max]
 * and never passes the cap.
 */
export function backoffDelay(n: number, settings: BackoffSettings, random: () => number): number {
  const { initial, max, factor, jitter } = settings;
  const base = Math.min(max, initial * Math.pow(factor, Math.max(0, n)));
  const u = random();
  const unit = Number.isFinite(u) && u >= 0 && u < 1 ? u : 0;
  return Math.round(base * (1 - jitter * unit));
}

/**
 * A back-off strategy: the delay in ms before restart number `attempt`
 * (0 for the first restart after a stable run) given a `random` draw in
 * [0, 1). The default is the exponential back-off of `supervisor.backoff`;
 * a group given in code may replace it.
 */
export type BackoffStrategy = (attempt: number, random: () => number) => number;

/**
 * The exponential back-off of `settings` as a {@link BackoffStrategy}.
 *
 * @example
 * ```ts
 * const strategy = exponentialBackoff({ initial: 1_000, max: 60_000, factor: 2, jitter: 0 });
 * strategy(3, Math.random); // 8_000
 * ```
 */
export function exponentialBackoff(settings: BackoffSettings): BackoffStrategy {
  return (attempt, random) => backoffDelay(attempt, settings, random);
}

/** A delay to wait, and why the strategy's own answer was refused (absent when it was used). */
export interface CheckedDelay {
  /** Whole ms, at least 0. */
  readonly delay: number;
  /** What was wrong with the strategy's answer (`threw …`, `returned …`), when `fallback` decided instead. */
  readonly refused?: string;
}

/**
 * Ask `strategy` for the delay of `attempt`; a strategy that throws or returns
 * anything but a finite number ≥ 0 must not break supervision, so `fallback`
 * (the exponential back-off) decides instead and `refused` says why. A good
 * answer is rounded to whole ms.
 */
export function checkedDelay(strategy: BackoffStrategy, fallback: BackoffStrategy, attempt: number, random: () => number): CheckedDelay {
  let value: unknown;
  try {
    value = strategy(attempt, random);
  } catch (error) {
    return { delay: fallback(attempt, random), refused: `threw: ${describeThrown(error)}` };
  }
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return { delay: Math.round(value) };
  return { delay: fallback(attempt, random), refused: `returned ${describeValue(value)}, not a finite number of ms ≥ 0` };
}
