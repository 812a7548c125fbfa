import { optionError } from "../errors/invalidOption.js";
import type { ResolvedTrigger } from "../schedule/ScheduleSpec.js";
import { latestSlotsAfter, type SlotOptions } from "../schedule/slotsAfter.js";
import type { RunningSlot, TriggerRecord } from "./TriggerStore.js";

/** Most missed slots one trigger runs at start with `runs: all` unless told otherwise. */
export const DEFAULT_MAX_CATCHUP_RUNS = 1_000;

/**
 * Most missed cron slots counted one by one for `downtime`; beyond it the
 * count is a lower bound (`downtimeCapped`). `every` counts are exact at any size.
 */
export const DOWNTIME_COUNT_CAP = 1_000_000;

/** What {@link catchupPlan} decides from. */
export interface CatchupInput {
  /** The trigger, resolved (its `catchup`, `delivery` and `timeout` are read). */
  readonly trigger: ResolvedTrigger;
  /** The store's record of the trigger; `undefined` when the store never saw it. */
  readonly record: TriggerRecord | undefined;
  /** The instant of start, ms since the epoch: the scheduler is armed at this same instant. */
  readonly now: number;
  /** This orchestrator instance's id (as written in `RunningSlot.instance`). */
  readonly instance: string;
  /** The store's `shared` flag: several orchestrators use it. */
  readonly shared: boolean;
  /** Most missed slots run with `runs: all`; the oldest beyond it count as `downtime`. @default 1000 */
  readonly maxRuns?: number;
  /** Most missed cron slots counted for `downtime` before the count stops (`downtimeCapped`). @default 1000000 ({@link DOWNTIME_COUNT_CAP}) */
  readonly downtimeCap?: number;
  /** The agent (resolves a cron expression's `H` fields) and the scheduler's default zone; see {@link SlotOptions}. */
  readonly slots?: SlotOptions;
}

/** What to do at start for one trigger, after downtime. */
export interface CatchupPlan {
  /** Dead runs to end with outcome `interrupted` (and count, skip reason `interrupted`), oldest first. */
  readonly interrupted: RunningSlot[];
  /** Dead runs to run once more (`delivery: at-least-once`): the slot and the new attempt, oldest first. */
  readonly retry: Array<{ slot: number; attempt: number }>;
  /** Missed slots to run now as catch-up ticks, oldest first. */
  readonly run: number[];
  /** Missed slots not run: counted skipped with reason `downtime`. */
  readonly downtime: number;
  /** True when counting `downtime` stopped at the cap (`downtimeCap`, {@link DOWNTIME_COUNT_CAP}): it is a lower bound. */
  readonly downtimeCapped: boolean;
  /**
   * The latest missed slot when it is not in `run`: record it with a `pass`
   * change, so the next start does not count it (and those before it) again.
   */
  readonly passTo: number | undefined;
}

/**
 * What one trigger does at start about the time the orchestrator was down
 * (SPEC decision 38). Pure: it reads the record and decides; the engine applies
 * the plan through the store.
 *
 * **Dead runs** are the entries of `record.running` that cannot still be
 * running. With a store that is not `shared`, all of them: one orchestrator
 * owns the store and nothing of it runs before it starts. With a `shared`
 * store, those of this `instance` (it restarted) and those older than the
 * trigger's `timeout` (`startedAt + timeout < now`); the others belong to live
 * instances and are left alone (without a `timeout`, only this instance's are
 * dead). Each dead run with `delivery: at-least-once` and `attempt < 2` goes to
 * `retry` with `attempt + 1`; every other one to `interrupted`.
 *
 * **Missed slots** (cron, `every`) exist only when `record.lastSlot` is set: a
 * trigger the store never saw has no downtime. They are the slots `s` with
 * `lastSlot < s <= now` (the scheduler, armed at `now`, fires those after it).
 * A slot is in the window when `window > 0 && s >= now - window` (`window` from
 * `trigger.catchup`, absent: 0). `runs: latest` runs the most recent slot in the
 * window; `runs: all` runs every slot in the window, oldest first, at most
 * `maxRuns` (the most recent ones; older ones count as downtime). Every missed
 * slot not run counts in `downtime`. `passTo` is the latest missed slot when it
 * does not run (no slot in the window).
 *
 * **`at`**: an instant before `now`, inside the window, that the record never
 * ran (no record, no `lastSlot`, or `lastSlot < at`) runs once, even without a
 * record. An `at` exactly at `now` is left to the scheduler, which fires it; one
 * outside the window is left to the scheduler too, which counts it `past`.
 *
 * **`delay`**: nothing; its slot counts from each start (see `slotsAfter`).
 *
 * @throws ConfigError `INVALID_OPTION` for a `now` that is not a finite number
 *   or a `maxRuns` or `downtimeCap` that is not a positive integer (and as `slotsAfter` for a
 *   cron expression with `H` fields and no `slots.agent`).
 *
 * @example
 * ```ts
 * const plan = catchupPlan({ trigger, record: snapshot.records.get(recordKey(agent, trigger.name)),
 *   now: clock.now(), instance, shared: store.shared, slots: { agent } });
 * // plan.run: [the 16:00 slot]; plan.downtime: 3 older slots; plan.passTo: undefined
 * ```
 */
export function catchupPlan(input: CatchupInput): CatchupPlan {
  const { now } = input;
  if (typeof now !== "number" || !Number.isFinite(now)) throw optionError("now", "a finite number of ms since the epoch", now);
  const maxRuns = input.maxRuns ?? DEFAULT_MAX_CATCHUP_RUNS;
  if (!Number.isSafeInteger(maxRuns) || maxRuns < 1) throw optionError("maxRuns", "a positive integer", maxRuns);
  const cap = input.downtimeCap ?? DOWNTIME_COUNT_CAP;
  if (!Number.isSafeInteger(cap) || cap < 1) throw optionError("downtimeCap", "a positive integer", cap);
  return { ...deadRuns(input), ...missedSlots(input, maxRuns, cap) };
}

/** The dead runs of the record, split into reruns and interruptions. */
function deadRuns(input: CatchupInput): Pick<CatchupPlan, "interrupted" | "retry"> {
  const { trigger, record, now, instance, shared } = input;
  const interrupted: RunningSlot[] = [];
  const retry: Array<{ slot: number; attempt: number }> = [];
  const timeout = trigger.timeout;
  for (const run of record?.running ?? []) {
    const dead = !shared || run.instance === instance || (timeout !== undefined && run.startedAt + timeout < now);
    if (!dead) continue;
    if (trigger.delivery === "at-least-once" && run.attempt < 2) retry.push({ slot: run.slot, attempt: run.attempt + 1 });
    else interrupted.push(run);
  }
  return { interrupted, retry };
}

const NOTHING_MISSED = { run: [], downtime: 0, downtimeCapped: false, passTo: undefined } as const satisfies Omit<CatchupPlan, "interrupted" | "retry">;

/** The missed slots of the trigger: which run, how many count as downtime, where to pass to. */
function missedSlots(input: CatchupInput, maxRuns: number, cap: number): Omit<CatchupPlan, "interrupted" | "retry"> {
  const { trigger, record, now } = input;
  const window = trigger.catchup?.window ?? 0;
  const lastSlot = record?.lastSlot;
  if (trigger.kind === "at") {
    const fresh = lastSlot === undefined || lastSlot < trigger.at;
    return fresh && trigger.at < now && inWindow(trigger.at, now, window) ? { ...NOTHING_MISSED, run: [trigger.at] } : { ...NOTHING_MISSED, run: [] };
  }
  if (trigger.kind === "delay" || lastSlot === undefined || lastSlot >= now) return { ...NOTHING_MISSED, run: [] };
  const options = input.slots ?? {};
  // Slots after `boundary` are in the window (slots are whole ms): `s > ceil(now - window) - 1` ⇔ `s >= now - window`.
  const boundary = window > 0 ? Math.min(now, Math.max(lastSlot, Math.ceil(now - window) - 1)) : now;
  const keep = trigger.catchup?.runs === "all" ? maxRuns : 1;
  const recent = latestSlotsAfter(trigger, boundary, now, keep, cap, options);
  const older = latestSlotsAfter(trigger, lastSlot, boundary, recent.count > 0 ? 0 : 1, cap, options);
  const run = recent.slots;
  return {
    run,
    downtime: recent.count + older.count - run.length,
    downtimeCapped: recent.capped || older.capped,
    passTo: run.length > 0 ? undefined : older.slots[older.slots.length - 1],
  };
}

/** True when `slot` lies in the catch-up window at `now`. */
function inWindow(slot: number, now: number, window: number): boolean {
  return window > 0 && slot >= now - window && slot <= now;
}
