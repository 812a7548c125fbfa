import type { Clock } from "../clock.js";
import { LifecycleError } from "../errors/LifecycleError.js";
import type { Logger } from "../logger.js";
import { slotTick } from "../schedule/cronTick.js";
import type { CronRunner } from "../schedule/CronRunner.js";
import type { TriggerActivity } from "../schedule/TriggerActivity.js";
import type { TriggerSource } from "../schedule/TriggerSource.js";
import { runNowKey } from "../state/runNowKey.js";
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
  /** Every agent that has or will have triggers: those registered, and those of the config `start()` loads by module. */
  agents(): Iterable<string>;
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
 *
 * Every pause and resume is written to the store, changed here or not (the
 * store refuses what its record says already, so it never keeps a flag this
 * process no longer has). The log line and the event come once the store has
 * answered (at once for the memory store): `remembered` says whether it kept
 * the flag. An action that changes nothing emits nothing, and is logged only
 * when it names who acted (the status page's actions are all logged).
 */
export class TriggerControls {
  readonly #parts: TriggerControlsParts;
  /**
   * The operator's latest word on each trigger acted on, by record key: said
   * before the store was read, it is written once it is; said after, it is
   * what the store holds (a trigger added again by `schedule()` takes it
   * rather than the flag the store had at load).
   */
  readonly #said = new Map<string, boolean>();
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

  /**
   * The store has been read: write what the operator said before, take the
   * stored flag of every other trigger: those of every agent registered and
   * of every agent the config loads by module (whose triggers exist before
   * their module is loaded).
   */
  adoptStored(): void {
    const { source } = this.#parts;
    for (const agent of this.#parts.agents()) for (const activity of source.activities?.(agent) ?? []) this.#adopt(agent, activity, true);
  }

  /**
   * A trigger added after the store was read (`orch.schedule()`): the
   * operator's latest word on it in this process, else the flag the store had
   * when it was read.
   */
  adopt(agent: string, activity: TriggerActivity): void {
    this.#adopt(agent, activity, false);
  }

  /** A trigger goes away (`orch.schedule()`'s `cancel()`): it no longer counts as paused. */
  forget(activity: TriggerActivity): void {
    if (activity.paused) this.#flag(activity, false);
  }

  #adopt(agent: string, activity: TriggerActivity, atLoad: boolean): void {
    const name = activity.trigger.name;
    const said = this.#said.get(recordKey(agent, name));
    if (said !== undefined && atLoad) return this.#writeSaidBefore(agent, name, said);
    const paused = said ?? this.#parts.state.loadedRecord(agent, name)?.paused === true;
    if (paused === activity.paused) return;
    this.#flag(activity, paused);
    if (paused && said === undefined) this.#parts.logger.info({ agent, trigger: name }, `trigger "${name}" of agent "${agent}" is paused (remembered by the trigger store)`);
  }

  /** Write a pause or resume said before the store was read, and say whether the store kept it. */
  #writeSaidBefore(agent: string, name: string, paused: boolean): void {
    const { logger } = this.#parts;
    const what = paused ? "pause" : "resume";
    const outcome = (kept: boolean): void => {
      if (kept) logger.info({ agent, trigger: name, remembered: true }, `trigger "${name}" of agent "${agent}": the ${what} said before start() is remembered by the trigger store`);
      else logger.warn({ agent, trigger: name, remembered: false }, `trigger "${name}" of agent "${agent}": the trigger store could not record the ${what} said before start(); it holds in this process only`);
    };
    const kept = this.#write(agent, name, paused);
    if (kept instanceof Promise) void kept.then(outcome);
    else outcome(kept);
  }

  #flag(activity: TriggerActivity, paused: boolean): void {
    activity.paused = paused;
    this.#paused += paused ? 1 : -1;
  }

  #set(agent: string, name: string, paused: boolean, by: string | undefined): void {
    const { state } = this.#parts;
    const activity = this.#find(agent, name, paused ? "pause" : "resume");
    const changed = activity.paused !== paused;
    if (changed) this.#flag(activity, paused);
    let remembered: boolean | Promise<boolean> = false;
    if (state.ledger !== undefined) {
      this.#said.set(recordKey(agent, name), paused);
      // before the store is read it is written once it is (said then in the log): not remembered yet
      if (state.loaded) remembered = this.#write(agent, name, paused);
    }
    if (!changed && by === undefined) return;
    const announce = (kept: boolean): void => this.#announce({ agent, trigger: name, paused, changed, by, remembered: kept });
    if (remembered instanceof Promise) void remembered.then(announce);
    else announce(remembered);
  }

  /** The log line of a pause or resume (every one that names who acted), and its event when it changed the flag. */
  #announce(said: { agent: string; trigger: string; paused: boolean; changed: boolean; by: string | undefined; remembered: boolean }): void {
    const { agent, trigger, paused, changed, by, remembered } = said;
    const { logger, state } = this.#parts;
    const what = paused ? "paused" : "resumed";
    const who = by === undefined ? "" : ` by ${by}`;
    const fields = by === undefined ? { agent, trigger, remembered } : { agent, trigger, by, remembered };
    const refused = state.ledger !== undefined && state.loaded && !remembered;
    const message = changed ? `trigger "${trigger}" of agent "${agent}" ${what}${who}` : `trigger "${trigger}" of agent "${agent}" already ${what} (${paused ? "pause" : "resume"}${who})`;
    if (refused) logger.warn(fields, `${message}; the trigger store could not record it: it holds in this process only`);
    else logger.info(fields, message);
    if (!changed) return;
    const payload = by === undefined ? { agent, trigger, remembered } : { agent, trigger, by, remembered };
    this.#parts.emit(paused ? "trigger:paused" : "trigger:resumed", payload);
  }

  /**
   * Record the flag in the store: whether the store keeps it (also when it
   * refused the change because its record says so already); false when it
   * could not record or write it (logged by the ledger).
   */
  #write(agent: string, name: string, paused: boolean): boolean | Promise<boolean> {
    const ledger = this.#parts.state.ledger;
    if (ledger === undefined) return false;
    try {
      const decided = ledger.decideDurably({ type: "pause", key: recordKey(agent, name), paused });
      return decided instanceof Promise ? decided.then(() => true, () => false) : true;
    } catch {
      return false;
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
    const outcome = await runner.run(slotTick(agent, name, now, now, runNowKey(agent, name, now)), activity.trigger);
    if (outcome !== "skipped") return;
    supervisor.counters.triggersSkipped["agent-down"]++;
    throw new LifecycleError("AGENT_DOWN", `${what}: the agent stopped before the run began`);
  }

  /**
   * The activity of `agent`'s trigger `name` (an agent loaded by module included, before it is).
   *
   * @throws LifecycleError `SHUT_DOWN` once shutdown has begun, `UNKNOWN_AGENT` for an unknown agent or trigger
   */
  #find(agent: string, name: string, call: string): TriggerActivity {
    const { lifecycle, roster, source } = this.#parts;
    if (lifecycle.stopping) throw new LifecycleError("SHUT_DOWN", `${call}("${agent}", "${name}") after shutdown`);
    // the trigger of an agent the config loads by module exists before start() loads it
    const activity = source.activity?.(agent, name);
    if (activity !== undefined) return activity;
    if (!roster.has(agent)) throw new LifecycleError("UNKNOWN_AGENT", `${call}(): no agent named "${agent}"; known agents: ${roster.listNames()}`);
    const names = (source.activities?.(agent) ?? []).map((known) => JSON.stringify(known.trigger.name));
    throw new LifecycleError("UNKNOWN_AGENT", `${call}(): agent "${agent}" has no trigger named ${JSON.stringify(name)}; its triggers: ${names.length === 0 ? "none" : names.join(", ")}`);
  }
}
