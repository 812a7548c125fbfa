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

  constructor(clock: Clock, defaultZone: TimeZone) {
    this.#clock = clock;
    this.#defaultZone = defaultZone;
  }

  now(): number {
    return this.#clock.now();
  }

  zone(name: string | undefined): TimeZone {
    if (name === undefined) return this.#defaultZone;
    let zone = this.#zones.get(name);
    if (zone === undefined) {
      zone = new TimeZone(name);
      this.#zones.set(name, zone);
    }
    return zone;
  }

  memo<V>(key: string, make: () => V): V {
    if (this.#memo.has(key)) return this.#memo.get(key) as V;
    const value = make();
    if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear();
    this.#memo.set(key, value);
    return value;
  }
}
