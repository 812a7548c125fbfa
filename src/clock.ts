/**
 * The source of time for everything the library does: the bus's request
 * timeouts, the supervisor's back-off and heartbeats, the scheduler's timer.
 * Inject a `ManualClock` (from `@acme/agent-orchestrator/testing`) to run all of
 * it on fake time.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, as `Date.now()`. */
  now(): number;
  /** Call `fn` once after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancel a timer set with {@link Clock.setTimeout}; unknown or fired handles are ignored. */
  clearTimeout(handle: unknown): void;
}

/**
 * The real clock: `Date.now()` and Node's timers. Its timers are `unref`'d, so
 * they never keep the host process alive on their own.
 */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout(fn: () => void, ms: number): unknown {
    const timer = setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMEOUT_MS));
    timer.unref();
    return timer;
  },
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
});

/** The largest delay `setTimeout` honours (2^31 − 1 ms); longer ones fire at once. */
export const MAX_TIMEOUT_MS = 2_147_483_647;
