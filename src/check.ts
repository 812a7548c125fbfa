/**
 * The one vocabulary for checking options and describing bad values. Every
 * component (orchestrator, buses, scheduler, testing kit) checks the options it
 * is given with these helpers, so a bad value reads the same everywhere:
 * ``<where>: expected `<option>` to be <what>, got <value>``, and carries the
 * stable code `INVALID_OPTION` (in the component's own error class).
 */
import type { Clock } from "./clock.js";
import { didYouMean } from "./config/didYouMean.js";
import { toMilliseconds } from "./duration.js";

const MAX_LENGTH = 80;

/** A short, readable rendering of any value for an error message (never throws). */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return truncate(JSON.stringify(value));
    case "number":
    case "boolean":
    case "undefined":
      return String(value);
    case "bigint":
      return `${value}n`;
    case "symbol":
      return value.toString();
    case "function":
      return "a function";
    default:
      break;
  }
  if (value === null) return "null";
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid Date" : `Date(${value.toISOString()})`;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return truncate(json);
  } catch {
    // circular or not serialisable (a getter that throws, a bigint inside): a generic description
  }
  return Array.isArray(value) ? "an array" : "an object";
}

function truncate(text: string): string {
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}

/** ``expected `<option>` to be <what>, got <value>`` — the one phrasing of a bad value. */
export function expected(option: string, what: string, value: unknown): string {
  return `expected \`${option}\` to be ${what}, got ${describeValue(value)}`;
}

/**
 * Builds the error a component throws for a bad option: its own error class
 * with the code `INVALID_OPTION`. `option` is the option's path (`clock`,
 * `headers.x`), `value` the value refused.
 */
export type OptionFailure = (message: string, option: string, value: unknown) => Error;

/**
 * The checks of one component's options: each names the option and the value,
 * says what was expected and throws through the component's {@link OptionFailure}.
 */
export class OptionCheck {
  readonly #where: string;
  readonly #fail: OptionFailure;

  /**
   * @param where - who was given the options, e.g. `createBus` or `subscribe("a.b")`; prefixes every message
   * @param fail - builds the component's error
   */
  constructor(where: string, fail: OptionFailure) {
    this.#where = where;
    this.#fail = fail;
  }

  /** The error for `option`, whose `value` is not `what`. */
  error(option: string, what: string, value: unknown): Error {
    return this.#fail(`${this.#where}: ${expected(option, what, value)}`, option, value);
  }

  /** Throw unless `options` is a plain object (or undefined); returns it (`{}` for undefined). */
  object<T extends object>(options: T | undefined, name = "options"): T {
    if (options === undefined) return {} as T;
    if (typeof options !== "object" || options === null || Array.isArray(options)) {
      throw this.#fail(`${this.#where}: expected ${name} to be an object, got ${describeValue(options)}`, name, options);
    }
    return options;
  }

  /** Throw on a key of `options` that is not in `known`, suggesting the nearest known key. */
  knownKeys(options: object, known: readonly string[], prefix = ""): void {
    for (const key of Object.keys(options)) {
      if (known.includes(key)) continue;
      throw this.#fail(`${this.#where}: unknown option \`${prefix}${key}\`${didYouMean(key, known)}; expected one of ${known.join(", ")}`, `${prefix}${key}`, key);
    }
  }

  /** Throw unless `value` is a function or undefined. */
  optionalFunction<T>(value: T | undefined, option: string): T | undefined {
    if (value !== undefined && typeof value !== "function") throw this.error(option, "a function", value);
    return value;
  }

  /** Throw unless `value` is a boolean or undefined. */
  optionalBoolean(value: unknown, option: string): boolean | undefined {
    if (value !== undefined && typeof value !== "boolean") throw this.error(option, "a boolean", value);
    return value;
  }

  /** Throw unless `value` is a positive finite number (of milliseconds, say) or undefined. */
  optionalPositive(value: unknown, option: string, unit = "number"): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw this.error(option, `a positive finite ${unit}`, value);
    return value;
  }

  /** Throw unless `value` is a positive safe integer or undefined. */
  optionalPositiveInteger(value: unknown, option: string): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) throw this.error(option, "a positive integer", value);
    return value;
  }

  /**
   * Throw unless `value` is a duration (`"30s"`, `"500ms"` or a number of ms)
   * of at least `atLeast` ms, or undefined; returns it in ms. `what` says what
   * was expected, e.g. `a positive duration such as "5s" or 5000`.
   * @param atLeast - the smallest accepted duration; the default accepts any positive one
   */
  optionalDuration(value: unknown, option: string, what: string, atLeast = Number.MIN_VALUE): number | undefined {
    if (value === undefined) return undefined;
    const ms = toMilliseconds(value);
    if (ms === undefined || !(ms >= atLeast)) throw this.error(option, what, value);
    return ms;
  }

  /** Throw unless `value` is one of `choices` or undefined. */
  optionalOneOf<T extends string>(value: unknown, option: string, choices: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    if (!choices.includes(value as T)) throw this.error(option, `one of ${choices.map((c) => `'${c}'`).join(", ")}`, value);
    return value as T;
  }

  /** Throw unless `value` has a function under each of `methods` (or is undefined); `what` names the shape. */
  optionalShape<T>(value: unknown, option: string, methods: readonly string[], what: string): T | undefined {
    if (value === undefined) return undefined;
    if (!hasMethods(value, methods)) throw this.error(option, what, value);
    return value as T;
  }

  /** Throw unless `value` is a {@link Clock} or undefined. */
  optionalClock(value: unknown, option = "clock"): Clock | undefined {
    return this.optionalShape<Clock>(value, option, CLOCK_METHODS, "a Clock (an object with now(), setTimeout(fn, ms) and clearTimeout(handle))");
  }
}

const CLOCK_METHODS = ["now", "setTimeout", "clearTimeout"] as const;

/** True when `value` is an object with a function under each of `methods`. */
export function hasMethods(value: unknown, methods: readonly string[]): boolean {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return methods.every((method) => typeof record[method] === "function");
}

/** True when `value` is a promise or any other thenable. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** True for an `AbortSignal`, from this realm or another (checked by its shape, not `instanceof`). */
export function isAbortSignal(value: unknown): value is AbortSignal {
  if (typeof value !== "object" || value === null) return false;
  const shape = value as Partial<Record<keyof AbortSignal, unknown>>;
  return typeof shape.aborted === "boolean" && typeof shape.addEventListener === "function" && typeof shape.removeEventListener === "function";
}
