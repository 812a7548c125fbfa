import { performance } from "node:perf_hooks";
import { systemClock, type Clock } from "../clock.js";

/** Restarts a slice of the event loop runs at most, by default. */
export const RESTARTS_PER_SLICE = 64;

/** Real time a slice of restarts may take, by default, ms (see {@link SliceBudget}). */
export const SLICE_BUDGET_MS = 3;

/**
 * A bound on the real time of one slice: once `ms` have passed since its first
 * restart (read with `now`), the rest wait for the next turn even if the count
 * allows more. It only ever splits a slice further; without one (an injected
 * clock, as in tests with `ManualClock`) slices are cut by count alone, so
 * they stay deterministic.
 */
export interface SliceBudget {
  /** ms of real time per slice. */
  readonly ms: number;
  /** The real time, ms (monotonic: `performance.now`). */
  readonly now: () => number;
}

/** The budget of slices on the system clock. */
const SYSTEM_BUDGET: SliceBudget = Object.freeze({ ms: SLICE_BUDGET_MS, now: () => performance.now() });

/**
 * The slice budget for an orchestrator on `clock`: {@link SLICE_BUDGET_MS} of
 * real time on the system clock; none on an injected clock (a `ManualClock`
 * test runs the same slices every time).
 */
export function sliceBudgetFor(clock: Clock): SliceBudget | undefined {
  return clock === systemClock ? SYSTEM_BUDGET : undefined;
}

/**
 * Spreads restarts that fall due together over turns of the event loop. When
 * a thousand agents crash at once with the same back-off, their restart timers
 * fire in one turn; starting all of them there would block the loop for the
 * whole wave. The pacer runs at most `perSlice` restarts in a turn and hands
 * the rest, in order, to the next ones (a zero-delay timer on the clock), so
 * every turn stays short and the wave still ends within a few turns.
 *
 * A slice ends at `perSlice` restarts, or earlier once its real-time budget
 * (when given) is spent: cold restarts (a process's first storm, code not yet
 * optimised) cost several times warm ones, and a count alone would let those
 * slices run long.
 *
 * A lone restart runs at once; the pacer's own timer (which closes the slice)
 * is cleared by {@link RestartPacer.stop} at shutdown.
 */
export class RestartPacer {
  readonly #clock: Clock;
  readonly #perSlice: number;
  readonly #budget: SliceBudget | undefined;
  #ran = 0;
  /** When this turn's first restart ran (real time; only with a budget). */
  #sliceStart = 0;
  #queue: Array<() => void> = [];
  #head = 0;
  #timer: unknown;
  #stopped = false;

  /**
   * @param perSlice - restarts run in one turn at most
   * @param budget - real time one turn's restarts may take (none: count only)
   */
  constructor(clock: Clock, perSlice = RESTARTS_PER_SLICE, budget?: SliceBudget) {
    this.#clock = clock;
    this.#perSlice = perSlice;
    this.#budget = budget;
  }

  /** Run `restart` now when this turn has room, else in a later turn (never after {@link RestartPacer.stop}). */
  run(restart: () => void): void {
    if (this.#stopped) return;
    this.#armSliceEnd();
    if (this.#head === this.#queue.length && this.#hasRoom()) {
      this.#ran++;
      restart();
      return;
    }
    this.#queue.push(restart);
  }

  /** Drop the restarts still waiting and clear the timer: shutdown has begun. */
  stop(): void {
    this.#stopped = true;
    this.#queue = [];
    this.#head = 0;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Whether this turn may run one more restart: under the count, and under the budget once one has run. */
  #hasRoom(): boolean {
    if (this.#ran >= this.#perSlice) return false;
    const budget = this.#budget;
    if (budget === undefined) return true;
    if (this.#ran === 0) {
      this.#sliceStart = budget.now();
      return true;
    }
    return budget.now() - this.#sliceStart < budget.ms;
  }

  #armSliceEnd(): void {
    this.#timer ??= this.#clock.setTimeout(() => this.#nextSlice(), 0);
  }

  /** A new turn: run the next restarts waiting, up to a slice. */
  #nextSlice(): void {
    this.#timer = undefined;
    this.#ran = 0;
    const queue = this.#queue;
    while (this.#head < queue.length && !this.#stopped && this.#hasRoom()) {
      const restart = queue[this.#head] as () => void;
      queue[this.#head++] = noop;
      this.#ran++;
      try {
        restart();
      } catch {
        // a restart reports its own failures; one that throws must not hold up the others
      }
    }
    if (this.#head === queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
    if (this.#ran > 0 && !this.#stopped) this.#armSliceEnd();
  }
}

const noop = (): void => undefined;
