import { OrchestratorError } from "./OrchestratorError.js";

/**
 * Codes of {@link AgentError}:
 * - `AGENT_HUNG`: no heartbeat in time, a `start()` past `startTimeout`, or an `onCron` past its trigger `timeout`;
 * - `AGENT_STOP_TIMEOUT`: a `stop()` past `stopTimeout`;
 * - `AGENT_FAILED`: the agent called `fail()` with a value that is not an `Error`.
 */
export type AgentErrorCode = "AGENT_HUNG" | "AGENT_STOP_TIMEOUT" | "AGENT_FAILED";

/** An error the supervisor records against an agent. */
export class AgentError extends OrchestratorError {
  override name = "AgentError";
  declare readonly code: AgentErrorCode;
  /** The agent concerned. */
  readonly agent: string;

  constructor(code: AgentErrorCode, agent: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.agent = agent;
  }
}
