import type { Clock } from "../clock.js";
import { slotTick, tickKey } from "../schedule/cronTick.js";
import type { CronRunner } from "../schedule/CronRunner.js";
import type { ResolvedTrigger } from "../schedule/ScheduleSpec.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import type { TriggerLedger } from "../state/TriggerLedger.js";
import type { RunOutcome } from "../state/TriggerStore.js";
import { countSkip, type TriggerActivity } from "../schedule/TriggerActivity.js";

/** What a slot handed over by catch-up or backfill needs from the orchestrator. */
export interface HandOverParts {
  readonly clock: Clock;
  readonly ledger: TriggerLedger | undefined;
  counters(agent: string): AgentCounters;
  /** The running incarnation's runner of an agent in this process. */
  runnerOf(agent: string): CronRunner | undefined;
  /** True while the orchestrator runs. */
  running(): boolean;
  /** The activity of a trigger (its skipped slots are counted there too), when its source keeps one. */
  activity(agent: string, trigger: string): TriggerActivity | undefined;
}

/**
 * Run one begun slot of catch-up or backfill as a tick with `catchup: true`
 * through the agent's runner (its timeout and signal; a run in flight is
 * waited for, `signal` takes it out of the line): counted fired, or
 * `agent-down` when the agent is not running (its start then ends as
 * `skipped` in the store). The runner records the run's end.
 */
export async function runHandedOver(parts: HandOverParts, agent: string, trigger: ResolvedTrigger, slot: number, attempt: number, signal?: AbortSignal): Promise<RunOutcome | "agent-down"> {
  const { clock } = parts;
  const tick = slotTick(agent, trigger.name, slot, clock.now(), tickKey(agent, trigger.name, slot), true, attempt);
  const counters = parts.counters(agent);
  const runner = parts.running() ? parts.runnerOf(agent) : undefined;
  if (runner === undefined) {
    skippedDown(parts, agent, trigger.name);
    parts.ledger?.end(tick, "skipped", clock.now());
    return "agent-down";
  }
  const outcome = await runner.run(tick, trigger, signal);
  if (outcome === "skipped") skippedDown(parts, agent, trigger.name);
  else counters.triggersFired++;
  return outcome;
}

/** A handed-over slot did not reach `onCron`: counted `agent-down` for the agent and the trigger. */
function skippedDown(parts: HandOverParts, agent: string, trigger: string): void {
  parts.counters(agent).triggersSkipped["agent-down"]++;
  const activity = parts.activity(agent, trigger);
  if (activity !== undefined) countSkip(activity, "agent-down");
}
