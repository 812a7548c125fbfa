import type { InProcessBus } from "../bus/InProcessBus.js";
import type { CronRunner } from "../schedule/CronRunner.js";
import type { ResolvedTrigger, TickMessage } from "../schedule/ScheduleSpec.js";
import type { TriggerTarget } from "../schedule/TriggerTarget.js";
import type { AgentState } from "../supervisor/AgentStatus.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import type { TriggerLedger } from "../state/TriggerLedger.js";

/** What a {@link TriggerPort} reads of its agent's supervisor. */
export interface PortedAgent {
  readonly name: string;
  readonly state: AgentState;
  readonly counters: AgentCounters;
}

/** Who listens on a port's topic: the bus, and how many of its subscriptions there are the wiring's own. */
export interface PortAudience {
  readonly bus: InProcessBus;
  own(): number;
}

/** Where an agent's running incarnation can be reached for a tick handed over in this process (catch-up, backfill). */
export interface RunnerSlot {
  /** The runner of the running incarnation, while it lives. */
  runner: CronRunner | undefined;
}

/**
 * One agent as direct delivery reaches it (an in-process bus, no
 * coordinator): made once per agent and kept by the scheduler on each of the
 * agent's triggers, so a slot costs no lookup by name. `runner` is the
 * {@link CronRunner} of the running incarnation: set when the incarnation's
 * triggers are wired, cleared when it ends, so a tick never reaches an
 * incarnation that has ended.
 */
export class TriggerPort implements TriggerTarget, RunnerSlot {
  /** `cron.<agent>`. */
  readonly topic: string;
  readonly counters: AgentCounters;
  /** The runner of the running incarnation, while it lives. */
  runner: CronRunner | undefined = undefined;
  readonly #agent: PortedAgent;
  readonly #audience: PortAudience;
  /** Whether someone else listens on `topic`, as of the bus's subscription version `#heardAt`. */
  #heard = false;
  #heardAt = -1;
  readonly #publish: (topic: string, tick: TickMessage) => void;
  readonly #ledger: TriggerLedger | undefined;

  /**
   * @param agent - the agent's supervisor
   * @param topic - `cron.<agent>`
   * @param audience - the bus and the wiring's own subscriptions, to tell whether anyone else would see a tick on `topic`
   * @param publish - publishes a tick on a topic (errors handled by it)
   * @param ledger - the trigger store's ledger, when there is a store: a slot runs once its start is recorded
   */
  constructor(agent: PortedAgent, topic: string, audience: PortAudience, publish: (topic: string, tick: TickMessage) => void, ledger: TriggerLedger | undefined) {
    this.#agent = agent;
    this.topic = topic;
    this.counters = agent.counters;
    this.#audience = audience;
    this.#publish = publish;
    this.#ledger = ledger;
  }

  /**
   * Whether a subscription other than the wiring's own would see a tick on
   * `cron.<agent>`: asked of the bus's subscriptions once per change of them
   * (no route cached per agent, no lookup per tick).
   */
  heard(): boolean {
    const audience = this.#audience;
    const version = audience.bus.subscriptionVersion;
    if (version !== this.#heardAt) {
      this.#heard = audience.bus.matchingSubscriptions(this.topic) > audience.own();
      this.#heardAt = version;
    }
    return this.#heard;
  }

  /** The agent is running (its slots are skipped, `agent-down`, otherwise). */
  isActive(): boolean {
    return this.#agent.state === "running";
  }

  /**
   * The running incarnation's runner first; then the bus, with a tick message,
   * when anyone else listens on `cron.<agent>`. With a trigger store, once the
   * store has accepted the slot's start (at once for a memory store); a slot
   * it refuses (begun already) does not run.
   */
  deliver(trigger: ResolvedTrigger, scheduledAt: number, firedAt: number, key: string): void {
    const ledger = this.#ledger;
    if (ledger === undefined) return this.#hand(trigger, scheduledAt, firedAt, key);
    const begun = ledger.beginLive(this.#agent.name, trigger.name, trigger, scheduledAt, firedAt);
    if (begun === true) this.#hand(trigger, scheduledAt, firedAt, key);
    else if (begun !== false) void begun.then((accepted) => accepted && this.#hand(trigger, scheduledAt, firedAt, key));
  }

  /** Hand a slot to the running incarnation (with a store: once its start is recorded, and counted fired here). */
  #hand(trigger: ResolvedTrigger, scheduledAt: number, firedAt: number, key: string): void {
    const agent = this.#agent.name;
    const runner = this.runner;
    const ledger = this.#ledger;
    if (runner !== undefined) {
      if (ledger !== undefined) this.counters.triggersFired++;
      runner.deliver(agent, trigger, scheduledAt, firedAt, key);
    } else if (ledger !== undefined) {
      // the agent went down while the start was being recorded
      this.counters.triggersSkipped["agent-down"]++;
      ledger.end({ agent, trigger: trigger.name, scheduledAt, firedAt, key }, "skipped", firedAt);
    }
    if (this.heard()) this.#publish(this.topic, { agent, trigger: trigger.name, scheduledAt, firedAt, key });
  }
}
