import type { AgentContext } from "../agent/AgentContext.js";
import type { AgentBusView } from "../agent/AgentBusView.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { LeasedAgentBus } from "../lease/LeasedAgentBus.js";
import type { LeaseView } from "../lease/LeaseStore.js";
import type { Incarnation } from "./Incarnation.js";
import type { SupervisedAgent } from "./SupervisorHost.js";

/**
 * The {@link AgentContext} of one incarnation: a view of it and of the agent's
 * registration, so that an agent costs no closures of its own. The signal is
 * read through, so an agent that never reads it never makes one.
 */
export class IncarnationContext implements AgentContext {
  readonly #incarnation: Incarnation;
  readonly #agent: SupervisedAgent;
  readonly log: Logger;
  readonly random: () => number;

  constructor(incarnation: Incarnation, agent: SupervisedAgent, log: Logger, random: () => number) {
    this.#incarnation = incarnation;
    this.#agent = agent;
    this.log = log;
    this.random = random;
  }

  get name(): string {
    return this.#agent.name;
  }

  get bus(): AgentBusView {
    return this.#incarnation.bus;
  }

  get signal(): AbortSignal {
    return this.#incarnation.signal;
  }

  get config(): unknown {
    return this.#agent.config;
  }

  get clock(): Clock {
    return this.#incarnation.clock;
  }

  get lease(): LeaseView | undefined {
    const bus = this.#incarnation.bus;
    return bus instanceof LeasedAgentBus ? bus.lease : undefined;
  }

  heartbeat(): void {
    this.#incarnation.beat();
  }

  fail(error: unknown): void {
    this.#incarnation.crash("fail", error);
  }
}
