import { handlesCron, type Agent } from "../agent/Agent.js";
import type { Bus } from "../bus/Bus.js";
import { InProcessBus } from "../bus/InProcessBus.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { Logger } from "../logger.js";
import { CronRunner } from "../schedule/CronRunner.js";
import type { ResolvedTrigger, TickMessage } from "../schedule/ScheduleSpec.js";
import type { TickSink, TriggerSource } from "../schedule/TriggerSource.js";
import type { AgentSupervisor } from "../supervisor/AgentSupervisor.js";
import type { Incarnation } from "../supervisor/Incarnation.js";
import { cronTopic, ORCHESTRATOR_SOURCE } from "./reservedTopics.js";
import type { TriggerCoordinator } from "./TriggerCoordinator.js";

/** What the trigger wiring needs from the orchestrator. */
export interface TriggerWiringParts {
  readonly bus: Bus;
  readonly logger: Logger;
  /** Decides which instance of a cluster fires a slot; without one every slot fires here. */
  readonly coordinator: TriggerCoordinator | undefined;
}

/** The running incarnation of an agent, as direct delivery reaches it. */
interface Attached {
  readonly runner: CronRunner;
  /** `cron.<agent>`. */
  readonly topic: string;
}

/**
 * Ticks from their source to the agents. The {@link TriggerSource} (the
 * scheduler by default) hands each tick to {@link TriggerWiring.fire}.
 * Each running incarnation has a {@link CronRunner} that applies the
 * trigger's overlap policy and timeout and calls its `onCron`.
 *
 * Two ways a tick travels:
 *
 * - **direct** — on an in-process bus (one made by `createBus()`, the
 *   orchestrator's own by default) without a coordinator, the tick is handed
 *   to the agent's runner in the same call, and published on `cron.<agent>`
 *   only when some other subscription (`cron.<agent>`, `cron.*`, `cron.>`,
 *   `>`…) would see it. The incarnation's own subscription to `cron.<agent>`
 *   (a plain one) takes ticks published by anyone but an orchestrator.
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
  /** Direct delivery: the runner of each agent's running incarnation. */
  readonly #attached = new Map<string, Attached>();

  /** @param createSource - builds the trigger source around the sink it must hand ticks to */
  constructor(parts: TriggerWiringParts, createSource: (sink: TickSink) => TriggerSource) {
    this.#parts = parts;
    this.#direct = parts.coordinator === undefined && parts.bus instanceof InProcessBus ? parts.bus : undefined;
    this.source = createSource((tick, trigger) => this.fire(tick, trigger));
  }

  /** True when ticks reach the agents without a trip through the bus (an in-process bus, no coordinator). */
  get direct(): boolean {
    return this.#direct !== undefined;
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
    if (coordinator === undefined) return this.#publish(cronTopic(tick.agent), tick);
    coordinator.claim(tick).then(
      (mine) => {
        if (mine) this.#publish(cronTopic(tick.agent), tick);
      },
      (error: unknown) => this.#parts.logger.warn({ key: tick.key, err: error }, `trigger ${tick.key}: the coordinator failed: ${describeThrown(error)}`),
    );
  }

  /**
   * Wire the triggers of a running incarnation: a {@link CronRunner}, fed
   * directly or by the `cron.<agent>` subscription, both owned by the
   * incarnation. A hung or failed `onCron` crashes the incarnation. With
   * direct delivery an agent that does not define `onCron` (it can have no
   * trigger) gets neither.
   */
  attach(supervisor: AgentSupervisor, incarnation: Incarnation, instance: Agent): void {
    const agent = supervisor.name;
    const direct = this.#direct;
    if (direct !== undefined && !handlesCron(supervisor.agentClass)) return;
    const runner = this.#runner(supervisor, incarnation, instance);
    incarnation.own(() => runner.dispose());
    const topic = cronTopic(agent);
    if (direct === undefined) {
      incarnation.own(this.#parts.bus.subscribe(topic, (message) => runner.receive(message.payload as TickMessage), { queue: agent }));
      return;
    }
    // ticks this orchestrator (or another sharing the bus) fires are delivered directly: take only the others
    const subscription = direct.subscribe(topic, (message) => {
      if (message.source !== ORCHESTRATOR_SOURCE) runner.receive(message.payload as TickMessage);
    });
    const attached: Attached = { runner, topic };
    this.#attached.set(agent, attached);
    incarnation.own(() => {
      if (this.#attached.get(agent) === attached) this.#attached.delete(agent);
    });
    incarnation.own(subscription);
  }

  #runner(supervisor: AgentSupervisor, incarnation: Incarnation, instance: Agent): CronRunner {
    const agent = supervisor.name;
    const counters = supervisor.counters;
    return new CronRunner({
      clock: incarnation.clock,
      counters,
      lookup: (trigger) => this.source.trigger(agent, trigger),
      // tick: the CronTick of this run, built by cronTick(); tick.signal is aborted on the trigger's timeout and when the incarnation ends
      run: (tick) => instance.onCron(tick),
      durations: counters.handlerDuration,
      onHung: (_tick, error) => supervisor.crashCurrent(incarnation, "hung", error),
      onError: (_tick, error) => {
        counters.handlerErrors++;
        supervisor.crashCurrent(incarnation, "error", error);
      },
    });
  }

  /** Direct delivery: the agent's runner first, then the bus when anyone else listens on `cron.<agent>`. */
  #deliver(bus: InProcessBus, tick: TickMessage, trigger: ResolvedTrigger | undefined): void {
    const attached = this.#attached.get(tick.agent);
    if (attached === undefined) {
      const topic = cronTopic(tick.agent);
      if (bus.subscriberCount(topic) > 0) this.#publish(topic, tick);
      return;
    }
    attached.runner.receive(tick, trigger);
    // one of the subscriptions is the incarnation's own, which leaves the orchestrator's ticks alone
    if (bus.subscriberCount(attached.topic) > 1) this.#publish(attached.topic, tick);
  }

  #publish(topic: string, tick: TickMessage): void {
    this.#parts.bus.publish(topic, tick, { source: ORCHESTRATOR_SOURCE }).catch((error: unknown) => {
      this.#parts.logger.warn({ agent: tick.agent, key: tick.key, err: error }, `trigger ${tick.key} could not be published: ${describeThrown(error)}`);
    });
  }
}
