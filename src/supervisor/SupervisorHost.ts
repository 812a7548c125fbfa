import type { ThreadSpec } from "../thread/ThreadSpec.js";
import type { Agent, AgentClass } from "../agent/Agent.js";
import type { Bus } from "../bus/Bus.js";
import type { Clock } from "../clock.js";
import type { ResolvedConfig, ResolvedGroup } from "../config/ResolvedConfig.js";
import type { Logger } from "../logger.js";
import type { Escalation } from "./Escalation.js";
import type { OrchestratorEvents } from "./events.js";
import type { Incarnation } from "./Incarnation.js";
import type { LaunchGate } from "./tree/DependencyGate.js";
import type { PlacementGate } from "../lease/PlacementGate.js";

/** What an {@link AgentSupervisor} needs from its orchestrator. */
export interface SupervisorHost {
  /** The orchestrator's clock: back-off, deadlines and heartbeats run on it. */
  readonly clock: Clock;
  /** The orchestrator's bus; each incarnation gets its own view of it. */
  readonly bus: Bus;
  /** The orchestrator's `random` option (jitter, back-off strategies). */
  readonly random: () => number;
  /** The orchestrator's logger (the supervisor adds `{ agent }`). */
  readonly logger: Logger;
  /** `supervisor.*` of the configuration, in ms. */
  readonly settings: ResolvedConfig["supervisor"];
  /** True once shutdown (or a fail-stop) has begun: nothing restarts or escalates. */
  stopping(): boolean;
  /** True when `event` has a listener: without one the caller builds no payload. */
  listens(event: keyof OrchestratorEvents): boolean;
  /** Emit an orchestrator event. */
  emit<E extends keyof OrchestratorEvents>(event: E, payload: OrchestratorEvents[E]): void;
  /** Deliver an escalation (chief, bus, event, log). */
  escalate(event: Escalation): void;
  /**
   * A crash under a fail-stop policy; `group` names the critical group whose
   * failure at the top of the supervision tree stops the orchestrator (the
   * error's message names it too).
   */
  failStop(agent: string, error: unknown, group?: string): void;
  /** Call `elapsed` once the back-off `delay` (ms) has passed; back-offs ending together may share a timer (see `BackoffTimers`). Returns the handle for {@link SupervisorHost.clearBackoff}. */
  setBackoff(elapsed: () => void, delay: number): unknown;
  /** Cancel the back-off `handle` set for `elapsed`. */
  clearBackoff(handle: unknown, elapsed: () => void): void;
  /** Run a restart whose back-off has elapsed: now, or in a later turn when many fall due together (see `RestartPacer`). */
  paced(restart: () => void): void;
  /**
   * Holds launches back until the agent's dependencies run (`dependsOn`);
   * absent when no agent has dependencies: nothing is asked then. Read at
   * every launch and state change, so it may be set after the supervisors are made.
   */
  readonly gate?: LaunchGate | undefined;
  /**
   * The lease keeper of singleton agents (`placement: singleton`); absent
   * when there is none. A singleton launches only while this replica holds its lease.
   */
  readonly placement?: PlacementGate | undefined;
  /** Wire the triggers of a running incarnation (the `cron.<agent>` subscription). */
  attachTriggers(agent: string, incarnation: Incarnation, instance: Agent): void;
}

/** What the supervisor knows of one agent's registration. */
export interface SupervisedAgent {
  /** The registered name. */
  readonly name: string;
  /** The class each incarnation is built from. */
  readonly agentClass: AgentClass;
  /** The group whose policy judges its crashes. */
  readonly group: ResolvedGroup;
  /** Its `this.config`. */
  readonly config: unknown;
  /** ms without a `heartbeat()` that make it hung; undefined: not watched. */
  readonly heartbeatTimeout: number | undefined;
  /** `isolation: thread`: each incarnation runs in its own worker thread (undefined: in process). */
  readonly thread?: ThreadSpec | undefined;
  /** `placement: singleton`: it runs only while this replica holds its lease (`SupervisorHost.placement`). */
  readonly singleton?: true | undefined;
}
