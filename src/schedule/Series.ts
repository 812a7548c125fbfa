import type { DueSlots } from "./DueSlots.js";
import type { ScheduledTrigger } from "./ScheduledTrigger.js";
import type { HeapEntry } from "./TimerHeap.js";

/**
 * A sequence of slots shared by every trigger with the same definition (the
 * same cron expression and zone, the same `every` period, the same instant):
 * each slot is computed once and fanned out to all the triggers, and the timer
 * queue holds one entry per series.
 */
export abstract class Series implements HeapEntry {
  /** The next slot not yet handled; `Infinity` once the series has no more. */
  at = Infinity;
  heapIndex = -1;
  /** The grouping key, e.g. `cron|UTC|0 * * * * *`. */
  readonly key: string;
  /** The triggers served; replaced by a copy when changed during a fan-out. */
  triggers: ScheduledTrigger[] = [];
  /** True while the scheduler fans a slot out over {@link Series.triggers}. */
  busy = false;
  /** True once {@link Series.triggers} was copied during the current fan-out. */
  copied = false;
  /** Slots at or before this instant have been handled (or lie before the series was armed). */
  handledUntil = -Infinity;
  /** Set when the series stopped because its slots could not be computed. */
  error: unknown = undefined;
  /** True for a one-shot series: its triggers are spent once it fires. */
  readonly once: boolean = false;

  constructor(key: string) {
    this.key = key;
  }

  /** True when a trigger armed at `after` may share this series (it sees every slot after `after`). */
  canJoin(after: number): boolean {
    return !this.busy && this.at !== Infinity && this.handledUntil <= after;
  }

  /** Position the series on its first slot strictly after `after`. */
  abstract arm(after: number): void;

  /**
   * Gather into `due` the slots from {@link Series.at} up to `now` (the caller
   * made sure `at <= now`) and move {@link Series.at} to the first slot after `now`.
   */
  abstract collect(now: number, due: DueSlots): void;

  /** For log lines: what the series fires on. */
  abstract describe(): string;
}
