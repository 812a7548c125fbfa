import { hostname } from "node:os";
import type { Clock } from "../clock.js";
import { ConfigError } from "../errors/ConfigError.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { Logger } from "../logger.js";
import type { TriggerStoreStatus } from "../observe/ObservedSource.js";
import type { ResolvedTrigger } from "../schedule/ScheduleSpec.js";
import type { TriggerSource } from "../schedule/TriggerSource.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import { TriggerLedger } from "../state/TriggerLedger.js";
import { recordKey, type StoreProblem, type StoreSnapshot, type TriggerRecord, type TriggerStore } from "../state/TriggerStore.js";
import type { OrchestratorEventName, OrchestratorEvents } from "../supervisor/events.js";
import { checkBackfill, runBackfill, type BackfillResult } from "./Backfill.js";
import type { CronRunner } from "../schedule/CronRunner.js";
import { TriggerCatchup } from "./TriggerCatchup.js";

/** What the trigger state needs from the orchestrator. */
export interface TriggerStateParts {
  readonly clock: Clock;
  readonly logger: Logger;
  emit<E extends OrchestratorEventName>(event: E, payload: OrchestratorEvents[E]): void;
  counters(agent: string): AgentCounters;
}

/** What catch-up and backfill reach through the orchestrator once it runs. */
export interface TriggerReach {
  readonly source: TriggerSource;
  agents(): readonly string[];
  runnerOf(agent: string): CronRunner | undefined;
  running(): boolean;
}

/**
 * The orchestrator's trigger state: the {@link TriggerStore} (when there is
 * one) behind its {@link TriggerLedger}; loaded before any trigger is armed,
 * caught up once they are, flushed and (when the orchestrator made it from
 * `state: { file }`) closed at shutdown. Without a store nothing outlives the
 * process: no catch-up, no interrupted slots, and a backfill runs every slot.
 */
export class TriggerState {
  /** The ledger, when there is a store. */
  readonly ledger: TriggerLedger | undefined;
  readonly #parts: TriggerStateParts;
  readonly #owned: boolean;
  #snapshot: StoreSnapshot | undefined;
  #catchup: TriggerCatchup | undefined;

  /**
   * @param store - the store, or none
   * @param owned - whether the orchestrator made the store (from `state: { file }`) and so closes it at shutdown
   */
  constructor(store: TriggerStore | undefined, owned: boolean, parts: TriggerStateParts) {
    this.#parts = parts;
    this.#owned = owned;
    const named = (store as { instance?: unknown } | undefined)?.instance;
    const instance = typeof named === "string" && named !== "" ? named : `${hostname()}:${process.pid}`;
    this.ledger = store === undefined ? undefined : new TriggerLedger(store, instance, parts.logger);
  }

  /** The store's problem at load (a corrupt file moved aside), for health. */
  get problem(): StoreProblem | undefined {
    return this.#snapshot?.problem;
  }

  /** True once the store was read (at once false without a store). */
  get loaded(): boolean {
    return this.#snapshot !== undefined;
  }

  /** The record of a trigger as the store had it when it was read (`undefined` before, without a store, or when it had none). */
  loadedRecord(agent: string, trigger: string): TriggerRecord | undefined {
    return this.#snapshot?.records.get(recordKey(agent, trigger));
  }

  /** The store as health shows it, when there is one. */
  status(): TriggerStoreStatus | undefined {
    const ledger = this.ledger;
    if (ledger === undefined) return undefined;
    const problem = this.problem;
    return problem === undefined ? { description: ledger.store.description } : { description: ledger.store.description, problem };
  }

  /**
   * A trigger asks for what only a store gives (`catchup` with a window,
   * `delivery: at-least-once`) and there is none.
   *
   * @throws ConfigError `INVALID_OPTION` naming the trigger and what to add
   */
  check(agent: string, trigger: ResolvedTrigger): void {
    if (this.ledger !== undefined) return;
    const catchup = (trigger.catchup?.window ?? 0) > 0;
    if (!catchup && trigger.delivery !== "at-least-once") return;
    const what = catchup ? "`catchup` (a window over 0)" : "`delivery: at-least-once`";
    throw new ConfigError(
      `trigger "${trigger.name}" of agent "${agent}" sets ${what}, which needs remembered trigger state, and there is no trigger store: add \`state: { file: ./var/orchestrator-state.json }\` to the config, or pass \`store\` to createOrchestrator()`,
      { code: "INVALID_OPTION", path: `schedule.${agent}[${trigger.name}].${catchup ? "catchup" : "delivery"}`, value: catchup ? trigger.catchup : trigger.delivery },
    );
  }

  /** Read the store (before any trigger is armed); a store that read nothing usable says so in the log and an event. */
  async load(): Promise<void> {
    const ledger = this.ledger;
    if (ledger === undefined) return;
    const snapshot = (this.#snapshot = await ledger.load());
    const problem = snapshot.problem;
    if (problem === undefined) return;
    const moved = problem.movedTo === undefined ? "" : `; it was moved to ${problem.movedTo}`;
    this.#parts.logger.error(
      { store: ledger.store.description, code: problem.code, movedTo: problem.movedTo },
      `trigger state: the store ${ledger.store.description} could not be read (${problem.message})${moved}; starting with empty trigger state: no catch-up and no interrupted slots for what it held`,
    );
    this.#parts.emit("store:corrupt", { store: ledger.store.description, message: problem.message, ...(problem.movedTo === undefined ? {} : { movedTo: problem.movedTo }) });
  }

  /**
   * Plan the catch-up of what fell while the orchestrator was down, as of
   * `now`: the instant the triggers are armed at next. Nothing without a store.
   */
  planCatchUp(reach: TriggerReach, now: number): void {
    const ledger = this.ledger;
    const snapshot = this.#snapshot;
    if (ledger === undefined || snapshot === undefined) return;
    this.#catchup = this.#createCatchup(ledger, reach);
    this.#catchup.plan(snapshot, now);
  }

  /**
   * A trigger added after the triggers were armed (`orch.schedule()`): catch
   * up on it from its record, read afresh, as of `now` (the instant it was armed at).
   */
  catchUpLate(agent: string, trigger: ResolvedTrigger, now: number, reach: TriggerReach): void {
    const ledger = this.ledger;
    if (ledger === undefined) return;
    ledger.get(agent, trigger.name).then(
      (record) => {
        const catchup = this.#createCatchup(ledger, reach);
        catchup.planTrigger(agent, trigger, record, now);
        void catchup.start();
      },
      (error: unknown) => this.#parts.logger.error({ agent, trigger: trigger.name, err: error }, `catch-up of trigger "${trigger.name}" of agent "${agent}": its record could not be read: ${describeThrown(error)}`),
    );
  }

  #createCatchup(ledger: TriggerLedger, reach: TriggerReach): TriggerCatchup {
    const { clock, logger } = this.#parts;
    return new TriggerCatchup({
      clock,
      logger,
      ledger,
      source: reach.source,
      agents: () => reach.agents(),
      counters: (agent) => this.#parts.counters(agent),
      runnerOf: (agent) => reach.runnerOf(agent),
      running: () => reach.running(),
      activity: (agent, trigger) => reach.source.activity?.(agent, trigger),
      emit: (payload) => this.#parts.emit("trigger:catchup", payload),
    });
  }

  /** Whether catch-up runs the slot of an `at` trigger (not counted `past` by the scheduler then). */
  caughtUp(agent: string, trigger: string): boolean {
    return this.#catchup?.caughtUp(agent, trigger) ?? false;
  }

  /** The triggers are armed: carry out the planned catch-up; resolves once it is decided and reported (its runs go on after). */
  startCatchUp(): Promise<void> | undefined {
    return this.#catchup?.start();
  }

  /**
   * `orch.backfill()`: checked at once (throws before anything runs), then run.
   *
   * @throws ConfigError `INVALID_OPTION` for bad options (see `checkBackfill`)
   */
  backfill(agent: string, trigger: ResolvedTrigger, options: unknown, reach: TriggerReach): Promise<BackfillResult> {
    const range = checkBackfill(trigger, options);
    return runBackfill(
      {
        clock: this.#parts.clock,
        ledger: this.ledger,
        counters: (name) => this.#parts.counters(name),
        runnerOf: (name) => reach.runnerOf(name),
        running: () => reach.running(),
        activity: (name, trigger) => reach.source.activity?.(name, trigger),
        emit: (payload) => this.#parts.emit("backfill:progress", payload),
      },
      agent,
      trigger,
      range,
    );
  }

  /** Shutdown has begun: runs ended by it stay recorded as started (interrupted, for the next start). */
  stopping(): void {
    if (this.ledger !== undefined) this.ledger.stopping = true;
  }

  /** Write what is pending; close the store when the orchestrator made it. */
  async close(): Promise<void> {
    const ledger = this.ledger;
    if (ledger === undefined) return;
    try {
      await ledger.flush();
      if (this.#owned) await ledger.store.close();
    } catch (error) {
      this.#parts.logger.error({ store: ledger.store.description, err: error }, `trigger state: closing the store failed: ${describeThrown(error)}`);
    }
  }
}
