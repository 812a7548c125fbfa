import { MAX_NAME_LENGTH, RESERVED_NAMES } from "./agentName.js";

/**
 * A JSON Schema node (draft-07, the version the YAML language server and
 * JetBrains IDEs read), as plain JSON data.
 */
export interface JsonSchema {
  readonly [keyword: string]: unknown;
}

/** The JSON Schema dialect of the generated schema: draft-07. */
export const JSON_SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#";

/**
 * A non-empty duration text as the checker reads it (`"500ms"`, `"1.5s"`, `"5m"`,
 * `"1h"`, `"1d"`), with a non-zero digit: `"0s"` is refused. Amounts that round
 * to less than 1 ms (`"0.1ms"`) are left to the checker.
 */
export const DURATION_PATTERN = String.raw`^\s*(?=[\d.]*[1-9])\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)\s*$`;

/** {@link DURATION_PATTERN} with zero allowed (`"0s"`). */
export const DURATION_OR_ZERO_PATTERN = String.raw`^\s*\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)\s*$`;

/** A positive duration (a number of milliseconds that rounds to at least 1, or a duration text), or with `zero` one that may be 0. */
export function durationSchema(zero = false): JsonSchema {
  return {
    anyOf: [
      { type: "number", minimum: zero ? 0 : 0.5 },
      { type: "string", pattern: zero ? DURATION_OR_ZERO_PATTERN : DURATION_PATTERN },
    ],
  };
}

/** A non-empty string (not only white space), as `ConfigChecker.string` accepts. */
export function nonEmptyStringSchema(): JsonSchema {
  return { type: "string", minLength: 1, pattern: String.raw`\S` };
}

/** What an agent or group name must be (decision 14): the keys of `agents:`, `groups:` and `schedule:`. */
export function nameSchema(): JsonSchema {
  return { type: "string", pattern: "^[A-Za-z0-9_-]+$", maxLength: MAX_NAME_LENGTH, not: { enum: [...RESERVED_NAMES] } };
}
