import type { Clock } from "../clock.js";
import { TimeZone } from "./TimeZone.js";
import type { ScheduleScope } from "./TriggerKind.js";

/** Values derived per key kept at most (the cache is emptied past it). */
const MEMO_LIMIT = 10_000;

/** What one scheduler lends its time-based kinds: its clock, its zones (read once each) and a bounded cache. */
export class SchedulerScope implements ScheduleScope {
  readonly #clock: Clock;
  readonly #defaultZone: TimeZone;
  readonly #zones = new Map<string, TimeZone>();
  readonly #memo = new Map<string, unknown>();

  /**
   * @param clock - the scheduler's clock
   * @param defaultZone - the zone of triggers that name none
   */
  constructor(clock: Clock, defaultZone: TimeZone) {
    this.#clock = clock;
    this.#defaultZone = defaultZone;
  }

  /** The clock's wall time, ms since the epoch. */
  now(): number {
    return this.#clock.now();
  }

  /** The zone named (read once per name), or the default zone for `undefined`; throws RangeError for an unknown name. */
  zone(name: string | undefined): TimeZone {
    if (name === undefined) return this.#defaultZone;
    let zone = this.#zones.get(name);
    if (zone === undefined) {
      zone = new TimeZone(name);
      this.#zones.set(name, zone);
    }
    return zone;
  }

  /** The value kept for `key`, or `make()`'s, kept when it returns (a `make` that throws keeps nothing). */
  memo<V>(key: string, make: () => V): V {
    if (this.#memo.has(key)) return this.#memo.get(key) as V;
    const value = make();
    if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear();
    this.#memo.set(key, value);
    return value;
  }
}
