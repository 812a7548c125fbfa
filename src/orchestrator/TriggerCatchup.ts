import type { Clock } from "../clock.js";
import { describeThrown } from "../errors/describeThrown.js";
import { formatDuration } from "../duration.js";
import type { Logger } from "../logger.js";
import { slotTick, tickKey } from "../schedule/cronTick.js";
import type { ResolvedTrigger } from "../schedule/ScheduleSpec.js";
import type { TriggerSource } from "../schedule/TriggerSource.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import { catchupPlan, type CatchupPlan } from "../state/catchupPlan.js";
import type { TriggerLedger } from "../state/TriggerLedger.js";
import { recordKey, type StoreSnapshot } from "../state/TriggerStore.js";
import type { CronRunner } from "../schedule/CronRunner.js";
import type { OrchestratorEvents } from "../supervisor/events.js";

/** What catch-up needs from the orchestrator. */
export interface CatchupParts {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly ledger: TriggerLedger;
  readonly source: TriggerSource;
  /** The agents, in registration order. */
  agents(): readonly string[];
  counters(agent: string): AgentCounters;
  /** The running incarnation's runner of an agent in this process. */
  runnerOf(agent: string): CronRunner | undefined;
  /** True while the orchestrator runs (catch-up stops handing slots over once it does not). */
  running(): boolean;
  emit(payload: OrchestratorEvents["trigger:catchup"]): void;
}

/** One slot to run at start: a missed slot (`next`) or the rerun of an interrupted one (`retry`). */
interface Job {
  readonly slot: number;
  readonly attempt: number;
  readonly mode: "next" | "retry";
}

/**
 * What happens at start to the slots of each trigger that fell while the
 * orchestrator was down (decision 38), from the records the store loaded: the
 * plan (`catchupPlan()`) says which runs were interrupted (counted
 * `interrupted`, or run once more under `delivery: at-least-once`), which
 * missed slots run (`catchup`) and how many are skipped (`downtime`).
 *
 * Every slot to run is begun in the store in the same turn, before any live
 * slot (a shared store's begin is the claim: the instance that starts first
 * runs the catch-up, once across the cluster); they then run one after the
 * other, oldest first, each through the agent's runner (its overlap policy,
 * timeout and signal), as a tick with `catchup: true`.
 */
export class TriggerCatchup {
  readonly #parts: CatchupParts;

  constructor(parts: CatchupParts) {
    this.#parts = parts;
  }

  /** Plan and start the catch-up of every trigger registered now. */
  run(snapshot: StoreSnapshot): void {
    const { source, clock } = this.#parts;
    const now = clock.now();
    for (const agent of this.#parts.agents()) {
      for (const name of source.triggerNames(agent)) {
        const trigger = source.trigger(agent, name);
        if (trigger !== undefined) this.#trigger(agent, trigger, snapshot, now);
      }
    }
  }

  #trigger(agent: string, trigger: ResolvedTrigger, snapshot: StoreSnapshot, now: number): void {
    const { ledger, logger } = this.#parts;
    const record = snapshot.records.get(recordKey(agent, trigger.name));
    let plan: CatchupPlan;
    try {
      plan = catchupPlan({ trigger, record, now, instance: ledger.instance, shared: ledger.store.shared, slots: { agent } });
    } catch (error) {
      logger.error({ agent, trigger: trigger.name, err: error }, `catch-up of trigger "${trigger.name}" of agent "${agent}" could not be planned: ${describeThrown(error)}`);
      return;
    }
    const counters = this.#parts.counters(agent);
    for (const run of plan.interrupted) {
      counters.triggersSkipped.interrupted++;
      const key = tickKey(agent, trigger.name, run.slot);
      ledger.end({ agent, trigger: trigger.name, scheduledAt: run.slot, firedAt: run.startedAt, key, attempt: run.attempt }, "interrupted", now);
    }
    counters.triggersSkipped.downtime += plan.downtime;
    if (plan.passTo !== undefined) ledger.pass(agent, trigger.name, plan.passTo);
    const jobs: Job[] = [...plan.retry.map((retry) => ({ slot: retry.slot, attempt: retry.attempt, mode: "retry" as const })), ...plan.run.map((slot) => ({ slot, attempt: 1, mode: "next" as const }))];
    if (jobs.length === 0 && plan.interrupted.length === 0 && plan.downtime === 0) return;
    this.#report(agent, trigger, plan);
    if (jobs.length === 0) return;
    const begins = jobs.map((job) => ledger.begin(agent, trigger.name, job.slot, now, job.mode, job.attempt));
    void this.#runInOrder(agent, trigger, jobs, begins);
  }

  /** Run the jobs one after the other, each once its start is recorded and only if the store accepted it. */
  async #runInOrder(agent: string, trigger: ResolvedTrigger, jobs: readonly Job[], begins: ReadonlyArray<boolean | Promise<boolean>>): Promise<void> {
    const { ledger, clock } = this.#parts;
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i] as Job;
      const accepted = await begins[i];
      if (!accepted) continue;
      const key = tickKey(agent, trigger.name, job.slot);
      const tick = slotTick(agent, trigger.name, job.slot, clock.now(), key, true, job.attempt);
      const runner = this.#parts.running() ? this.#parts.runnerOf(agent) : undefined;
      if (runner === undefined) {
        this.#parts.counters(agent).triggersSkipped["agent-down"]++;
        ledger.end(tick, "skipped", clock.now());
        continue;
      }
      this.#parts.counters(agent).triggersFired++;
      await runner.run(tick, trigger);
    }
  }

  #report(agent: string, trigger: ResolvedTrigger, plan: CatchupPlan): void {
    const { logger } = this.#parts;
    const window = trigger.catchup?.window ?? 0;
    const payload = { agent, trigger: trigger.name, run: plan.run.length, retried: plan.retry.length, downtime: plan.downtime, interrupted: plan.interrupted.length };
    const parts = [
      plan.run.length > 0 ? `running ${plan.run.length} missed slot(s) (catchup window ${formatDuration(window)}, runs ${trigger.catchup?.runs ?? "latest"})` : undefined,
      plan.downtime > 0 ? `${plan.downtime}${plan.downtimeCapped ? " or more" : ""} missed slot(s) skipped (downtime)` : undefined,
      plan.retry.length > 0 ? `running ${plan.retry.length} interrupted slot(s) once more (delivery at-least-once)` : undefined,
      plan.interrupted.length > 0 ? `${plan.interrupted.length} interrupted slot(s) not run again (delivery at-most-once)` : undefined,
    ].filter((part) => part !== undefined);
    const log = plan.interrupted.length > 0 || plan.downtime > 0 ? logger.warn : logger.info;
    log.call(logger, payload, `trigger "${trigger.name}" of agent "${agent}" after downtime: ${parts.join("; ")}`);
    this.#parts.emit(payload);
  }
}
