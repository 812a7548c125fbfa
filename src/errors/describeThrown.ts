import { types } from "node:util";
import { describeValue } from "../check.js";

/** The longest description {@link describeThrown} returns; longer text is cut with `…`. */
const MAX_LENGTH = 2_000;

/**
 * Describe anything that was thrown (or passed to `fail()`, or rejected with) as one line of text.
 *
 * Total: it never throws, whatever it is given. Throwing getters, `toString`, `toJSON` and
 * `Symbol.toPrimitive`, Proxies whose traps throw (revoked ones included) and errors from another
 * realm all give a description; where the value cannot be read at all the description says so
 * (`an unreadable object (its toString threw)`).
 *
 * @example
 * ```ts
 * describeThrown(new Error("boom"));   // "boom"
 * describeThrown("down");              // "down"
 * describeThrown({ code: 7 });         // '{"code":7}'
 * describeThrown(Proxy.revocable({}, {}).proxy); // "an unreadable Proxy"
 * ```
 */
export function describeThrown(value: unknown): string {
  try {
    return cut(describe(value));
  } catch {
    return "an unreadable value";
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return value;
  // primitives (and null) read the way every error message shows a value
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return describeValue(value);
  // a Proxy is never read: its traps may throw, loop or have side effects
  if (types.isProxy(value)) return typeof value === "function" ? "an unreadable Proxy (function)" : "an unreadable Proxy";
  if (types.isNativeError(value) || looksLikeError(value)) {
    const message = attempt(() => readString((value as { message?: unknown }).message));
    if (message !== undefined && message !== "") return message;
    const name = attempt(() => readString((value as { name?: unknown }).name));
    return name !== undefined && name !== "" ? name : "an error without a message";
  }
  if (typeof value === "function") {
    const name = attempt(() => readString((value as { name?: unknown }).name));
    return name ? `a function ${name}` : "a function";
  }
  const json = attempt(() => JSON.stringify(value));
  if (json !== undefined && json !== "{}") return json;
  // String() runs Symbol.toPrimitive or toString, either of which may throw
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a custom toString is what we want to read
  const text = attempt(() => String(value));
  if (text !== undefined && text !== "[object Object]") return text;
  if (json !== undefined) return json;
  return text === undefined ? "an unreadable object (its toString threw)" : "an object";
}

/** An object that is not a native error but inherits from `Error.prototype` of this realm. */
function looksLikeError(value: object): boolean {
  return attempt(() => value instanceof Error) === true;
}

function readString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function cut(text: string): string {
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}

/**
 * A value that is safe to hand to a logger as its `err` field. A well-behaved `Error` is
 * returned as it is (a logger serialises it as usual); anything else, or an error whose
 * properties cannot be read, is replaced by a plain `Error` carrying {@link describeThrown}'s
 * text, so a structured logger that serialises the field (pino reads `message`, `stack`, own
 * keys and `cause`) cannot throw on it. Never throws.
 */
export function loggableError(value: unknown): unknown {
  try {
    if (isReadableError(value)) return value;
  } catch {
    // fall through to a substitute
  }
  const substitute = new Error(describeThrown(value));
  substitute.name = "UnreadableError";
  return substitute;
}

function isReadableError(value: unknown, depth = 0): boolean {
  if (typeof value !== "object" || value === null || types.isProxy(value) || !types.isNativeError(value)) return false;
  const error = value as Error & Record<string, unknown>;
  if (typeof error.message !== "string" || typeof error.name !== "string") return false;
  void error.stack;
  for (const key of Object.keys(error)) {
    const field = error[key];
    if (typeof field === "object" && field !== null && types.isProxy(field)) return false;
  }
  const cause = error.cause;
  if (typeof cause === "object" && cause !== null) {
    if (types.isProxy(cause)) return false;
    if (types.isNativeError(cause) && (depth >= 8 || !isReadableError(cause, depth + 1))) return false;
  }
  if (typeof (error as { toJSON?: unknown }).toJSON === "function") JSON.stringify(error);
  String(error);
  return true;
}
