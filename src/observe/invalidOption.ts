import { expected } from "../check.js";
import { ConfigError } from "../errors/ConfigError.js";

/**
 * The error for a bad option of the health and metrics module (the
 * orchestrator's `metrics` options, `livenessMissedTicks`, `listen()`'s): a
 * {@link ConfigError} with the code `INVALID_OPTION`, whose `path` is the
 * option, like every bad option passed in code outside the buses.
 *
 * @example
 * ```ts
 * throw invalidOption("metrics.defaultMetrics", "a boolean", value);
 * // ConfigError INVALID_OPTION: metrics.defaultMetrics: expected `metrics.defaultMetrics` to be a boolean, got "yes"
 * ```
 */
export function invalidOption(option: string, what: string, value: unknown): ConfigError {
  return new ConfigError(expected(option, what, value), { code: "INVALID_OPTION", path: option, value });
}
