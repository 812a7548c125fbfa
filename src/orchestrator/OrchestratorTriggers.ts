import type { Agent } from "../agent/Agent.js";
import type { Bus } from "../bus/Bus.js";
import type { ResolvedConfig } from "../config/ResolvedConfig.js";
import { resolveSchedule } from "../config/resolveTrigger.js";
import { LifecycleError } from "../errors/LifecycleError.js";
import type { ScheduleSpec } from "../schedule/ScheduleSpec.js";
import type { HistogramData } from "../stats/HistogramData.js";
import { FileTriggerStore } from "../state/FileTriggerStore.js";
import type { AgentSupervisor } from "../supervisor/AgentSupervisor.js";
import type { Incarnation } from "../supervisor/Incarnation.js";
import type { AgentRoster } from "./AgentRoster.js";
import { checkCronHandler } from "./agentChecks.js";
import type { BackfillOptions, BackfillResult } from "./Backfill.js";
import type { EventHub } from "./EventHub.js";
import type { Lifecycle } from "./Lifecycle.js";
import type { ScheduleHandle } from "./Orchestrator.js";
import type { ResolvedOptions } from "./resolveOptions.js";
import { schedulerSource } from "./schedulerSource.js";
import { TriggerState, type TriggerReach } from "./TriggerState.js";
import { TriggerWiring } from "./TriggerWiring.js";
import type { TriggerControl } from "./TriggerControl.js";
import { TriggerControls } from "./TriggerControls.js";
import { triggerView } from "./triggerView.js";
import type { TriggerView } from "../status/StatusSource.js";

/** What the orchestrator's triggers are built from. */
export interface OrchestratorTriggersParts {
  readonly options: ResolvedOptions;
  readonly config: ResolvedConfig;
  readonly bus: Bus;
  readonly roster: AgentRoster;
  readonly lifecycle: Lifecycle;
  readonly lateness: HistogramData;
  readonly events: EventHub;
}

/**
 * Everything the orchestrator does with triggers, in one place: the trigger
 * source and its wiring to the agents ({@link TriggerWiring}), the trigger
 * state ({@link TriggerState}: the store, catch-up, backfill), the triggers of
 * the config and those added by `orch.schedule()`.
 */
export class OrchestratorTriggers {
  /** Ticks from their source to the agents. */
  readonly wiring: TriggerWiring;
  /** The trigger store, catch-up and backfill. */
  readonly state: TriggerState;
  readonly #parts: OrchestratorTriggersParts;
  readonly #controls: TriggerControls;
  /** Set once the triggers were armed: a trigger added later is caught up on its own. */
  #armed = false;

  constructor(parts: OrchestratorTriggersParts) {
    this.#parts = parts;
    const { options, config, roster, events } = parts;
    const { clock, logger, coordinator, store } = options;
    const file = config.state?.file;
    this.state = new TriggerState(file === undefined ? store : new FileTriggerStore(file), file !== undefined, {
      clock,
      logger,
      emit: (event, payload) => events.emit(event, payload),
      counters: (agent) => roster.get(agent).counters,
    });
    const ledger = this.state.ledger;
    const sourceParts = {
      clock,
      logger,
      lateness: parts.lateness,
      counters: (agent: string) => roster.get(agent).counters,
      isActive: (agent: string) => roster.find(agent)?.state === "running",
      ...(ledger === undefined
        ? {}
        : {
            passed: (agent: string, trigger: string, slot: number) => ledger.pass(agent, trigger, slot),
            caughtUp: (agent: string, trigger: string) => this.state.caughtUp(agent, trigger),
            countFired: false,
          }),
    };
    const supervisor = (agent: string): AgentSupervisor => roster.get(agent);
    this.wiring = new TriggerWiring({ bus: parts.bus, clock, logger, coordinator, ledger, supervisor }, (sink, target) => schedulerSource(sourceParts, sink, target));
    this.#controls = new TriggerControls({
      clock,
      logger,
      lifecycle: parts.lifecycle,
      roster,
      source: this.wiring.source,
      state: this.state,
      agents: () => new Set([...roster.names, ...Object.keys(parts.config.schedule)]),
      emit: (event, payload) => events.emit(event, payload),
      runnerOf: (agent) => this.wiring.runnerOf(agent),
    });
  }

  /**
   * Add the triggers of the config's `schedule:` (those of agents loaded by module are checked for `onCron` when loaded).
   *
   * @throws ConfigError for a trigger of an agent without `onCron`, or one that needs a store when there is none
   */
  addConfigured(): void {
    const { config, roster } = this.#parts;
    for (const [agent, triggers] of Object.entries(config.schedule)) {
      const supervisor = roster.find(agent);
      if (supervisor !== undefined) checkCronHandler(config, agent, supervisor.agentClass);
      for (const trigger of triggers) {
        this.state.check(agent, trigger);
        this.wiring.source.add(agent, trigger);
      }
    }
  }

  /** `orch.schedule()`. */
  schedule(name: string, spec: ScheduleSpec): ScheduleHandle {
    const { lifecycle, roster, config } = this.#parts;
    if (lifecycle.stopping) throw new LifecycleError("SHUT_DOWN", `schedule("${name}") after shutdown`);
    const supervisor = roster.find(name);
    if (supervisor === undefined) throw new LifecycleError("UNKNOWN_AGENT", `schedule(): no agent named "${name}"; known agents: ${roster.listNames()}`);
    const source = this.wiring.source;
    const triggers = resolveSchedule(name, spec, { path: `schedule.${name}`, taken: source.triggerNames(name), defaults: config.scheduler });
    checkCronHandler(config, name, supervisor.agentClass);
    for (const trigger of triggers) this.state.check(name, trigger);
    const now = this.#parts.options.clock.now();
    const handles = triggers.map((trigger) => source.add(name, trigger));
    const activities = triggers.map((trigger) => source.activity?.(name, trigger.name));
    // added after the store was read: its stored paused flag applies (before its catch-up is planned)
    if (this.state.loaded) for (const activity of activities) if (activity !== undefined) this.#controls.adopt(name, activity);
    // added after the triggers were armed: caught up on its own, from its record
    if (this.#armed) for (const trigger of triggers) this.state.catchUpLate(name, trigger, now, this.#reach());
    return {
      cancel: () => {
        for (const activity of activities) if (activity !== undefined) this.#controls.forget(activity);
        handles.forEach((handle) => handle.cancel());
      },
    };
  }

  /**
   * The controls of `agent`'s trigger `trigger` (`orch.trigger()`); `by`
   * (who acts, from the status page's `authorize` hook) goes into the log
   * line and the events of its pauses and resumes.
   *
   * @throws LifecycleError `UNKNOWN_AGENT` for an unknown agent or trigger (naming the known ones), `SHUT_DOWN` once shutdown has begun
   */
  control(agent: string, trigger: string, by?: string): TriggerControl {
    return this.#controls.control(agent, trigger, by);
  }

  /** The triggers of `agent` as the status page shows them, in the order they were added (none for an unknown agent). */
  views(agent: string): TriggerView[] {
    const source = this.wiring.source;
    return (source.activities?.(agent) ?? []).map((activity) => triggerView(activity, this.state.loadedRecord(agent, activity.trigger.name)));
  }

  /** How many triggers are paused now (read at scrape time). */
  pausedCount(): number {
    return this.#controls.pausedCount;
  }

  /** `orch.backfill()`: refused at once (a rejected promise) for an orchestrator not running, an unknown agent or trigger, bad options. */
  backfill(agent: string, trigger: string, options: BackfillOptions): Promise<BackfillResult> {
    const { lifecycle, roster } = this.#parts;
    try {
      if (lifecycle.phase !== "running") throw new LifecycleError("NOT_STARTED", `backfill("${agent}", "${trigger}"): the orchestrator is ${lifecycle.phase}; a backfill runs slots through running agents`);
      if (!roster.has(agent)) throw new LifecycleError("UNKNOWN_AGENT", `backfill(): no agent named "${agent}"; known agents: ${roster.listNames()}`);
      const resolved = this.wiring.source.trigger(agent, trigger);
      if (resolved === undefined) {
        const names = this.wiring.source.triggerNames(agent).map((name) => JSON.stringify(name));
        throw new LifecycleError("UNKNOWN_AGENT", `backfill(): agent "${agent}" has no trigger named ${JSON.stringify(trigger)}; its triggers: ${names.length === 0 ? "none" : names.join(", ")}`);
      }
      return this.state.backfill(agent, resolved, options, this.#reach());
    } catch (error) {
      const refused: Error = error as Error; // the checks throw only the library's errors
      return Promise.reject(refused);
    }
  }

  /** Read the trigger store (during start, before any trigger is armed); `undefined` without a store (no wait at all). */
  load(): Promise<void> | undefined {
    return this.state.ledger === undefined ? undefined : this.state.load().then(() => this.#controls.adoptStored());
  }

  /**
   * Arm every trigger, then catch up on what fell while the orchestrator was
   * down: resolves once the catch-up is decided (claimed, counted, reported),
   * `undefined` when there is nothing to wait for (no store).
   */
  arm(): Promise<void> | undefined {
    this.#armed = true;
    const now = this.#parts.options.clock.now();
    this.state.planCatchUp(this.#reach(), now);
    this.wiring.source.start(now);
    return this.state.startCatchUp();
  }

  /** Shutdown: no slot fires from now on; runs it ends stay recorded as started. */
  stop(): void {
    this.state.stopping();
    this.wiring.stop();
  }

  /** Write pending trigger state; close a store the orchestrator made. */
  close(): Promise<void> {
    return this.state.close();
  }

  /** When the agent's next trigger fires. */
  nextFireAt(agent: string): number | undefined {
    return this.wiring.source.nextFireAt(agent);
  }

  /** Wire the triggers of a running incarnation. */
  attach(agent: string, incarnation: Incarnation, instance: Agent): void {
    this.wiring.attach(this.#parts.roster.get(agent), incarnation, instance);
  }

  #reach(): TriggerReach {
    const { roster, lifecycle } = this.#parts;
    return {
      source: this.wiring.source,
      agents: () => roster.names,
      runnerOf: (agent) => this.wiring.runnerOf(agent),
      running: () => !lifecycle.stopping,
    };
  }
}
