import { describeThrown } from "../errors/describeThrown.js";
import { formatDuration } from "../duration.js";
import type { Logger } from "../logger.js";
import type { ResolvedTrigger } from "../schedule/ScheduleSpec.js";
import type { TriggerSource } from "../schedule/TriggerSource.js";
import { catchupPlan, type CatchupPlan } from "../state/catchupPlan.js";
import type { TriggerLedger } from "../state/TriggerLedger.js";
import { recordKey, type StoreSnapshot, type TriggerRecord } from "../state/TriggerStore.js";
import { runHandedOver, type HandOverParts } from "./handOver.js";
import { countSkip } from "../schedule/TriggerActivity.js";
import type { OrchestratorEvents } from "../supervisor/events.js";

/** What catch-up needs from the orchestrator. */
export interface CatchupParts extends HandOverParts {
  readonly logger: Logger;
  readonly ledger: TriggerLedger;
  readonly source: TriggerSource;
  /** The agents, in registration order. */
  agents(): readonly string[];
  emit(payload: OrchestratorEvents["trigger:catchup"]): void;
}

/**
 * What happens at start to the slots of each trigger that fell while the
 * orchestrator was down (decision 38), from the records the store loaded: the
 * plan (`catchupPlan()`) says which runs were interrupted (counted
 * `interrupted`, or run once more under `delivery: at-least-once`), which
 * missed slots run (`catchup`) and how many are skipped (`downtime`).
 *
 * The missed slots are claimed in the same turn as the triggers are armed,
 * before any live slot: a `pass` over the latest of them, which a shared
 * store accepts for one instance only (the one that starts first runs the
 * catch-up, once across the cluster). They then run one after the other,
 * oldest first, each begun in the store just before it runs (so its recorded
 * start is when it really started), through the agent's runner (its timeout
 * and signal; a run in flight is waited for), as a tick with `catchup: true`.
 * A catch-up slot not yet begun when the host dies is not run again: it was
 * passed over (a backfill can run it).
 */
export class TriggerCatchup {
  readonly #parts: CatchupParts;
  /** The plan of each trigger with something to do, made by {@link TriggerCatchup.plan}. */
  readonly #plans: Array<{ agent: string; trigger: ResolvedTrigger; plan: CatchupPlan; paused: number }> = [];
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
    const { source } = this.#parts;
    this.#now = now;
    for (const agent of this.#parts.agents()) {
      for (const name of source.triggerNames(agent)) {
        const trigger = source.trigger(agent, name);
        if (trigger !== undefined) this.planTrigger(agent, trigger, snapshot.records.get(recordKey(agent, name)), now);
      }
    }
  }

  /** Plan the catch-up of one trigger from its record, as of `now` (the instant it is armed at). */
  planTrigger(agent: string, trigger: ResolvedTrigger, record: TriggerRecord | undefined, now: number): void {
    const { ledger, logger } = this.#parts;
    this.#now = now;
    try {
      const plan = catchupPlan({ trigger, record, now, instance: ledger.instance, shared: ledger.store.shared, slots: { agent } });
      if (this.#parts.source.activity?.(agent, trigger.name)?.paused === true) this.#plans.push({ agent, trigger, ...whilePaused(plan) });
      else this.#plans.push({ agent, trigger, plan, paused: 0 });
      if (trigger.kind === "at" && plan.run.length > 0) this.#caughtUpAt.add(recordKey(agent, trigger.name));
    } catch (error) {
      logger.error({ agent, trigger: trigger.name, err: error }, `catch-up of trigger "${trigger.name}" of agent "${agent}" could not be planned: ${describeThrown(error)}`);
    }
  }

  /** Whether catch-up runs the slot of `agent`'s `at` trigger `trigger` (the scheduler then does not count it `past`). */
  caughtUp(agent: string, trigger: string): boolean {
    return this.#caughtUpAt.has(recordKey(agent, trigger));
  }

  /**
   * Carry out the plans: record what was interrupted and claim what was
   * missed (all in this turn, before any live slot), then run the retries and
   * catch-up slots in order. Resolves once every claim is decided and
   * reported (counted, logged, `trigger:catchup` emitted); the runs go on after.
   */
  start(): Promise<void> {
    const decided: Array<Promise<void>> = [];
    for (const { agent, trigger, plan, paused } of this.#plans) {
      if (plan.run.length === 0 && plan.retry.length === 0 && plan.interrupted.length === 0 && plan.downtime === 0 && plan.passTo === undefined) continue;
      let reported!: () => void;
      decided.push(new Promise<void>((resolve) => (reported = resolve)));
      // a store that cannot record a change is logged by the ledger; what depends on it does not run
      this.#carryOut(agent, trigger, plan, paused, this.#now, reported)
        .catch(() => undefined)
        .finally(reported);
    }
    this.#plans.length = 0;
    return Promise.all(decided).then(() => undefined);
  }

  /**
   * Record the interrupted runs (counted only where the store accepted the
   * end: once across a cluster); claim the missed slots by passing over the
   * latest of them (accepted for one instance only: it alone counts the
   * downtime, or `paused` for a paused trigger, and runs the catch-up); then
   * run the retries and the catch-up slots one after the other, each begun in
   * the store just before it runs.
   */
  async #carryOut(agent: string, trigger: ResolvedTrigger, plan: CatchupPlan, paused: number, now: number, reported: () => void): Promise<void> {
    const { ledger } = this.#parts;
    const name = trigger.name;
    const key = recordKey(agent, name);
    const ends = plan.interrupted.map((run) => ledger.decide({ type: "end", key, slot: run.slot, attempt: run.attempt, outcome: "interrupted", at: now }));
    const latest = Math.max(plan.passTo ?? -Infinity, plan.run[plan.run.length - 1] ?? -Infinity);
    const claim = latest === -Infinity ? false : ledger.claim(agent, name, latest);
    let interrupted = 0;
    for (const end of ends) if (await end) interrupted++;
    const mine = await claim;
    this.#count(agent, name, "interrupted", interrupted);
    if (mine) {
      this.#count(agent, name, "downtime", plan.downtime);
      this.#count(agent, name, "paused", paused);
    }
    const run = mine ? plan.run : [];
    this.#report(agent, trigger, { ...plan, run, downtime: mine ? plan.downtime : 0, interrupted: plan.interrupted.slice(0, interrupted) }, mine ? paused : 0);
    reported();
    await this.#runInOrder(agent, trigger, plan.retry, run);
  }

  /**
   * Run the retries, then the catch-up slots, one after the other, each begun
   * in the store just before it runs. A pause stops them: from then on a
   * catch-up slot is counted `paused` (it was passed over by the claim) and a
   * retry stays recorded as started (run once more at a start at which the
   * trigger is not paused), as at a start with the trigger paused.
   */
  async #runInOrder(agent: string, trigger: ResolvedTrigger, retries: CatchupPlan["retry"], run: readonly number[]): Promise<void> {
    const { ledger, clock } = this.#parts;
    const name = trigger.name;
    let left = 0;
    for (const retry of retries) {
      if (this.#pausedNow(agent, name)) left++;
      else if (await ledger.beginDurably(agent, name, retry.slot, clock.now(), "retry", retry.attempt)) await runHandedOver(this.#parts, agent, trigger, retry.slot, retry.attempt);
    }
    let previous: number | undefined;
    let paused = 0;
    for (const slot of run) {
      if (this.#pausedNow(agent, name)) paused++;
      else if (await ledger.beginDurably(agent, name, slot, clock.now(), "backfill", 1, previous)) await runHandedOver(this.#parts, agent, trigger, slot, 1);
      previous = slot;
    }
    if (paused === 0 && left === 0) return;
    this.#count(agent, name, "paused", paused);
    const parts = [paused > 0 ? `${paused} missed slot(s) skipped (paused)` : undefined, left > 0 ? `${left} interrupted slot(s) left for a start at which it is not paused` : undefined];
    this.#parts.logger.info({ agent, trigger: name, paused, retriesLeft: left }, `trigger "${name}" of agent "${agent}" was paused during its catch-up: ${parts.filter((part) => part !== undefined).join("; ")}`);
  }

  /** Whether an operator has paused the trigger now (looked up each time: `schedule()` may have added it again). */
  #pausedNow(agent: string, trigger: string): boolean {
    return this.#parts.activity(agent, trigger)?.paused === true;
  }

  /** Count `count` slots of the trigger skipped for `reason`, for the agent and the trigger. */
  #count(agent: string, trigger: string, reason: "interrupted" | "downtime" | "paused", count: number): void {
    if (count === 0) return;
    this.#parts.counters(agent).triggersSkipped[reason] += count;
    const activity = this.#parts.activity(agent, trigger);
    if (activity !== undefined) countSkip(activity, reason, count);
  }

  #report(agent: string, trigger: ResolvedTrigger, plan: CatchupPlan, paused: number): void {
    if (plan.run.length === 0 && plan.retry.length === 0 && plan.interrupted.length === 0 && plan.downtime === 0 && paused === 0) return;
    const { logger } = this.#parts;
    const window = trigger.catchup?.window ?? 0;
    const payload = { agent, trigger: trigger.name, run: plan.run.length, retried: plan.retry.length, downtime: plan.downtime, interrupted: plan.interrupted.length };
    const parts = [
      plan.run.length > 0 ? `running ${plan.run.length} missed slot(s) (catchup window ${formatDuration(window)}, runs ${trigger.catchup?.runs ?? "latest"})` : undefined,
      plan.downtime > 0 ? `${plan.downtime}${plan.downtimeCapped ? " or more" : ""} missed slot(s) skipped (downtime)` : undefined,
      paused > 0 ? `${paused}${plan.downtimeCapped ? " or more" : ""} missed slot(s) skipped (paused)` : undefined,
      plan.retry.length > 0 ? `running ${plan.retry.length} interrupted slot(s) once more (delivery at-least-once)` : undefined,
      plan.interrupted.length > 0 ? `${plan.interrupted.length} interrupted slot(s) not run again (delivery at-most-once)` : undefined,
    ].filter((part) => part !== undefined);
    const message = `trigger "${trigger.name}" of agent "${agent}" after downtime: ${parts.join("; ")}`;
    if (plan.interrupted.length > 0 || plan.downtime > 0) logger.warn(payload, message);
    else logger.info(paused > 0 ? { ...payload, paused } : payload, message);
    // a paused trigger's skipped slots are in the log line and the `paused` count, not in the event
    if (plan.run.length > 0 || plan.retry.length > 0 || plan.interrupted.length > 0 || plan.downtime > 0) this.#parts.emit(payload);
  }
}

/**
 * The plan of a paused trigger: its missed slots are not run but counted
 * `paused` (none as `downtime`), and passed over up to the latest; an
 * interrupted run to be run once more stays recorded as started, for a start
 * at which the trigger is not paused.
 */
function whilePaused(plan: CatchupPlan): { plan: CatchupPlan; paused: number } {
  const latest = Math.max(plan.passTo ?? -Infinity, plan.run[plan.run.length - 1] ?? -Infinity);
  return {
    plan: { ...plan, run: [], retry: [], downtime: 0, passTo: latest === -Infinity ? undefined : latest },
    paused: plan.run.length + plan.downtime,
  };
}
