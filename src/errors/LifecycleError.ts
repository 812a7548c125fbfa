import { OrchestratorError } from "./OrchestratorError.js";

/**
 * Codes of {@link LifecycleError}:
 * - `ALREADY_STARTED`: `start()` called twice;
 * - `SHUT_DOWN`: an operation after `shutdown()` (or `tick()` after a `testAgent` harness's `stop()`);
 * - `NOT_STARTED`: an operation that needs a started orchestrator;
 * - `FAIL_STOP`: a critical agent crashed and stopped the orchestrator;
 * - `UNKNOWN_AGENT`: an operator control named an agent that is not registered;
 * - `UNKNOWN_GROUP`: `orch.group(name)` named a group that is neither built in nor configured;
 * - `ABORTED`: the `signal` given to `start()` was aborted (the signal's reason is the `cause`);
 * - `AGENT_DOWN`: an operation that needs the agent running (a trigger's `runNow()`) found it in another state.
 */
export type LifecycleErrorCode = "ALREADY_STARTED" | "SHUT_DOWN" | "NOT_STARTED" | "FAIL_STOP" | "UNKNOWN_AGENT" | "UNKNOWN_GROUP" | "ABORTED" | "AGENT_DOWN";

/** A call that does not fit the orchestrator's current phase. */
export class LifecycleError extends OrchestratorError {
  override name = "LifecycleError";
  declare readonly code: LifecycleErrorCode;

  constructor(code: LifecycleErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}
