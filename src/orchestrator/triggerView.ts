import { formatDuration } from "../duration.js";
import type { ResolvedTrigger } from "../schedule/ScheduleSpec.js";
import type { TriggerActivity } from "../schedule/TriggerActivity.js";
import type { TriggerRecord } from "../state/TriggerStore.js";
import type { TriggerView } from "../status/StatusSource.js";

/** What fires `trigger`, as configured: the cron expression, `every 15s`, the `at` instant (ISO), `delay 30s`. */
export function triggerExpression(trigger: ResolvedTrigger): string {
  switch (trigger.kind) {
    case "cron":
      return trigger.cron;
    case "every":
      return `every ${formatDuration(trigger.every)}`;
    case "at":
      return new Date(trigger.at).toISOString();
    case "delay":
      return `delay ${formatDuration(trigger.delay)}`;
  }
}

/**
 * One trigger as the status page reads it: from its activity in this
 * process; its last run from the store's record (as loaded at start) when it
 * has not run in this process.
 */
export function triggerView(activity: TriggerActivity, record: TriggerRecord | undefined): TriggerView {
  const trigger = activity.trigger;
  const view: { -readonly [K in keyof TriggerView]: TriggerView[K] } = {
    name: trigger.name,
    kind: trigger.kind,
    expression: triggerExpression(trigger),
    paused: activity.paused,
    skipped: { ...activity.skipped },
  };
  if (trigger.kind === "cron" && trigger.timezone !== undefined) view.timezone = trigger.timezone;
  const next = activity.nextRunAt;
  if (next !== undefined) view.nextRunAt = next;
  const lastRun = lastRunOf(activity, record);
  if (lastRun !== undefined) view.lastRun = lastRun;
  return view;
}

function lastRunOf(activity: TriggerActivity, record: TriggerRecord | undefined): TriggerView["lastRun"] {
  if (!Number.isNaN(activity.lastSlot)) {
    const outcome = activity.lastOutcome;
    return outcome === undefined
      ? { slot: activity.lastSlot, startedAt: activity.lastStartedAt }
      : { slot: activity.lastSlot, startedAt: activity.lastStartedAt, outcome, durationMs: activity.lastDurationMs };
  }
  const stored = record?.lastRun;
  if (stored === undefined) return undefined;
  const startedAt = stored.startedAt;
  // a record written before runs kept their start: the end is all that is known
  if (startedAt === undefined) return { slot: stored.slot, startedAt: stored.endedAt, outcome: stored.outcome };
  return { slot: stored.slot, startedAt, outcome: stored.outcome, durationMs: Math.max(0, stored.endedAt - startedAt) };
}
