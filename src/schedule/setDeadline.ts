import { MAX_TIMEOUT_MS, type Clock } from "../clock.js";

/**
 * Call `fn` once `ms` have passed on `clock`, however long `ms` is: waits
 * longer than `setTimeout` allows (2^31 − 1 ms) are taken in steps, re-reading
 * `clock.now()` at each. Returns a function that cancels the deadline.
 */
export function setDeadline(clock: Clock, ms: number, fn: () => void): () => void {
  const target = clock.now() + ms;
  let handle: unknown;
  let cancelled = false;
  const wait = (): void => {
    const remaining = target - clock.now();
    if (remaining <= 0) {
      handle = undefined;
      fn();
      return;
    }
    handle = clock.setTimeout(wait, Math.min(remaining, MAX_TIMEOUT_MS));
  };
  handle = clock.setTimeout(wait, Math.min(Math.max(ms, 0), MAX_TIMEOUT_MS));
  return () => {
    if (cancelled) return;
    cancelled = true;
    if (handle !== undefined) clock.clearTimeout(handle);
    handle = undefined;
  };
}
