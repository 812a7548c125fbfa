import { expected, type OptionFailure } from "../check.js";
import { ConfigError } from "./ConfigError.js";

/**
 * The error for a bad option passed in code outside the buses: a
 * {@link ConfigError} with the code `INVALID_OPTION`, whose `path` is the
 * option and `value` the refused value. The {@link OptionFailure} of every
 * such component's `OptionCheck`.
 *
 * @example
 * ```ts
 * const check = new OptionCheck("ManualClock", invalidOption);
 * const loopLimit = check.optionalPositiveInteger(options.loopLimit, "loopLimit");
 * ```
 */
export const invalidOption: OptionFailure = (message: string, option: string, value: unknown): ConfigError =>
  new ConfigError(message, { code: "INVALID_OPTION", path: option, value });

/**
 * {@link invalidOption} with the one phrasing of a bad value, for a check
 * written by hand: ``expected `<option>` to be <what>, got <value>``.
 *
 * @example
 * ```ts
 * throw optionError("metrics.defaultMetrics", "a boolean", value);
 * ```
 */
export function optionError(option: string, what: string, value: unknown): ConfigError {
  return invalidOption(expected(option, what, value), option, value) as ConfigError;
}
