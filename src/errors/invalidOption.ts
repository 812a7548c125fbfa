import type { OptionFailure } from "../check.js";
import { ConfigError } from "./ConfigError.js";

/**
 * The error for a bad option passed in code outside the buses: a
 * {@link ConfigError} with the code `INVALID_OPTION`, carrying the refused
 * value. The {@link OptionFailure} of every such component's `OptionCheck`.
 *
 * @example
 * ```ts
 * const check = new OptionCheck("ManualClock", invalidOption);
 * const loopLimit = check.optionalPositiveInteger(options.loopLimit, "loopLimit");
 * ```
 */
export const invalidOption: OptionFailure = (message: string, _option: string, value: unknown): ConfigError =>
  new ConfigError(message, { code: "INVALID_OPTION", value });
