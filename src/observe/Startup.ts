import type { ObservedSource, OrchestratorPhase } from "./ObservedSource.js";

/** Result of {@link evaluateStartup}. */
export interface StartupEvaluation {
  /** Whether `start()` has resolved (at any time: it stays true once shutdown has begun). */
  readonly started: boolean;
  /** The orchestrator's phase when evaluated. */
  readonly phase: OrchestratorPhase;
  /** `clock.now()` at evaluation. */
  readonly time: number;
}

/**
 * Evaluate the startup probe (`/startupz`): passes once `start()` has resolved,
 * and keeps passing afterwards, through a fail-stop and a shutdown. A startup
 * probe answers one question, "has the process finished starting?", and
 * Kubernetes stops asking it after its first success; readiness (`/readyz`)
 * and liveness (`/livez`) report what happens later. A shutdown that begins
 * before `start()` resolved leaves it failing.
 */
export function evaluateStartup(source: ObservedSource): StartupEvaluation {
  const phase = source.phase();
  const started = source.started?.() ?? phase === "running";
  return { started, phase, time: source.clock.now() };
}
