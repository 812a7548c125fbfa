import type { Agent } from "../agent/Agent.js";
import type { Subscription } from "../bus/Bus.js";
import type { Clock } from "../clock.js";
import type { AgentError } from "../errors/AgentError.js";
import { CronRunner, type CronRunnerOptions } from "../schedule/CronRunner.js";
import type { CronTick, ResolvedTrigger } from "../schedule/ScheduleSpec.js";
import type { TriggerSource } from "../schedule/TriggerSource.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import type { AgentSupervisor } from "../supervisor/AgentSupervisor.js";
import type { Incarnation } from "../supervisor/Incarnation.js";
import type { RunOutcome } from "../state/TriggerStore.js";
import type { TickMessage } from "../schedule/ScheduleSpec.js";
import type { RunnerSlot } from "./TriggerPort.js";
import type { TriggerActivity } from "../schedule/TriggerActivity.js";

/**
 * The triggers of one running incarnation: its {@link CronRunner} and what
 * the runner calls back (the agent's `onCron`, the trigger lookup, the
 * supervisor's crash on a hung or failed run). One object per incarnation,
 * its callbacks methods of the class (no closure per agent), owned by the
 * incarnation as a {@link Subscription}: ending the incarnation disposes the
 * runner and unplugs it from the agent's {@link TriggerPort}, so a tick never
 * reaches an incarnation that has ended.
 */
export class IncarnationCron implements CronRunnerOptions, Subscription {
  /** The runner of the incarnation's ticks. */
  readonly runner: CronRunner;
  readonly #supervisor: AgentSupervisor;
  readonly #incarnation: Incarnation;
  readonly #instance: Agent;
  readonly #source: TriggerSource;
  #port: RunnerSlot | undefined = undefined;

  /** @param ended - each run's end (kept as the trigger's last run, recorded in the trigger store): one function shared by every incarnation */
  constructor(supervisor: AgentSupervisor, incarnation: Incarnation, instance: Agent, source: TriggerSource, ended: (tick: TickMessage, outcome: RunOutcome, activity: TriggerActivity | undefined) => void) {
    this.#supervisor = supervisor;
    this.#incarnation = incarnation;
    this.#instance = instance;
    this.#source = source;
    this.ended = ended;
    this.runner = new CronRunner(this);
  }

  /** The incarnation's clock (its timers end with it): the runs' timeouts. */
  get clock(): Clock {
    return this.#incarnation.clock;
  }

  /** The agent's counters. */
  get counters(): AgentCounters {
    return this.#supervisor.counters;
  }

  /** How long each run took. */
  get durations(): AgentCounters["handlerDuration"] {
    return this.#supervisor.counters.handlerDuration;
  }

  /** The agent's port (direct delivery) or slot hands its ticks to this incarnation's runner until it ends. */
  plug(port: RunnerSlot): void {
    this.#port = port;
    port.runner = this.runner;
  }

  /** Calls the agent's `onCron` (the tick's signal is aborted on the trigger's timeout and when the incarnation ends). */
  run(tick: CronTick): Promise<void> | void {
    return this.#instance.onCron(tick);
  }

  lookup(trigger: string): ResolvedTrigger | undefined {
    return this.#source.trigger(this.#supervisor.name, trigger);
  }

  /** The trigger's activity kept by the source (the runner notes each run's start there). */
  activity(trigger: string): TriggerActivity | undefined {
    return this.#source.activity?.(this.#supervisor.name, trigger);
  }

  /** Each run's end (or a tick that never ran): the wiring's one callback for every incarnation (see `TriggerWiring`). */
  readonly ended: (tick: TickMessage, outcome: RunOutcome, activity: TriggerActivity | undefined) => void;

  onHung(_tick: CronTick, error: AgentError): void {
    this.#supervisor.crashCurrent(this.#incarnation, "hung", error);
  }

  onError(_tick: CronTick, error: unknown): void {
    this.#supervisor.counters.handlerErrors++;
    this.#supervisor.crashCurrent(this.#incarnation, "error", error);
  }

  /** The incarnation ended: dispose the runner and unplug it from the port. */
  unsubscribe(): void {
    this.runner.dispose();
    const port = this.#port;
    if (port !== undefined && port.runner === this.runner) port.runner = undefined;
  }
}
