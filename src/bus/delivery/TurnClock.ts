import type { Clock } from "../../clock.js";

const SETTLED: Promise<void> = Promise.resolve();

/**
 * How a bus stamps `message.timestamp`:
 * - `"turn"`: the clock is read once per synchronous turn and the time reused
 *   for every message published in that turn (see {@link TurnClock});
 * - `"exact"`: the clock is read for every message.
 */
export type TimestampMode = "turn" | "exact";

/**
 * The bus's source of message timestamps. In `"turn"` mode it reads its clock
 * at most once per synchronous turn: the first message of a turn reads the
 * clock, later messages of the same turn reuse that time. A turn ends at the
 * next microtask checkpoint the reader schedules, and at every handler call the
 * delivery core makes ({@link TurnClock.nextTurn}), so a reused time is never
 * older than the start of the synchronous code that publishes, and a later
 * message never carries an earlier time than an earlier one unless the clock
 * itself went back. In `"exact"` mode every read goes to the clock.
 */
export class TurnClock {
  readonly #clock: Clock;
  readonly #exact: boolean;
  /** The time of the current turn, valid while `#fresh`. */
  #time = 0;
  #fresh = false;
  /** Whether the microtask that ends the current turn is queued. */
  #ending = false;
  readonly #endTurn = (): void => {
    this.#fresh = false;
    this.#ending = false;
  };

  /**
   * @param clock - the clock read
   * @param mode - see {@link TimestampMode}
   */
  constructor(clock: Clock, mode: TimestampMode) {
    this.#clock = clock;
    this.#exact = mode === "exact";
  }

  /** The time to stamp a message with now. */
  now(): number {
    if (this.#fresh) return this.#time;
    const time = this.#clock.now();
    if (this.#exact) return time;
    this.#time = time;
    this.#fresh = true;
    if (!this.#ending) {
      this.#ending = true;
      void SETTLED.then(this.#endTurn); // cheaper than queueMicrotask (see DeliveryCore)
    }
    return time;
  }

  /**
   * The clock's exact time now, for what needs it (a request's deadline); a
   * later message of the same turn is stamped no earlier than it.
   */
  exact(): number {
    const time = this.#clock.now();
    if (this.#fresh && time > this.#time) this.#time = time;
    return time;
  }

  /** A new synchronous turn begins (a handler call): the next {@link TurnClock.now} reads the clock. */
  nextTurn(): void {
    this.#fresh = false;
  }
}
