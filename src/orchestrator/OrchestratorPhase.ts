/**
 * Every phase of an orchestrator's life, in life order (also the values of the
 * `phase` metric label):
 * `idle` — created, `start()` not called; `starting` — `start()` runs;
 * `running` — started; `stopping` — `shutdown()` runs; `stopped` — shut down;
 * `failed` — a critical agent crashed (fail-stop), until `shutdown()` completes.
 */
export const ORCHESTRATOR_PHASES = Object.freeze(["idle", "starting", "running", "stopping", "stopped", "failed"] as const);

/** Where the orchestrator is in its life, as health and metrics see it: one of {@link ORCHESTRATOR_PHASES}. */
export type OrchestratorPhase = (typeof ORCHESTRATOR_PHASES)[number];
