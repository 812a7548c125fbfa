import type { SkipReason } from "../stats/AgentCounters.js";
import type { RunOutcome } from "../state/TriggerStore.js";
import type { ResolvedTrigger } from "./ScheduleSpec.js";

/**
 * What happened to one trigger in this process, kept on the trigger source's
 * own entry of the trigger (no object of its own): whether an operator paused
 * it, its skipped slots by reason (made on the first skip) and its last run
 * as plain numbers (`NaN` when there is none). The status page reads it.
 */
export interface TriggerActivity {
  /** The trigger. */
  readonly trigger: ResolvedTrigger;
  /** Set by an operator's `pause()`: its slots are skipped (`paused`) until `resume()`. */
  paused: boolean;
  /** Slots not run, by reason; `undefined` until the first one. */
  skipped: Partial<Record<SkipReason, number>> | undefined;
  /** The slot of the last run that reached `onCron` (ms since the epoch), `NaN` when none did. */
  lastSlot: number;
  /** When that run started, ms since the epoch (`NaN` when none did); set after `lastSlot`. */
  lastStartedAt: number;
  /** How long it took, in whole ms; `NaN` while it runs. */
  readonly lastDurationMs: number;
  /** How it ended; `undefined` while it runs. */
  readonly lastOutcome: RunOutcome | undefined;
  /** Set how the last run ended and how long it took; `undefined`: a run has started. */
  endLastRun(outcome: RunOutcome | undefined, durationMs: number): void;
  /** When its next slot is due (ms since the epoch), while it has one. */
  readonly nextRunAt: number | undefined;
}

/** Count `count` slots of `activity` skipped for `reason` (the table is made on the first skip). */
export function countSkip(activity: TriggerActivity, reason: SkipReason, count = 1): void {
  const skipped = (activity.skipped ??= {});
  skipped[reason] = (skipped[reason] ?? 0) + count;
}

/** A run of `activity`'s trigger reached `onCron`: the slot `slot`, started at `at`. */
export function runStarted(activity: TriggerActivity, slot: number, at: number): void {
  activity.lastSlot = slot;
  activity.lastStartedAt = at;
  activity.endLastRun(undefined, 0);
}

/** The run of `slot` ended with `outcome` at `at` (ignored when a later run has started since). */
export function runEnded(activity: TriggerActivity, slot: number, outcome: RunOutcome, at: number): void {
  if (activity.lastSlot !== slot || activity.lastOutcome !== undefined) return;
  activity.endLastRun(outcome, at - activity.lastStartedAt);
}
