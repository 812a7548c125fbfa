import type { ObservedSource, OrchestratorPhase } from "./ObservedSource.js";

/** Result of {@link evaluateLiveness}. */
export interface LivenessEvaluation {
  /** Whether the orchestrator's own loop is alive. */
  readonly live: boolean;
  /** The orchestrator's phase when evaluated. */
  readonly phase: OrchestratorPhase;
  /** Milliseconds since the loop last ticked, while it is expected to tick; else `undefined`. */
  readonly sinceLastTickMs: number | undefined;
  /** `clock.now()` at evaluation. */
  readonly time: number;
}

/**
 * Evaluate liveness, regardless of agents: the orchestrator's own loop is alive.
 * - `idle` is live (nothing runs yet, nothing is stuck);
 * - `starting`, `running` and `failed` are live while the loop ticked within
 *   `missedTicks` intervals (the loop runs from `start()` on, and keeps
 *   running after a fail-stop until `shutdown()`);
 * - `stopping` is live (the loop stops with the triggers; shutdown is bounded
 *   by its own timeout);
 * - `stopped` is not live.
 *
 * @param missedTicks - how many loop intervals may pass without a tick
 */
export function evaluateLiveness(source: ObservedSource, missedTicks: number): LivenessEvaluation {
  const phase = source.phase();
  const time = source.clock.now();
  switch (phase) {
    case "idle":
    case "stopping":
      return { live: true, phase, sinceLastTickMs: undefined, time };
    case "stopped":
      return { live: false, phase, sinceLastTickMs: undefined, time };
    case "starting":
    case "running":
    case "failed": {
      const { lastTickAt, intervalMs } = source.loop();
      const sinceLastTickMs = Math.max(0, time - lastTickAt);
      return { live: sinceLastTickMs <= intervalMs * missedTicks, phase, sinceLastTickMs, time };
    }
  }
}
