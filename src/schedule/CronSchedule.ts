import { CronExpressionParser, type CronExpression } from "cron-parser";
import { CronExpressionError } from "./CronExpressionError.js";
import { cronFieldRules, CRON_EXPECTATION } from "./cronFields.js";
import { checkCronSyntax } from "./cronSyntax.js";
import type { TimeZone } from "./TimeZone.js";

const DAY_MS = 86_400_000;
/** Local slots examined at most when looking backwards for the latest slot. */
const PREVIOUS_LIMIT = 10_000;
/** An `H` (hashed) value in a cron field: `H`, `H/5`, `H(0-29)/5`, `1,H`, `H#3`; not the H of `THU`. */
const HASHED_FIELD = /(?:^|[\s,])H(?:[\s,(/#L]|$)/;
/** cron-parser's field names, in the order of a six-field expression. */
const PARSER_FIELDS = ["second", "minute", "hour", "dayOfMonth", "month", "dayOfWeek"] as const;

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
  /** The seed `H` fields were resolved with (see {@link cronHashSeed}); `undefined` without `H`. */
  readonly hashSeed: string | undefined;
}

/**
 * The seed that resolves the `H` fields of a trigger's expression: the agent and
 * trigger name, so every instance (and the config check) picks the same values;
 * `undefined` when the expression has no `H`.
 */
export function cronHashSeed(agent: string, triggerName: string, expression: string): string | undefined {
  return HASHED_FIELD.test(expression) ? `${agent}:${triggerName}` : undefined;
}

/**
 * Parse a cron expression (5 fields, 6 with seconds first, or a macro such as
 * `@daily`) for `zone`. `hashSeed` resolves `H` fields deterministically (see
 * {@link cronHashSeed}), so every instance agrees.
 *
 * It does not look for a slot: {@link firstCronSlot} does, on the same path as firing.
 *
 * @throws CronExpressionError naming the field and its allowed values, in the
 *   library's words, when the expression is malformed.
 */
export function parseCronPattern(expression: string, zone: TimeZone, hashSeed?: string): CronPattern {
  checkCronSyntax(expression);
  return compileCronPattern(expression, zone, hashSeed);
}

/**
 * {@link parseCronPattern} for an expression {@link checkCronSyntax} already
 * accepted: what is left to refuse depends on the values `H` takes.
 *
 * @throws CronExpressionError when cron-parser cannot read the expression with these `H` values.
 */
export function compileCronPattern(expression: string, zone: TimeZone, hashSeed?: string): CronPattern {
  const text = expression.trim();
  let parsed: CronExpression;
  try {
    parsed = CronExpressionParser.parse(text, { currentDate: 0, tz: "UTC", ...(hashSeed === undefined ? {} : { hashSeed }) });
  } catch {
    throw explainRefusal(text, hashSeed);
  }
  return {
    expression,
    canonical: parsed.stringify(true),
    zone,
    frequent: parsed.fields.hour.values.length === 24,
    hashSeed,
  };
}

/**
 * The first slot of `pattern` strictly after `after`, computed exactly as the
 * scheduler fires it (floating local time, then the DST rules of
 * {@link CronSchedule}). Validation calls this, so an expression is refused only
 * when firing would find no slot either.
 *
 * @throws CronExpressionError when the expression has no slot.
 */
export function firstCronSlot(pattern: CronPattern, after: number): number {
  const schedule = new CronSchedule(pattern);
  schedule.reset(after);
  return schedule.next();
}

/** Why cron-parser refused an expression that passed {@link checkCronSyntax}, in our words. */
function explainRefusal(text: string, hashSeed: string | undefined): CronExpressionError {
  const raw = text.split(/\s+/);
  const rules = cronFieldRules(raw.length === 5 ? 5 : 6);
  const offset = 6 - raw.length;
  const withH = " once H is resolved for this trigger (from a hash of its agent and name)";
  const parse = (fields: readonly string[]): CronExpression | undefined => {
    try {
      return CronExpressionParser.parse(fields.join(" "), { currentDate: 0, tz: "UTC", ...(hashSeed === undefined ? {} : { hashSeed }) });
    } catch {
      return undefined;
    }
  };
  // Each field alone (the others `*`): H draws the same value per field whatever the others hold.
  const alone = (index: number, value: string) => raw.map((field, j) => (j === index ? value : j === 0 && raw.length === 6 ? "0" : "*"));
  for (let index = 0; index < raw.length; index++) {
    const field = raw[index] as string;
    if (parse(alone(index, field)) !== undefined) continue;
    const { name, allowed } = rules[index] as (typeof rules)[number];
    const key = PARSER_FIELDS[index + offset] as (typeof PARSER_FIELDS)[number];
    const seen = new Set<number | string>();
    for (const item of field.split(",")) {
      const values = parse(alone(index, item))?.fields[key].values;
      if (values === undefined) break;
      for (const value of values) {
        if (seen.has(value)) {
          return new CronExpressionError(`the ${name} field ${JSON.stringify(field)}: ${String(value)} is listed twice${hashSeed === undefined ? "" : withH}; ${allowed}`, name);
        }
        seen.add(value);
      }
    }
    return new CronExpressionError(`the ${name} field ${JSON.stringify(field)} cannot be used${hashSeed === undefined ? "" : withH}; ${allowed}`, name);
  }
  // No field alone is at fault: a day of month (picked by H) that none of the months named has.
  const dayIndex = raw.length - 3;
  const days = parse(raw.map((field, j) => (j === raw.length - 1 ? "1" : field)))?.fields.dayOfMonth.values;
  const day = days?.find((value) => typeof value === "number");
  if (day !== undefined) {
    const field = raw[dayIndex] as string;
    return new CronExpressionError(
      `the day of month field ${JSON.stringify(field)}: ${hashSeed === undefined ? "" : "for this trigger H picks "}day ${day}, ` +
        "which never comes in the months named, so the expression would never fire" +
        (hashSeed === undefined ? "" : "; use H(1-28) for a day every month has"),
      "day of month",
    );
  }
  return new CronExpressionError(`its fields cannot be read together; expected ${CRON_EXPECTATION}`);
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
   * @throws CronExpressionError when the pattern has no further slot.
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
      const local = this.#nextLocal();
      if (this.#zone.isUtc) return local;
      const instants = this.#instantsOf(local);
      const first = instants[0];
      if (first === undefined) continue;
      const second = instants[1];
      if (second !== undefined) this.#pending.push(second);
      return first;
    }
  }

  /** The next local slot of cron-parser's iterator; its refusal is reported in our words. */
  #nextLocal(): number {
    try {
      return this.#iterator.next().getTime();
    } catch {
      const after = Number.isFinite(this.#last) ? ` after ${new Date(this.#last).toISOString()}` : "";
      throw new CronExpressionError(`it never fires: no date${after} matches its day of month, month and day of week together`);
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
