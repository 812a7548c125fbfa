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

