import { handlesCron, type Agent } from "../agent/Agent.js";
import type { Bus } from "../bus/Bus.js";
import { InProcessBus } from "../bus/InProcessBus.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { Logger } from "../logger.js";
import type { ResolvedTrigger, TickMessage } from "../schedule/ScheduleSpec.js";
import type { Subscription } from "../bus/Bus.js";
import type { TickSink, TriggerSource } from "../schedule/TriggerSource.js";
import type { TriggerTarget } from "../schedule/TriggerTarget.js";
import type { AgentSupervisor } from "../supervisor/AgentSupervisor.js";
import type { Incarnation } from "../supervisor/Incarnation.js";
import { cronTopic, CRON_TOPIC_PREFIX, ORCHESTRATOR_SOURCE } from "./reservedTopics.js";
import { IncarnationCron } from "./IncarnationCron.js";
import { TriggerPort, type PortAudience, type RunnerSlot } from "./TriggerPort.js";
import type { CronRunner } from "../schedule/CronRunner.js";
import type { TriggerLedger } from "../state/TriggerLedger.js";
import type { TriggerCoordinator } from "./TriggerCoordinator.js";
import type { Clock } from "../clock.js";
import type { RunOutcome } from "../state/TriggerStore.js";
import { countSkip, runEnded, type TriggerActivity } from "../schedule/TriggerActivity.js";

/** What the trigger wiring needs from the orchestrator. */
export interface TriggerWiringParts {
  readonly bus: Bus;
  /** The orchestrator's clock (the end of each run). */
  readonly clock: Clock;
  readonly logger: Logger;
  /** Decides which instance of a cluster fires a slot; without one every slot fires here. */
  readonly coordinator: TriggerCoordinator | undefined;
  /** The trigger store's ledger, when there is a store: each slot's start and end are recorded, and a slot runs once its start is. */
  readonly ledger: TriggerLedger | undefined;
  /** The supervisor of an agent (asked once per agent, for direct delivery). */
  supervisor(agent: string): AgentSupervisor;
}

/** Builds the trigger source around the sink it hands ticks to and, for direct delivery, the target of each agent. */
export type CreateTriggerSource = (sink: TickSink, target: ((agent: string) => TriggerTarget) | undefined) => TriggerSource;

/**
 * Ticks from their source to the agents. The {@link TriggerSource} (the
 * scheduler by default) hands each tick to {@link TriggerWiring.fire}.
 * Each running incarnation has a {@link CronRunner} that applies the
 * trigger's overlap policy and timeout and calls its `onCron`.
 *
 * Two ways a tick travels:
 *
 * - **direct** — on an in-process bus (one made by `createBus()`, the
 *   orchestrator's own by default) without a coordinator, the scheduler hands
 *   the slot to the agent's {@link TriggerPort} (kept on each trigger), which
 *   hands it to the running incarnation's runner in the same call; the tick is
 *   published on `cron.<agent>` only when a subscription (`cron.<agent>`,
 *   `cron.*`, `cron.>`, `>`…) other than the wiring's own would see it. No
 *   incarnation subscribes to `cron.<agent>`: one `cron.*` subscription, made
 *   when the first runner is wired and ended by {@link TriggerWiring.stop},
 *   hands a tick published there by anyone but an orchestrator to the running
 *   incarnation's runner, so `onCron` still answers its topic.
 * - **through the bus** — with a coordinator (after its claim) or on any
 *   other bus (a networked one, a `FakeBus`), the tick is published on
 *   `cron.<agent>` and each incarnation consumes that topic in a queue group
 *   named after the agent (decision 18: one tick reaches one instance).
 */
export class TriggerWiring {
  /** Where the ticks come from. */
  readonly source: TriggerSource;
  readonly #parts: TriggerWiringParts;
  /** The bus when ticks are delivered directly (see the class notes), else undefined. */
  readonly #direct: InProcessBus | undefined;
  /** Direct delivery: the port of each agent, made on first use. */
  readonly #ports = new Map<string, TriggerPort>();
  /** Delivery through the bus: where each agent's running incarnation is, for ticks handed over here (catch-up, backfill). */
  readonly #slots = new Map<string, RunnerSlot>();
  readonly #publishTick = (topic: string, tick: TickMessage): void => this.#publish(topic, tick);
  /** Direct delivery: the `cron.*` subscription that runs ticks published by hand, while runners are wired. */
  #handTicks: Subscription | undefined;
  /** Set by {@link TriggerWiring.stop}: no subscription is made after it. */
  #stopped = false;
  /** Who listens on `cron.<agent>`, shared by every port: the bus, and the wiring's own subscriptions there (not someone listening). */
  #audience: PortAudience | undefined;

  /** @param createSource - builds the trigger source around the sink it must hand ticks to (and the agents' targets, for direct delivery) */
  constructor(parts: TriggerWiringParts, createSource: CreateTriggerSource) {
    this.#parts = parts;
    this.#direct = parts.coordinator === undefined && parts.bus instanceof InProcessBus ? parts.bus : undefined;
    const direct = this.#direct;
    this.source = createSource(
      (tick, trigger) => this.fire(tick, trigger),
      direct === undefined ? undefined : (agent) => this.#port(direct, agent),
    );
  }

  /** True when ticks reach the agents without a trip through the bus (an in-process bus, no coordinator). */
  get direct(): boolean {
    return this.#direct !== undefined;
  }

  /** Stop the source and end the wiring's own subscription (shutdown). */
  stop(): void {
    this.#stopped = true;
    this.source.stop();
    void this.#handTicks?.unsubscribe();
    this.#handTicks = undefined;
  }

  /**
   * Deliver `tick`: directly, or on `cron.<agent>` once the coordinator (if any) has given this instance its slot.
   *
   * @param trigger - the trigger the tick is for, when the source passes it (else the runner looks it up)
   */
  fire(tick: TickMessage, trigger?: ResolvedTrigger): void {
    const direct = this.#direct;
    if (direct !== undefined) return this.#deliver(direct, tick, trigger);
    const coordinator = this.#parts.coordinator;
    if (coordinator === undefined) return this.#begin(tick, trigger);
    coordinator.claim(tick).then(
      (mine) => {
        if (mine) this.#begin(tick, trigger);
      },
      (error: unknown) => this.#parts.logger.warn({ key: tick.key, err: error }, `trigger ${tick.key}: the coordinator failed: ${describeThrown(error)}`),
    );
  }

  /** The running incarnation's runner of `agent` in this process, for a tick handed over here (catch-up, backfill). */
  runnerOf(agent: string): CronRunner | undefined {
    return (this.#direct === undefined ? this.#slots.get(agent) : this.#ports.get(agent))?.runner;
  }

  /** Through the bus: publish the tick once the store (if any) has accepted its start; a shared store's acceptance is the cluster-wide claim. */
  #begin(tick: TickMessage, trigger: ResolvedTrigger | undefined): void {
    const ledger = this.#parts.ledger;
    if (ledger === undefined) this.#publish(cronTopic(tick.agent), tick);
    else ledger.startLive(tick.agent, tick.trigger, trigger ?? this.source.trigger(tick.agent, tick.trigger), tick.scheduledAt, tick.firedAt, () => this.#claimed(tick));
  }

  /** The store accepted the tick's start: count it fired and publish it. */
  #claimed(tick: TickMessage): void {
    this.#parts.supervisor(tick.agent).counters.triggersFired++;
    this.#publish(cronTopic(tick.agent), tick);
  }

  /**
   * Wire the triggers of a running incarnation: a {@link CronRunner}, owned by
   * the incarnation and fed directly (through the agent's {@link TriggerPort},
   * until the incarnation ends) or by a `cron.<agent>` queue-group
   * subscription. A hung or failed `onCron` crashes the incarnation. With
   * direct delivery an agent that does not define `onCron` (it can have no
   * trigger) gets no runner.
   */
  attach(supervisor: AgentSupervisor, incarnation: Incarnation, instance: Agent): void {
    const agent = supervisor.name;
    const direct = this.#direct;
    if (direct !== undefined && !handlesCron(supervisor.agentClass)) return;
    const cron = new IncarnationCron(supervisor, incarnation, instance, this.source, this.#ended);
    incarnation.own(cron);
    if (direct === undefined) {
      const runner = cron.runner;
      let slot = this.#slots.get(agent);
      if (slot === undefined) this.#slots.set(agent, (slot = { runner: undefined }));
      cron.plug(slot);
      incarnation.own(this.#parts.bus.subscribe(cronTopic(agent), (message) => runner.receive(message.payload as TickMessage), { queue: agent }));
      return;
    }
    if (!this.#stopped) this.#handTicks ??= direct.subscribe(`${CRON_TOPIC_PREFIX}*`, (message) => this.#handTick(message.topic, message.source, message.payload as TickMessage));
    cron.plug(this.#port(direct, agent));
  }

  /**
   * The end of a run of any incarnation (or of a tick that never ran),
   * shared by every runner (no closure per incarnation): recorded in the
   * trigger store when there is one, kept as the trigger's last run, or
   * counted among its skipped slots (`overlap`, or `agent-down` once the
   * agent's runner is gone or disposed; a catch-up or backfill tick is
   * counted where it was handed over).
   */
  readonly #ended = (tick: TickMessage, outcome: RunOutcome, held: TriggerActivity | undefined): void => {
    const now = this.#parts.clock.now();
    this.#parts.ledger?.end(tick, outcome, now);
    const activity = held ?? this.source.activity?.(tick.agent, tick.trigger);
    if (activity === undefined) return;
    if (outcome !== "skipped") return runEnded(activity, tick.scheduledAt, outcome, now);
    if (tick.catchup === true) return;
    const runner = this.runnerOf(tick.agent);
    countSkip(activity, runner === undefined || runner.disposed ? "agent-down" : "overlap");
  };

  /** A tick on `cron.<agent>` not published by an orchestrator (whose ticks came directly): the running incarnation's runner takes it. */
  #handTick(topic: string, source: string | undefined, tick: TickMessage): void {
    if (source === ORCHESTRATOR_SOURCE) return;
    this.#ports.get(topic.slice(CRON_TOPIC_PREFIX.length))?.runner?.receive(tick);
  }

  /** The port of `agent` (direct delivery), made on first use and kept for the orchestrator's life. */
  #port(bus: InProcessBus, agent: string): TriggerPort {
    let port = this.#ports.get(agent);
    if (port === undefined) {
      this.#audience ??= { bus, own: () => (this.#handTicks === undefined ? 0 : 1) };
      port = new TriggerPort(this.#parts.supervisor(agent), cronTopic(agent), this.#audience, this.#publishTick, this.#parts.ledger);
      this.#ports.set(agent, port);
    }
    return port;
  }

  /** Direct delivery of a tick that did not come through a port (a trigger source of another kind). */
  #deliver(bus: InProcessBus, tick: TickMessage, trigger: ResolvedTrigger | undefined): void {
    const port = this.#port(bus, tick.agent);
    port.runner?.receive(tick, trigger);
    if (port.heard()) this.#publish(port.topic, tick);
  }

  #publish(topic: string, tick: TickMessage): void {
    this.#parts.bus.publish(topic, tick, { source: ORCHESTRATOR_SOURCE }).catch((error: unknown) => {
      this.#parts.logger.warn({ agent: tick.agent, key: tick.key, err: error }, `trigger ${tick.key} could not be published: ${describeThrown(error)}`);
    });
  }
}
