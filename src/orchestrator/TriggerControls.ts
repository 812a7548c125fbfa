import type { Clock } from "../clock.js";
import { LifecycleError } from "../errors/LifecycleError.js";
import type { Logger } from "../logger.js";
import { slotTick, tickKey } from "../schedule/cronTick.js";
import type { CronRunner } from "../schedule/CronRunner.js";
import type { TriggerActivity } from "../schedule/TriggerActivity.js";
import type { TriggerSource } from "../schedule/TriggerSource.js";
import { recordKey } from "../state/TriggerStore.js";
import type { OrchestratorEventName, OrchestratorEvents } from "../supervisor/events.js";
import type { AgentRoster } from "./AgentRoster.js";
import type { Lifecycle } from "./Lifecycle.js";
import type { TriggerControl } from "./TriggerControl.js";
import type { TriggerState } from "./TriggerState.js";

/** What the trigger controls reach in the orchestrator. */
export interface TriggerControlsParts {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly roster: AgentRoster;
  readonly source: TriggerSource;
  readonly state: TriggerState;
  emit<E extends OrchestratorEventName>(event: E, payload: OrchestratorEvents[E]): void;
  /** The running incarnation's runner of an agent in this process. */
  runnerOf(agent: string): CronRunner | undefined;
}

/**
 * The operator's controls of triggers (`orch.trigger(agent, name)`): pause,
 * resume, run now. The paused flag lives on the trigger's activity (the
 * scheduler skips its slots, counted `paused`); with a trigger store it is
 * also a `pause` change, so it outlives the process. A pause or resume before
 * the store is read (before `start()`) is written once it is: the operator's
 * latest word wins over the stored flag. Keeps the number of paused triggers
 * (read at scrape time, no walk over the triggers).
 */
export class TriggerControls {
  readonly #parts: TriggerControlsParts;
  /** Pauses and resumes said before the store was read, by record key: written once it is. */
  readonly #spoken = new Map<string, boolean>();
  #paused = 0;

  constructor(parts: TriggerControlsParts) {
    this.#parts = parts;
  }

  /** How many triggers are paused now. */
  get pausedCount(): number {
    return this.#paused;
  }

  /**
   * The controls of `agent`'s trigger `name`; `by` (who acts) goes into the
   * log line and the events of its pauses and resumes.
   *
   * @throws LifecycleError `SHUT_DOWN` once shutdown has begun, `UNKNOWN_AGENT` for an unknown agent or trigger (naming the known ones)
   */
  control(agent: string, name: string, by?: string): TriggerControl {
    this.#find(agent, name, "trigger");
    const source = this.#parts.source;
    return {
      pause: () => this.#set(agent, name, true, by),
      resume: () => this.#set(agent, name, false, by),
      runNow: () => this.#runNow(agent, name, by),
      get paused(): boolean {
        return source.activity?.(agent, name)?.paused ?? false;
      },
    };
  }

  /** The store has been read: write what the operator said before, take the stored flag of every other trigger. */
  adoptStored(): void {
    const { roster, source } = this.#parts;
    for (const agent of roster.names) for (const activity of source.activities?.(agent) ?? []) this.adopt(agent, activity);
    this.#spoken.clear();
  }

  /** A trigger the store was read for: the operator's word said before it was read, else the stored flag. */
  adopt(agent: string, activity: TriggerActivity): void {
    const { state, logger } = this.#parts;
    const name = activity.trigger.name;
    const spoken = this.#spoken.get(recordKey(agent, name));
    if (spoken !== undefined) return this.#write(agent, name, spoken);
    const stored = state.loadedRecord(agent, name)?.paused === true;
    if (stored === activity.paused) return;
    this.#flag(activity, stored);
    if (stored) logger.info({ agent, trigger: name }, `trigger "${name}" of agent "${agent}" is paused (remembered by the trigger store)`);
  }

  /** A trigger goes away (`orch.schedule()`'s `cancel()`): it no longer counts as paused. */
  forget(activity: TriggerActivity): void {
    if (activity.paused) this.#flag(activity, false);
  }

  #flag(activity: TriggerActivity, paused: boolean): void {
    activity.paused = paused;
    this.#paused += paused ? 1 : -1;
  }

  #set(agent: string, name: string, paused: boolean, by: string | undefined): void {
    const { state, logger } = this.#parts;
    const activity = this.#find(agent, name, paused ? "pause" : "resume");
    const changed = activity.paused !== paused;
    if (changed) this.#flag(activity, paused);
    const ledger = state.ledger;
    if (ledger !== undefined) {
      if (!state.loaded) this.#spoken.set(recordKey(agent, name), paused);
      // a shared store is written whatever this instance believed: another one may have said otherwise
      else if (changed || ledger.store.shared) this.#write(agent, name, paused);
    }
    if (!changed) return;
    const what = paused ? "paused" : "resumed";
    logger.info(by === undefined ? { agent, trigger: name } : { agent, trigger: name, by }, `trigger "${name}" of agent "${agent}" ${what}${by === undefined ? "" : ` by ${by}`}`);
    const payload = by === undefined ? { agent, trigger: name, remembered: ledger !== undefined } : { agent, trigger: name, by, remembered: ledger !== undefined };
    this.#parts.emit(paused ? "trigger:paused" : "trigger:resumed", payload);
  }

  /** Record the flag in the store (a failure is logged by the ledger; the flag holds in this process). */
  #write(agent: string, name: string, paused: boolean): void {
    const ledger = this.#parts.state.ledger;
    if (ledger === undefined) return;
    try {
      const decided = ledger.decide({ type: "pause", key: recordKey(agent, name), paused });
      if (decided instanceof Promise) decided.catch(() => undefined);
    } catch {
      // logged by the ledger
    }
  }

  async #runNow(agent: string, name: string, by: string | undefined): Promise<void> {
    const { lifecycle, roster, clock, logger } = this.#parts;
    const activity = this.#find(agent, name, "runNow");
    const what = `runNow() of trigger "${name}" of agent "${agent}"`;
    if (lifecycle.phase !== "running") throw new LifecycleError("NOT_STARTED", `${what}: the orchestrator is ${lifecycle.phase}; a trigger runs through a running agent`);
    const supervisor = roster.get(agent);
    const runner = supervisor.state === "running" ? this.#parts.runnerOf(agent) : undefined;
    if (runner === undefined || runner.disposed) throw new LifecycleError("AGENT_DOWN", `${what}: the agent is ${supervisor.state}, not running`);
    const now = clock.now();
    logger.info(by === undefined ? { agent, trigger: name } : { agent, trigger: name, by }, `trigger "${name}" of agent "${agent}" run now${by === undefined ? "" : ` by ${by}`}`);
    const outcome = await runner.run(slotTick(agent, name, now, now, tickKey(agent, name, now)), activity.trigger);
    if (outcome !== "skipped") return;
    supervisor.counters.triggersSkipped["agent-down"]++;
    throw new LifecycleError("AGENT_DOWN", `${what}: the agent stopped before the run began`);
  }

  /**
   * The activity of `agent`'s trigger `name`.
   *
   * @throws LifecycleError `SHUT_DOWN` once shutdown has begun, `UNKNOWN_AGENT` for an unknown agent or trigger
   */
  #find(agent: string, name: string, call: string): TriggerActivity {
    const { lifecycle, roster, source } = this.#parts;
    if (lifecycle.stopping) throw new LifecycleError("SHUT_DOWN", `${call}("${agent}", "${name}") after shutdown`);
    if (!roster.has(agent)) throw new LifecycleError("UNKNOWN_AGENT", `${call}(): no agent named "${agent}"; known agents: ${roster.listNames()}`);
    const activity = source.activity?.(agent, name);
    if (activity !== undefined) return activity;
    const names = (source.activities?.(agent) ?? []).map((known) => JSON.stringify(known.trigger.name));
    throw new LifecycleError("UNKNOWN_AGENT", `${call}(): agent "${agent}" has no trigger named ${JSON.stringify(name)}; its triggers: ${names.length === 0 ? "none" : names.join(", ")}`);
  }
}
