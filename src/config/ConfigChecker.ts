import { toMilliseconds } from "../duration.js";
import { createConfigError, type ConfigIssue, type ConfigSource } from "./ConfigSource.js";
import { describeValue } from "../check.js";
import { didYouMean } from "./didYouMean.js";
import { childPath } from "./keyPath.js";

/** What a duration looks like, for error messages. */
export const DURATION_EXPECTATION = 'a positive duration such as "500ms", "30s", "5m", "1h" or a number of milliseconds';

/** What a duration that may be zero looks like, for error messages. */
export const DURATION_OR_ZERO_EXPECTATION = 'a duration such as "0s", "500ms", "30s", "5m" or a number of milliseconds (0 or more)';

/** True for `{}`-style objects (prototype `Object.prototype` or `null`), not arrays, dates or class instances. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Reads configuration values key path by key path and throws a positioned
 * {@link ConfigError} at the first one that does not fit. One checker serves
 * one validation run; it holds the file positions when the config came from
 * `loadConfig`.
 */
export class ConfigChecker {
  constructor(readonly source: ConfigSource | undefined) {}

  /** Throw a {@link ConfigError} for `path`. */
  fail(path: string, message: string, issue: ConfigIssue = {}): never {
    throw createConfigError(this.source, path, message, issue);
  }

  /** Throw for a value of the wrong kind: `expected <expected>, got <value>`. */
  expected(path: string, expected: string, value: unknown): never {
    this.fail(path, `expected ${expected}, got ${describeValue(value)}`, { value });
  }

  /**
   * A mapping at `path` whose keys are all in `allowed`, or `undefined` when
   * absent (`undefined`, or `null` when `nullIsEmpty`).
   */
  mapping(value: unknown, path: string, allowed?: readonly string[], options: { nullIsEmpty?: boolean } = {}): Record<string, unknown> | undefined {
    if (value === undefined || (value === null && options.nullIsEmpty === true)) return undefined;
    if (!isPlainObject(value)) this.expected(path, "a mapping (key: value pairs)", value);
    if (allowed !== undefined) this.onlyKeys(value, path, allowed);
    return value;
  }

  /** Throw for the first own key of `object` not in `allowed`, suggesting the closest allowed key. */
  onlyKeys(object: Record<string, unknown>, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(object)) {
      if (allowed.includes(key)) continue;
      this.fail(childPath(path, key), `unknown key ${JSON.stringify(key)}${didYouMean(key, allowed)}; expected one of: ${allowed.join(", ")}`, {
        value: key,
        at: "key",
      });
    }
  }

  /** A non-empty string, or `undefined` when absent. */
  string(value: unknown, path: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value.trim() === "") this.expected(path, "a non-empty string", value);
    return value;
  }

  /** `true` or `false`, or `undefined` when absent. */
  boolean(value: unknown, path: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "boolean") this.expected(path, "true or false", value);
    return value;
  }

  /** An integer in `[min, max]`, or `undefined` when absent. */
  integer(value: unknown, path: string, range: { min: number; max?: number; expected: string }): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < range.min || (range.max !== undefined && value > range.max)) {
      this.expected(path, range.expected, value);
    }
    return value;
  }

  /** A finite number in `[min, max]`, or `undefined` when absent. */
  number(value: unknown, path: string, range: { min: number; max?: number; expected: string }): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value) || value < range.min || (range.max !== undefined && value > range.max)) {
      this.expected(path, range.expected, value);
    }
    return value;
  }

  /** A positive duration in whole milliseconds, or `undefined` when absent. */
  duration(value: unknown, path: string, zero = false): number | undefined {
    if (value === undefined) return undefined;
    const ms = toMilliseconds(value);
    if (ms === undefined || Math.round(ms) < (zero ? 0 : 1)) this.expected(path, zero ? DURATION_OR_ZERO_EXPECTATION : DURATION_EXPECTATION, value);
    return Math.round(ms);
  }

  /** One of `choices` (strings), or `undefined` when absent; suggests the closest choice. */
  choice<T extends string>(value: unknown, path: string, choices: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
    const hint = typeof value === "string" ? didYouMean(value, choices) : "";
    this.fail(path, `expected one of ${choices.map((c) => JSON.stringify(c)).join(", ")}, got ${describeValue(value)}${hint}`, { value });
  }
}
