/** Longer than any run needs to re-arm: the interval exists only to hold the event loop open. */
const KEEP_ALIVE_INTERVAL_MS = 1 << 30;

/**
 * Holds the process open while the orchestrator runs (`keepAlive: true`): a
 * referenced interval that does nothing, on the real timers (never the
 * injected clock: a fake clock must not keep a process alive).
 */
export class KeepAlive {
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Hold the process open (idempotent). */
  hold(): void {
    this.#timer ??= setInterval(() => undefined, KEEP_ALIVE_INTERVAL_MS);
  }

  /** Let the process exit again (idempotent). */
  release(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
