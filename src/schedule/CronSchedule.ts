import { CronExpressionParser, type CronExpression } from "cron-parser";
import type { TimeZone } from "./TimeZone.js";

const DAY_MS = 86_400_000;
/** Local slots examined at most when looking backwards for the latest slot. */
const PREVIOUS_LIMIT = 10_000;

/** A cron expression read, validated and normalised once, shared by every series built on it. */
export interface CronPattern {
  /** The expression as written. */
  readonly expression: string;
  /** The normalised six-field form (`0-59 * * * *` → `0 * * * * *`); equal patterns share a series. */
  readonly canonical: string;
  /** The zone the expression is read in. */
  readonly zone: TimeZone;
  /** True when the hour field covers all 24 hours: such a job follows real time across DST changes. */
  readonly frequent: boolean;
}

/**
 * Parse a cron expression (5 fields, or 6 with seconds first) for `zone`.
 * `hashSeed` resolves `H` fields deterministically, so every instance agrees.
 *
 * @throws Error from cron-parser when the expression is malformed.
 */
export function parseCronPattern(expression: string, zone: TimeZone, hashSeed?: string): CronPattern {
  const parsed = CronExpressionParser.parse(expression, {
    currentDate: 0,
    tz: "UTC",
    ...(hashSeed === undefined ? {} : { hashSeed }),
  });
  return {
    expression,
    canonical: parsed.stringify(true),
    zone,
    frequent: parsed.fields.hour.values.length === 24,
  };
}

/**
 * The instants a cron pattern fires at, ascending, following the DST rules of
 * the library:
 *
 * - a local time inside a spring-forward gap fires once, at the first instant
 *   after the gap (`30 2 * * *` in New York on the spring day fires at 03:00 EDT);
 * - a local time inside a repeated fall-back hour fires once, at its first
 *   occurrence;
 * - a *frequent* pattern (its hour field covers every hour, as `0,15,30,45 * * * *`)
 *   follows real time instead: slots inside a gap do not exist, and the repeated
 *   hour fires at both occurrences.
 *
 * cron-parser does the calendar arithmetic on floating local time (in UTC,
 * where no DST exists); this class maps each local slot to instants with
 * {@link TimeZone}.
 */
export class CronSchedule {
  readonly pattern: CronPattern;
  readonly #zone: TimeZone;
  readonly #iterator: CronExpression;
  /** The smallest instant of the primary stream not yet returned. */
  #lookahead: number | undefined;
  /** Second occurrences of repeated local times (frequent patterns), ascending. */
  #pending: number[] = [];
  #pendingHead = 0;
  /** Last instant returned (or the position given to {@link CronSchedule.reset}). */
  #last = -Infinity;

  constructor(pattern: CronPattern) {
    this.pattern = pattern;
    this.#zone = pattern.zone;
    this.#iterator = CronExpressionParser.parse(pattern.canonical, { currentDate: 0, tz: "UTC" });
  }

  /** Position the schedule so that {@link CronSchedule.next} returns the first slot strictly after `after`. */
  reset(after: number): void {
    const zone = this.#zone;
    // Start early enough to see the second occurrences of a repeated hour that lies ahead.
    const offset = zone.isUtc ? 0 : Math.min(zone.offsetAt(after), zone.offsetAt(after + DAY_MS));
    this.#iterator.reset(new Date(after + offset));
    this.#lookahead = undefined;
    this.#pending = [];
    this.#pendingHead = 0;
    this.#last = after;
  }

  /**
   * The next slot, strictly after the previous one.
   *
   * @throws Error from cron-parser when the pattern has no further slot.
   */
  next(): number {
    for (;;) {
      const lookahead = this.#lookahead ?? this.#pull();
      const pending = this.#pending[this.#pendingHead];
      let value: number;
      if (pending !== undefined && pending < lookahead) {
        value = pending;
        this.#lookahead = lookahead;
        this.#pendingHead++;
        if (this.#pendingHead === this.#pending.length) {
          this.#pending = [];
          this.#pendingHead = 0;
        }
      } else {
        value = lookahead;
        this.#lookahead = undefined;
      }
      if (value > this.#last) {
        this.#last = value;
        return value;
      }
    }
  }

  /**
   * The latest slot at or before `instant`, or `undefined` when none is found
   * (cron-parser gives up, or no slot lies within a bounded look-back).
   * Does not move the position of {@link CronSchedule.next}.
   */
  previous(instant: number): number | undefined {
    const zone = this.#zone;
    const now = zone.offsetAt(instant);
    const dayBefore = zone.offsetAt(instant - DAY_MS);
    const highest = Math.max(now, dayBefore);
    const lowest = Math.min(now, dayBefore);
    const iterator = CronExpressionParser.parse(this.pattern.canonical, { currentDate: instant + highest + 1, tz: "UTC" });
    let best: number | undefined;
    try {
      for (let i = 0; i < PREVIOUS_LIMIT; i++) {
        const local = iterator.prev().getTime();
        // No earlier local time can map past local − lowest offset.
        if (best !== undefined && local - lowest <= best) break;
        for (const candidate of this.#instantsOf(local)) {
          if (candidate <= instant && (best === undefined || candidate > best)) best = candidate;
        }
      }
    } catch {
      // cron-parser found no earlier slot within its own loop limit.
    }
    return best;
  }

  /** The smallest instant of the next local slot (queueing a second occurrence when there is one). */
  #pull(): number {
    for (;;) {
      const local = this.#iterator.next().getTime();
      if (this.#zone.isUtc) return local;
      const instants = this.#instantsOf(local);
      const first = instants[0];
      if (first === undefined) continue;
      const second = instants[1];
      if (second !== undefined) this.#pending.push(second);
      return first;
    }
  }

  /** The instants a local slot fires at, by the DST rules above. */
  #instantsOf(local: number): number[] {
    const zone = this.#zone;
    if (zone.isUtc) return [local];
    const instants = zone.instantsOf(local);
    if (instants.length === 1) return instants;
    if (instants.length === 0) return this.pattern.frequent ? [] : [zone.gapEnd(local)];
    return this.pattern.frequent ? instants : instants.slice(0, 1);
  }
}
