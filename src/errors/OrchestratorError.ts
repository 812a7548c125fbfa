/**
 * Base class of every error this library throws. Each error carries a stable
 * machine-readable `code`; messages are for people and may change.
 *
 * @example
 * ```ts
 * try { await orch.start(); }
 * catch (error) { if (isOrchestratorError(error)) console.error(error.code); }
 * ```
 */
export class OrchestratorError extends Error {
  override name = "OrchestratorError";
  /** Stable identifier of the kind of error, e.g. `CONFIG_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

const BRAND = Symbol.for("@acme/agent-orchestrator.error");
Object.defineProperty(OrchestratorError.prototype, BRAND, { value: true });

/**
 * True for every error raised by this library, also when it comes from another
 * copy of the package (an ESM and a CJS copy loaded side by side).
 */
export function isOrchestratorError(value: unknown): value is OrchestratorError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
