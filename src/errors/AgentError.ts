import { OrchestratorError } from "./OrchestratorError.js";

/**
 * Codes of {@link AgentError}:
 * - `AGENT_HUNG`: no heartbeat in time, a `start()` past `startTimeout`, or an `onCron` past its trigger `timeout`
 *   (the error of a `hung` crash);
 * - `AGENT_STOP_TIMEOUT`: a `stop()` past `stopTimeout`, never a crash: the `err` of the supervisor's warning
 *   (with the `agent:stop-timeout` event), an entry of `testAgent()`'s `crashes`;
 * - `AGENT_HEAP_LIMIT`: a thread agent's thread ran out of heap (`resourceLimits.maxHeapMb`): the error of its crash;
 * - `AGENT_THREAD_EXIT`: a thread agent's thread exited or failed outside any handler (an uncaught
 *   exception is that exception itself): the error of its crash;
 * - `AGENT_FAILED`: the reason of an incarnation's `signal` when it is stopped (an orchestrator shutdown,
 *   an operator's `disable()` or `restart()`, `testAgent()`'s `stop()`).
 */
export type AgentErrorCode = "AGENT_HUNG" | "AGENT_STOP_TIMEOUT" | "AGENT_HEAP_LIMIT" | "AGENT_THREAD_EXIT" | "AGENT_FAILED";

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
