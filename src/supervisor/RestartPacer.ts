import type { Clock } from "../clock.js";

/** Restarts a slice of the event loop runs at most, by default. */
export const RESTARTS_PER_SLICE = 64;

/**
 * Spreads restarts that fall due together over turns of the event loop. When
 * a thousand agents crash at once with the same back-off, their restart timers
 * fire in one turn; starting all of them there would block the loop for the
 * whole wave. The pacer runs at most `perSlice` restarts in a turn and hands
 * the rest, in order, to the next ones (a zero-delay timer on the clock), so
 * every turn stays short and the wave still ends within a few turns.
 *
 * A lone restart runs at once; the pacer's own timer (which closes the slice)
 * is cleared by {@link RestartPacer.stop} at shutdown.
 */
export class RestartPacer {
  readonly #clock: Clock;
  readonly #perSlice: number;
  #ran = 0;
  #queue: Array<() => void> = [];
  #head = 0;
  #timer: unknown;
  #stopped = false;

  /** @param perSlice - restarts run in one turn at most */
  constructor(clock: Clock, perSlice = RESTARTS_PER_SLICE) {
    this.#clock = clock;
    this.#perSlice = perSlice;
  }

  /** Run `restart` now when this turn has room, else in a later turn (never after {@link RestartPacer.stop}). */
  run(restart: () => void): void {
    if (this.#stopped) return;
    this.#armSliceEnd();
    if (this.#ran < this.#perSlice && this.#head === this.#queue.length) {
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

  #armSliceEnd(): void {
    this.#timer ??= this.#clock.setTimeout(() => this.#nextSlice(), 0);
  }

  /** A new turn: run the next restarts waiting, up to a slice. */
  #nextSlice(): void {
    this.#timer = undefined;
    this.#ran = 0;
    const queue = this.#queue;
    while (this.#ran < this.#perSlice && this.#head < queue.length && !this.#stopped) {
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
