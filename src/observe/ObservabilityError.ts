import { OrchestratorError } from "../errors/OrchestratorError.js";

/**
 * Codes of {@link ObservabilityError}:
 * - `METRICS_CONFLICT`: a metric name is already registered in the target registry;
 * - `LISTEN_FAILED`: a built-in health or metrics listener could not bind its port.
 */
export type ObservabilityErrorCode = "METRICS_CONFLICT" | "LISTEN_FAILED";

/**
 * An error of the health and metrics module. Only the fields that apply to its
 * code are set (and shown when the error is printed).
 *
 * @example
 * ```ts
 * try { createOrchestrator({ agents, metrics: { registry: hostRegistry } }); }
 * catch (error) {
 *   if (error instanceof ObservabilityError && error.code === "METRICS_CONFLICT") console.error(error.metric);
 * }
 * try { await orch.listen({ healthPort: 8000 }); }
 * catch (error) {
 *   if (error instanceof ObservabilityError && error.code === "LISTEN_FAILED") console.error(`${error.option} ${error.port} is taken`);
 * }
 * ```
 */
export class ObservabilityError extends OrchestratorError {
  override name = "ObservabilityError";
  declare readonly code: ObservabilityErrorCode;
  /** The conflicting metric name (`METRICS_CONFLICT` only). */
  declare readonly metric: string | undefined;
  /** The port that could not be bound (`LISTEN_FAILED` only). */
  declare readonly port: number | undefined;
  /**
   * The option that named that port (`LISTEN_FAILED` only): `healthPort` or `metricsPort`, given to
   * `listen()` or set under `http:` in the orchestrator's config. `healthPort` when one listener
   * serves both paths.
   */
  declare readonly option: "healthPort" | "metricsPort" | undefined;

  constructor(
    code: ObservabilityErrorCode,
    message: string,
    options: { metric?: string; port?: number; option?: "healthPort" | "metricsPort"; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    // own properties only where they apply: a printed LISTEN_FAILED shows no `metric: undefined`
    if (options.metric !== undefined) (this as { metric: string }).metric = options.metric;
    if (options.port !== undefined) (this as { port: number }).port = options.port;
    if (options.option !== undefined) (this as { option: "healthPort" | "metricsPort" }).option = options.option;
  }
}
