import { keysOf } from "./keysOf.js";

/**
 * Where the orchestrator is in its life, as health and metrics see it:
 * `idle` — created, `start()` not called; `starting` — `start()` runs;
 * `running` — started; `stopping` — `shutdown()` runs; `stopped` — shut down;
 * `failed` — a critical agent crashed (fail-stop), until `shutdown()` completes.
 */
export type OrchestratorPhase = "idle" | "starting" | "running" | "stopping" | "stopped" | "failed";

/**
 * Every {@link OrchestratorPhase}, in life order (the values of the `phase`
 * metric label). Checked against the type: a phase added there and not here
 * does not compile.
 */
export const ORCHESTRATOR_PHASES: readonly OrchestratorPhase[] = keysOf<Record<OrchestratorPhase, true>>({
  idle: true,
  starting: true,
  running: true,
  stopping: true,
  stopped: true,
  failed: true,
});
