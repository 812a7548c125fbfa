import { describeValue } from "../check.js";
import type { ConfigChecker } from "./ConfigChecker.js";

/** What an agent (or group) name must match: decision 14. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/**
 * The longest agent or group name, in characters (decision 29): names become
 * topics (`cron.<agent>`) and queue group names on a networked bus, whose
 * subjects are limited.
 */
export const MAX_NAME_LENGTH = 128;

/** Names that match {@link AGENT_NAME_PATTERN} but are refused: they would reach object prototypes. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** What an agent or group name must be, for error messages. */
export const NAME_EXPECTATION = `expected 1 to ${MAX_NAME_LENGTH} letters, digits, "_" or "-" (pattern [A-Za-z0-9_-]+), and not __proto__, constructor or prototype`;

/**
 * True when `name` is a valid agent or group name: 1 to 128 letters, digits,
 * `_` and `-`, and not `__proto__`, `constructor` or `prototype`.
 *
 * @example
 * ```ts
 * isValidAgentName("data_market"); // true
 * isValidAgentName("market.data"); // false
 * ```
 */
export function isValidAgentName(name: unknown): name is string {
  return typeof name === "string" && name.length <= MAX_NAME_LENGTH && AGENT_NAME_PATTERN.test(name) && !RESERVED_NAMES.has(name);
}

/** Throw through `checker` unless `name` is a valid agent or group name; `at` says whether the name is a key or a value. */
export function checkName(checker: ConfigChecker, name: string, path: string, what: "agent" | "group", at: "key" | "value" = "key"): void {
  if (!isValidAgentName(name)) checker.fail(path, `invalid ${what} name ${describeValue(name)}: ${NAME_EXPECTATION}`, { value: name, at });
}
