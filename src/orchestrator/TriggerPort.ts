import type { CronRunner } from "../schedule/CronRunner.js";
import type { ResolvedTrigger, TickMessage } from "../schedule/ScheduleSpec.js";
import type { TriggerTarget } from "../schedule/TriggerTarget.js";
import type { AgentState } from "../supervisor/AgentStatus.js";
import type { AgentCounters } from "../stats/AgentCounters.js";

/** What a {@link TriggerPort} reads of its agent's supervisor. */
export interface PortedAgent {
  readonly name: string;
  readonly state: AgentState;
  readonly counters: AgentCounters;
}

/**
 * One agent as direct delivery reaches it (an in-process bus, no
 * coordinator): made once per agent and kept by the scheduler on each of the
 * agent's triggers, so a slot costs no lookup by name. `runner` is the
 * {@link CronRunner} of the running incarnation: set when the incarnation's
 * triggers are wired, cleared when it ends, so a tick never reaches an
 * incarnation that has ended.
 */
export class TriggerPort implements TriggerTarget {
  /** `cron.<agent>`. */
  readonly topic: string;
  readonly counters: AgentCounters;
  /** The runner of the running incarnation, while it lives. */
  runner: CronRunner | undefined = undefined;
  readonly #agent: PortedAgent;
  readonly #heard: (topic: string) => boolean;
  readonly #publish: (topic: string, tick: TickMessage) => void;

  /**
   * @param agent - the agent's supervisor
   * @param topic - `cron.<agent>`
   * @param heard - whether a subscription other than the wiring's own would see a message on a topic
   * @param publish - publishes a tick on a topic (errors handled by it)
   */
  constructor(agent: PortedAgent, topic: string, heard: (topic: string) => boolean, publish: (topic: string, tick: TickMessage) => void) {
    this.#agent = agent;
    this.topic = topic;
    this.counters = agent.counters;
    this.#heard = heard;
    this.#publish = publish;
  }

  /** The agent is running (its slots are skipped, `agent-down`, otherwise). */
  isActive(): boolean {
    return this.#agent.state === "running";
  }

  /** The running incarnation's runner first; then the bus, with a tick message, when anyone else listens on `cron.<agent>`. */
  deliver(trigger: ResolvedTrigger, scheduledAt: number, firedAt: number, key: string): void {
    const agent = this.#agent.name;
    this.runner?.deliver(agent, trigger, scheduledAt, firedAt, key);
    if (this.#heard(this.topic)) this.#publish(this.topic, { agent, trigger: trigger.name, scheduledAt, firedAt, key });
  }
}
