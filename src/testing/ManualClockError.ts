import { OrchestratorError } from "../errors/OrchestratorError.js";

/**
 * Codes of {@link ManualClockError}:
 * - `TIMER_LOOP`: within one `advance()`, more zero-delay timers fired at one
 *   instant than the clock's `loopLimit` allows (a timer that re-arms itself at
 *   0 ms would keep `advance()` from ever returning).
 */
export type ManualClockErrorCode = "TIMER_LOOP";

/** The timer a {@link ManualClockError} names. */
export interface ManualClockTimerInfo {
  /** The timer's handle, as `setTimeout` returned it. */
  readonly id: number;
  /** The callback's function name; `undefined` for an anonymous function. */
  readonly name: string | undefined;
  /** When it was due, ms since the epoch. */
  readonly at: number;
}

/**
 * An `advance()` (or `advanceTo()`, `runDue()`) of a `ManualClock` that could
 * not finish. The timer it names is left pending, not run.
 *
 * @example
 * ```ts
 * try { await clock.advance(1_000); }
 * catch (error) { if (error instanceof ManualClockError) console.log(error.timer.name); }
 * ```
 */
export class ManualClockError extends OrchestratorError {
  override name = "ManualClockError";
  declare readonly code: ManualClockErrorCode;
  /** The timer that was about to run past the limit. */
  readonly timer: ManualClockTimerInfo;

  constructor(code: ManualClockErrorCode, message: string, timer: ManualClockTimerInfo) {
    super(code, message);
    this.timer = timer;
  }
}
