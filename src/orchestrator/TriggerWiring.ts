import type { Agent } from "../agent/Agent.js";
import type { Bus } from "../bus/Bus.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { Logger } from "../logger.js";
import { CronRunner } from "../schedule/CronRunner.js";
import type { TickMessage } from "../schedule/ScheduleSpec.js";
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

/**
 * Ticks from their source to the agents. The {@link TriggerSource} (the
 * scheduler by default) hands each tick to {@link TriggerWiring.fire}, which
 * publishes it on the agent's reserved topic (`cron.<agent>`), after the
 * coordinator's claim when there is one. Each running incarnation subscribes
 * to that topic with a {@link CronRunner} that calls its `onCron`.
 */
export class TriggerWiring {
  /** Where the ticks come from. */
  readonly source: TriggerSource;
  readonly #parts: TriggerWiringParts;

  /** @param createSource - builds the trigger source around the sink it must hand ticks to */
  constructor(parts: TriggerWiringParts, createSource: (sink: TickSink) => TriggerSource) {
    this.#parts = parts;
    this.source = createSource((tick) => this.fire(tick));
  }

  /** Publish `tick` on `cron.<agent>`, once the coordinator (if any) has given this instance its slot. */
  fire(tick: TickMessage): void {
    const { bus, logger, coordinator } = this.#parts;
    const publish = (): void => {
      bus.publish(cronTopic(tick.agent), tick, { source: ORCHESTRATOR_SOURCE }).catch((error: unknown) => {
        logger.warn({ agent: tick.agent, key: tick.key, err: error }, `trigger ${tick.key} could not be published: ${describeThrown(error)}`);
      });
    };
    if (coordinator === undefined) return publish();
    coordinator.claim(tick).then(
      (mine) => {
        if (mine) publish();
      },
      (error: unknown) => logger.warn({ key: tick.key, err: error }, `trigger ${tick.key}: the coordinator failed: ${describeThrown(error)}`),
    );
  }

  /**
   * Wire the triggers of a running incarnation: a {@link CronRunner} fed by the
   * `cron.<agent>` subscription (queue group `<agent>`), both owned by the
   * incarnation. A hung or failed `onCron` crashes the incarnation.
   */
  attach(supervisor: AgentSupervisor, incarnation: Incarnation, instance: Agent): void {
    const agent = supervisor.name;
    const counters = supervisor.counters;
    const runner = new CronRunner({
      clock: incarnation.clock,
      counters,
      lookup: (trigger) => this.source.trigger(agent, trigger),
      // tick: the CronTick of this run, built by cronTick(); tick.signal is aborted on the trigger's timeout and when the incarnation ends
      run: async (tick) => {
        const started = performance.now();
        try {
          await instance.onCron(tick);
        } finally {
          counters.handlerDuration.observe((performance.now() - started) / 1_000);
        }
      },
      onHung: (_tick, error) => supervisor.crashCurrent(incarnation, "hung", error),
      onError: (_tick, error) => {
        counters.handlerErrors++;
        supervisor.crashCurrent(incarnation, "error", error);
      },
    });
    incarnation.own(() => runner.dispose());
    const subscription = this.#parts.bus.subscribe(cronTopic(agent), (message) => runner.receive(message.payload as TickMessage), { queue: agent });
    incarnation.own(subscription);
  }
}
