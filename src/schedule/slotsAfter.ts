import { optionError } from "../errors/invalidOption.js";
import type { CronSchedule } from "./CronSchedule.js";
import { cronScheduleOf, type SlotOptions } from "./cronScheduleOf.js";
import type { ResolvedTrigger } from "./ScheduleSpec.js";

export type { SlotOptions };

/** What {@link slotsAfter} returns. */
export interface SlotList {
  /** The slots found, ascending, ms since the epoch. */
  readonly slots: number[];
  /** True when further slots lie in the range beyond the `limit` returned. */
  readonly more: boolean;
}

/** What {@link countSlotsAfter} returns. */
export interface SlotCount {
  /** How many slots lie in the range: exact for `every` and `at`; for cron at most `cap`. */
  readonly count: number;
  /** True when a cron count stopped at `cap` (there are more): `count` is then a lower bound. */
  readonly capped: boolean;
}

/** What {@link latestSlotsAfter} returns: a {@link SlotCount} and the latest slots. */
export interface LatestSlots extends SlotCount {
  /** The latest `keep` slots of the range (fewer when it holds fewer), ascending. */
  readonly slots: number[];
}

/**
 * The slots of `trigger` in `(after, until]`, ascending, at most `limit`:
 * exactly the instants the live scheduler fires it at.
 *
 * - cron: the expression in the trigger's zone (else `options.timezone`, else
 *   the host's, as the scheduler), with the DST rules of live firing (a time
 *   in a spring-forward gap fires once at the gap's end, a repeated local time
 *   once at its first occurrence, a frequent job follows real time), computed
 *   by the same `CronSchedule`;
 * - every: the multiples of the period since the Unix epoch;
 * - at: the instant, when it lies in the range;
 * - delay: none. A delay's slot is counted from the instant its trigger was
 *   armed (each start of the orchestrator arms it anew), so it has no slot
 *   that could have been missed or that a range could name.
 *
 * A backfill of `[from, to)` (integer ms) asks for `slotsAfter(trigger, from - 1, to - 1, limit)`.
 *
 * @param options - the agent (for cron `H` fields) and the default zone; see {@link SlotOptions}
 * @throws ConfigError `INVALID_OPTION` for `after`/`until` that are not finite
 *   numbers, a `limit` that is not a non-negative integer, or a cron trigger
 *   with `H` fields and no `options.agent`.
 *
 * @example
 * ```ts
 * const { slots, more } = slotsAfter({ kind: "every", every: 60_000, ...options }, from - 1, to - 1, 1_000);
 * ```
 */
export function slotsAfter(trigger: ResolvedTrigger, after: number, until: number, limit: number, options: SlotOptions = {}): SlotList {
  checkRange(after, until);
  checkCount(limit, "limit");
  switch (trigger.kind) {
    case "cron":
      return cronSlots(cronScheduleOf(trigger, options), after, until, limit);
    case "every": {
      const { first, last } = everyRange(trigger.every, after, until);
      const slots: number[] = [];
      for (let k = first; k <= last && slots.length < limit; k++) slots.push(k * trigger.every);
      return { slots, more: last - first + 1 > slots.length };
    }
    case "at": {
      const inside = after < trigger.at && trigger.at <= until;
      return { slots: inside && limit > 0 ? [trigger.at] : [], more: inside && limit === 0 };
    }
    case "delay":
      return { slots: [], more: false };
  }
}

/**
 * How many slots of `trigger` lie in `(after, until]` (see {@link slotsAfter}
 * for what a slot is): O(1) for `every`, `at` and `delay`; a cron count
 * enumerates the slots and stops at `cap` (`capped`).
 *
 * @throws ConfigError `INVALID_OPTION` as {@link slotsAfter}, naming `cap` for a bad cap.
 */
export function countSlotsAfter(trigger: ResolvedTrigger, after: number, until: number, cap: number, options: SlotOptions = {}): SlotCount {
  const { count, capped } = latestSlotsAfter(trigger, after, until, 0, cap, options);
  return { count, capped };
}

/**
 * The latest `keep` slots of `trigger` in `(after, until]`, ascending, and how
 * many slots the range holds (counted as {@link countSlotsAfter}). When a cron
 * count stops at `cap`, the latest slots are found walking back from `until`,
 * so they are right however many slots the range holds.
 *
 * @throws ConfigError `INVALID_OPTION` as {@link slotsAfter}, naming `keep` or `cap` for a bad count.
 */
export function latestSlotsAfter(trigger: ResolvedTrigger, after: number, until: number, keep: number, cap: number, options: SlotOptions = {}): LatestSlots {
  checkRange(after, until);
  checkCount(keep, "keep");
  checkCount(cap, "cap");
  switch (trigger.kind) {
    case "cron":
      return latestCronSlots(cronScheduleOf(trigger, options), after, until, keep, cap);
    case "every": {
      const { first, last } = everyRange(trigger.every, after, until);
      const slots: number[] = [];
      for (let k = Math.max(first, last - keep + 1); k <= last; k++) slots.push(k * trigger.every);
      return { slots, count: Math.max(0, last - first + 1), capped: false };
    }
    case "at": {
      const inside = after < trigger.at && trigger.at <= until;
      return { slots: inside && keep > 0 ? [trigger.at] : [], count: inside ? 1 : 0, capped: false };
    }
    case "delay":
      return { slots: [], count: 0, capped: false };
  }
}

/** The indexes `k` of the slots `k · period` in `(after, until]` (`last < first` when none), as `EverySeries` computes them. */
function everyRange(period: number, after: number, until: number): { first: number; last: number } {
  let first = Math.floor(after / period) + 1;
  if (first * period <= after) first++;
  let last = Math.floor(until / period);
  if (last * period > until) last--;
  return { first, last };
}

function cronSlots(schedule: CronSchedule, after: number, until: number, limit: number): SlotList {
  schedule.reset(after);
  const slots: number[] = [];
  for (let slot = nextOf(schedule); slot <= until; slot = nextOf(schedule)) {
    if (slots.length === limit) return { slots, more: true };
    slots.push(slot);
  }
  return { slots, more: false };
}

function latestCronSlots(schedule: CronSchedule, after: number, until: number, keep: number, cap: number): LatestSlots {
  schedule.reset(after);
  // The latest `keep` slots seen, in a ring: `ring[count % keep]` is the oldest once full.
  const ring: number[] = [];
  let count = 0;
  for (let slot = nextOf(schedule); slot <= until; slot = nextOf(schedule)) {
    if (count === cap) return { slots: walkBack(schedule, after, until, keep), count, capped: true };
    if (keep > 0) ring[count % keep] = slot;
    count++;
  }
  const start = ring.length < keep ? 0 : count % keep;
  return { slots: [...ring.slice(start), ...ring.slice(0, start)], count, capped: false };
}

/** The latest `keep` slots in `(after, until]`, found backwards from `until` (ascending). */
function walkBack(schedule: CronSchedule, after: number, until: number, keep: number): number[] {
  const slots: number[] = [];
  let slot = keep > 0 ? schedule.previous(until) : undefined;
  while (slot !== undefined && slot > after) {
    slots.push(slot);
    if (slots.length === keep) break;
    slot = schedule.previous(slot - 1);
  }
  return slots.reverse();
}

/** The schedule's next slot; `Infinity` when it has none (the live series stops there too). */
function nextOf(schedule: CronSchedule): number {
  try {
    return schedule.next();
  } catch {
    return Infinity;
  }
}

function checkRange(after: number, until: number): void {
  if (typeof after !== "number" || !Number.isFinite(after)) throw optionError("after", "a finite number of ms since the epoch", after);
  if (typeof until !== "number" || !Number.isFinite(until)) throw optionError("until", "a finite number of ms since the epoch", until);
}

function checkCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw optionError(name, "a non-negative integer", value);
}
