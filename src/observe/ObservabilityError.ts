import { OrchestratorError } from "../errors/OrchestratorError.js";

/**
 * Codes of {@link ObservabilityError}:
 * - `METRICS_CONFLICT`: a metric name is already registered in the target registry;
 * - `LISTEN_FAILED`: a built-in health or metrics listener could not bind its port.
 */
export type ObservabilityErrorCode = "METRICS_CONFLICT" | "LISTEN_FAILED";

/**
 * An error of the health and metrics module.
 *
 * @example
 * ```ts
 * try { createOrchestrator({ agents, metrics: { registry: hostRegistry } }); }
 * catch (error) {
 *   if (error instanceof ObservabilityError && error.code === "METRICS_CONFLICT") console.error(error.metric);
 * }
 * ```
 */
export class ObservabilityError extends OrchestratorError {
  override name = "ObservabilityError";
  declare readonly code: ObservabilityErrorCode;
  /** The conflicting metric name (`METRICS_CONFLICT`). */
  readonly metric: string | undefined;
  /** The port that could not be bound (`LISTEN_FAILED`). */
  readonly port: number | undefined;

  constructor(
    code: ObservabilityErrorCode,
    message: string,
    options: { metric?: string; port?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.metric = options.metric;
    this.port = options.port;
  }
}
