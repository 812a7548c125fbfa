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
  /** The plan of each trigger with something to do, made by {@link TriggerCatchup.plan}. */
  readonly #plans: Array<{ agent: string; trigger: ResolvedTrigger; plan: CatchupPlan }> = [];
  /** `<agent>:<trigger>` of the `at` triggers whose slot catch-up runs. */
  readonly #caughtUpAt = new Set<string>();
  #now = 0;

  constructor(parts: CatchupParts) {
    this.#parts = parts;
  }

  /**
   * Plan the catch-up of every trigger registered now, as of `now` (the
   * instant the triggers are then armed at: the plan covers exactly the slots
   * the scheduler will not fire).
   */
  plan(snapshot: StoreSnapshot, now: number): void {
    const { source, ledger, logger } = this.#parts;
    this.#now = now;
    for (const agent of this.#parts.agents()) {
      for (const name of source.triggerNames(agent)) {
        const trigger = source.trigger(agent, name);
        if (trigger === undefined) continue;
        const record = snapshot.records.get(recordKey(agent, name));
        try {
          const plan = catchupPlan({ trigger, record, now, instance: ledger.instance, shared: ledger.store.shared, slots: { agent } });
          this.#plans.push({ agent, trigger, plan });
          if (trigger.kind === "at" && plan.run.length > 0) this.#caughtUpAt.add(recordKey(agent, name));
        } catch (error) {
          logger.error({ agent, trigger: name, err: error }, `catch-up of trigger "${name}" of agent "${agent}" could not be planned: ${describeThrown(error)}`);
        }
      }
    }
  }

  /** Whether catch-up runs the slot of `agent`'s `at` trigger `trigger` (the scheduler then does not count it `past`). */
  caughtUp(agent: string, trigger: string): boolean {
    return this.#caughtUpAt.has(recordKey(agent, trigger));
  }

  /** Carry out the plans: record what was interrupted and missed, begin every slot to run (before any live slot), run them in order. */
  start(): void {
    for (const { agent, trigger, plan } of this.#plans) this.#trigger(agent, trigger, plan, this.#now);
    this.#plans.length = 0;
  }

  #trigger(agent: string, trigger: ResolvedTrigger, plan: CatchupPlan, now: number): void {
    const { ledger } = this.#parts;
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
    const message = `trigger "${trigger.name}" of agent "${agent}" after downtime: ${parts.join("; ")}`;
    if (plan.interrupted.length > 0 || plan.downtime > 0) logger.warn(payload, message);
    else logger.info(payload, message);
    this.#parts.emit(payload);
  }
}
