import type { Agent } from "../agent/Agent.js";
import type { Bus } from "../bus/Bus.js";
import type { ResolvedConfig } from "../config/ResolvedConfig.js";
import type { AgentSupervisor } from "../supervisor/AgentSupervisor.js";
import { BackoffTimers } from "../supervisor/BackoffTimers.js";
import type { Incarnation } from "../supervisor/Incarnation.js";
import { RESTARTS_PER_SLICE, RestartPacer, sliceBudgetFor } from "../supervisor/RestartPacer.js";
import type { SupervisorHost } from "../supervisor/SupervisorHost.js";
import type { PlacementGate } from "../lease/PlacementGate.js";
import { deliverEscalation } from "./EscalationDelivery.js";
import type { EventHub } from "./EventHub.js";
import type { Lifecycle } from "./Lifecycle.js";
import type { ResolvedOptions } from "./resolveOptions.js";

/** What the supervisors' host is built from. */
export interface OrchestratorHostParts {
  readonly options: Pick<ResolvedOptions, "clock" | "random" | "logger">;
  readonly bus: Bus;
  /** `supervisor.*` of the configuration. */
  readonly settings: ResolvedConfig["supervisor"];
  readonly lifecycle: Lifecycle;
  readonly events: EventHub;
  /** The chief's supervisor, if there is a chief. */
  chief(): AgentSupervisor | undefined;
  /** A crash under a fail-stop policy. */
  failStop(agent: string, error: unknown, group?: string): void;
  /** Wire the triggers of a running incarnation. */
  attachTriggers(agent: string, incarnation: Incarnation, instance: Agent): void;
  /** The lease keeper of singleton agents, when there are any. */
  readonly placement: PlacementGate | undefined;
  /** This replica's name, for escalations, once a lease store is open. */
  replica(): string | undefined;
}

/**
 * The {@link SupervisorHost} every agent's supervisor shares, with the timers
 * behind it: back-offs ending together share one clock timer
 * ({@link BackoffTimers}), and restarts falling due together are spread over
 * event-loop turns ({@link RestartPacer}). The shutdown sequence stops both.
 */
export class OrchestratorHost {
  readonly host: SupervisorHost;
  readonly #backoffs: BackoffTimers;
  readonly #pacer: RestartPacer;

  constructor(parts: OrchestratorHostParts) {
    const { clock, random, logger } = parts.options;
    const { bus, lifecycle, events } = parts;
    this.#backoffs = new BackoffTimers(clock);
    // on the system clock a slice is also bounded in real time; an injected clock (tests) keeps slices by count alone
    this.#pacer = new RestartPacer(clock, RESTARTS_PER_SLICE, sliceBudgetFor(clock));
    const escalation = { bus, logger, events, chief: () => parts.chief() };
    this.host = {
      clock,
      bus,
      random,
      logger,
      settings: parts.settings,
      stopping: () => lifecycle.stopping,
      listens: (event) => events.listens(event),
      emit: (event, payload) => events.emit(event, payload),
      escalate: (event) => {
        const replica = parts.replica();
        deliverEscalation(escalation, replica === undefined ? event : { ...event, replica });
      },
      failStop: (agent, error, group) => parts.failStop(agent, error, group),
      setBackoff: (elapsed, delay) => this.#backoffs.set(elapsed, delay),
      clearBackoff: (handle, elapsed) => this.#backoffs.clear(handle, elapsed),
      paced: (restart) => this.#pacer.run(restart),
      // set later (OrchestratorGroups) when some agent has dependencies; declared here so the shared host keeps its shape
      gate: undefined,
      placement: parts.placement,
      attachTriggers: (agent, incarnation, instance) => parts.attachTriggers(agent, incarnation, instance),
    };
  }

  /** Stop the pacer and every back-off timer: nothing restarts after this. */
  stopTimers(): void {
    this.#pacer.stop();
    this.#backoffs.stop();
  }
}
