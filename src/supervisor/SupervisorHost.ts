import type { Agent, AgentClass } from "../agent/Agent.js";
import type { Bus } from "../bus/Bus.js";
import type { Clock } from "../clock.js";
import type { ResolvedConfig, ResolvedGroup } from "../config/ResolvedConfig.js";
import type { Logger } from "../logger.js";
import type { Escalation } from "./Escalation.js";
import type { OrchestratorEvents } from "./events.js";
import type { Incarnation } from "./Incarnation.js";

/** What an {@link AgentSupervisor} needs from its orchestrator. */
export interface SupervisorHost {
  readonly clock: Clock;
  readonly bus: Bus;
  readonly random: () => number;
  readonly logger: Logger;
  readonly settings: ResolvedConfig["supervisor"];
  /** True once shutdown (or a fail-stop) has begun: nothing restarts or escalates. */
  stopping(): boolean;
  emit<E extends keyof OrchestratorEvents>(event: E, payload: OrchestratorEvents[E]): void;
  escalate(event: Escalation): void;
  /** A crash under a fail-stop policy. */
  failStop(agent: string, error: unknown): void;
  /** Wire the triggers of a running incarnation (the `cron.<agent>` subscription). */
  attachTriggers(agent: string, incarnation: Incarnation, instance: Agent): void;
}

/** What the supervisor knows of one agent's registration. */
export interface SupervisedAgent {
  readonly name: string;
  readonly agentClass: AgentClass;
  readonly group: ResolvedGroup;
  readonly config: unknown;
  readonly heartbeatTimeout: number | undefined;
}
