import type { Clock } from "../clock.js";
import type { LoopStatus } from "../observe/ObservedSource.js";

/** How often the orchestrator's own loop ticks (liveness). */
export const LOOP_INTERVAL_MS = 5_000;

/**
 * The orchestrator's own loop: a timer on the clock that records each tick, so
 * `/livez` can tell a live orchestrator from a stuck event loop. It re-arms
 * while `alive()` says so, and stops for good on {@link LivenessLoop.stop}.
 */
export class LivenessLoop {
  readonly #clock: Clock;
  readonly #alive: () => boolean;
  #timer: unknown;
  #lastTickAt = 0;

  /** @param alive - whether the loop re-arms after a tick (asked at each tick) */
  constructor(clock: Clock, alive: () => boolean) {
    this.#clock = clock;
    this.#alive = alive;
  }

  /** When the loop last ticked and how often it ticks. */
  status(): LoopStatus {
    return { lastTickAt: this.#lastTickAt, intervalMs: LOOP_INTERVAL_MS };
  }

  /** Tick now, then every {@link LOOP_INTERVAL_MS} while alive. */
  start(): void {
    this.#tick();
  }

  /** Clear the armed timer. */
  stop(): void {
    this.#clock.clearTimeout(this.#timer);
  }

  readonly #tick = (): void => {
    this.#lastTickAt = this.#clock.now();
    if (this.#alive()) this.#timer = this.#clock.setTimeout(this.#tick, LOOP_INTERVAL_MS);
  };
}
