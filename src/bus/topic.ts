import { BusError } from "../errors/BusError.js";
import { describeValue, expected } from "../check.js";

/** Characters a topic token may contain. */
const TOKEN = /^[A-Za-z0-9_-]+$/;
/** The first character a token may not contain. */
const BAD_CHAR = /[^A-Za-z0-9_-]/;

/**
 * The longest topic or pattern any Bus accepts, in characters, any prefix a Bus adds included.
 * A NATS server closes a connection whose control line is too long, so a topic that would pass
 * in process and fail over NATS is refused everywhere, up front.
 */
export const MAX_TOPIC_LENGTH = 1024;

/** Wildcard matching exactly one token in a subscription pattern. */
export const SINGLE_WILDCARD = "*";
/** Wildcard matching one or more trailing tokens, in the last position of a pattern only. */
export const TAIL_WILDCARD = ">";

/**
 * Check a topic a message is published on and return its tokens. A topic is one
 * or more dot-separated tokens of `[A-Za-z0-9_-]`, at most {@link MAX_TOPIC_LENGTH}
 * characters in all; wildcards are not allowed.
 *
 * @throws BusError `INVALID_TOPIC` naming the topic and what is wrong with it
 * @example
 * ```ts
 * validateTopic("prices.AAPL"); // ["prices", "AAPL"]
 * validateTopic("prices.*");    // throws: wildcards are only allowed in subscription patterns
 * ```
 */
export function validateTopic(topic: unknown): string[] {
  const tokens = splitTokens(topic, "topic");
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === SINGLE_WILDCARD || token === TAIL_WILDCARD) {
      throw invalid("topic", topic as string, `token ${i + 1} is the wildcard "${token}": wildcards are only allowed in subscription patterns, a message is published on a concrete topic`);
    }
    checkToken(token, i, "topic", topic as string);
  }
  return tokens;
}

/**
 * Check a subscription pattern and return its tokens. A pattern is a topic whose
 * tokens may also be `*` (exactly one token) or, as the last token only, `>`
 * (one or more trailing tokens): `prices.*`, `orders.>`, `>`. A pattern is at most
 * {@link MAX_TOPIC_LENGTH} characters long, as a topic is.
 *
 * @throws BusError `INVALID_TOPIC` naming the pattern and what is wrong with it
 * @example
 * ```ts
 * validatePattern("orders.>");   // ["orders", ">"]
 * validatePattern("orders.>.x"); // throws: ">" must be the last token
 * ```
 */
export function validatePattern(pattern: unknown): string[] {
  const tokens = splitTokens(pattern, "pattern");
  const last = tokens.length - 1;
  for (let i = 0; i <= last; i++) {
    const token = tokens[i] as string;
    if (token === SINGLE_WILDCARD) continue;
    if (token === TAIL_WILDCARD) {
      if (i !== last) {
        throw invalid("pattern", pattern as string, `">" (token ${i + 1}) must be the last token: it matches one or more trailing tokens`);
      }
      continue;
    }
    checkToken(token, i, "pattern", pattern as string);
  }
  return tokens;
}

/** True when `value` is a valid topic (see {@link validateTopic}). */
export function isValidTopic(value: unknown): value is string {
  try {
    validateTopic(value);
    return true;
  } catch {
    return false;
  }
}

/** True when `value` is a valid subscription pattern (see {@link validatePattern}). */
export function isValidPattern(value: unknown): value is string {
  try {
    validatePattern(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `topic` matches the subscription `pattern`, with NATS semantics:
 * `*` matches exactly one token, a final `>` one or more tokens (so `a.>` does
 * not match `a`). A pattern without wildcards matches only itself. Both
 * arguments are validated.
 *
 * @throws BusError `INVALID_TOPIC` for a malformed topic or pattern
 * @example
 * ```ts
 * topicMatches("prices.*", "prices.AAPL"); // true
 * topicMatches("orders.>", "orders");      // false
 * ```
 */
export function topicMatches(pattern: string, topic: string): boolean {
  const p = validatePattern(pattern);
  const t = validateTopic(topic);
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === TAIL_WILDCARD) return t.length > i;
    if (i >= t.length) return false;
    if (token !== SINGLE_WILDCARD && token !== t[i]) return false;
  }
  return p.length === t.length;
}

function splitTokens(value: unknown, kind: "topic" | "pattern"): string[] {
  if (typeof value !== "string") {
    throw new BusError("INVALID_TOPIC", `Invalid ${kind}: expected a string of dot-separated tokens, got ${describeValue(value)}`);
  }
  if (value.length === 0) throw invalid(kind, value, "it is empty");
  if (value.length > MAX_TOPIC_LENGTH) throw tooLong(kind, value);
  return value.split(".");
}

function checkToken(token: string, index: number, kind: "topic" | "pattern", whole: string): void {
  if (TOKEN.test(token)) return;
  if (token.length === 0) {
    throw invalid(kind, whole, `token ${index + 1} is empty (a leading, trailing or doubled ".")`);
  }
  const bad = BAD_CHAR.exec(token)?.[0] ?? token;
  const where = kind === "pattern" && (token.includes("*") || token.includes(">"))
    ? `: a wildcard must be a whole token ("*" or ">")`
    : "";
  throw invalid(kind, whole, `token ${index + 1} ("${token}") contains ${JSON.stringify(bad)}${where}; tokens are made of A-Z a-z 0-9 _ -`);
}

/**
 * Refuse a topic or pattern that is too long once a Bus's prefix is added to it: for a bus that
 * sends topic `a.b` as `<prefix>.a.b`, pass the prefix's length plus one for its dot. Only the
 * length is checked (see {@link validateTopic} and {@link validatePattern} for the rest). Costs a
 * couple of comparisons when the value fits.
 *
 * @param value - the topic or pattern as the caller gave it, without the prefix
 * @param kind - what `value` is, for the message
 * @param prefixLength - characters the bus adds in front of `value` (a non-negative integer; 0 for none)
 * @throws BusError `INVALID_TOPIC` naming the limit, when `value` with the prefix is longer than {@link MAX_TOPIC_LENGTH}
 * @throws BusError `INVALID_OPTION` when `prefixLength` is negative or not a number (a fractional one is noticed only once `value` does not fit)
 * @example
 * ```ts
 * const prefix = "staging.";
 * checkTopicLength(topic, "topic", prefix.length); // then send on prefix + topic
 * ```
 */
export function checkTopicLength(value: string, kind: "topic" | "pattern", prefixLength: number): void {
  if (value.length <= MAX_TOPIC_LENGTH - prefixLength && prefixLength >= 0) return;
  if (!Number.isSafeInteger(prefixLength) || prefixLength < 0) {
    throw new BusError("INVALID_OPTION", `checkTopicLength: ${expected("prefixLength", "a non-negative integer", prefixLength)}`);
  }
  throw tooLong(kind, value, prefixLength);
}

/** How much of a refused, too long topic a message quotes. */
const QUOTED_LENGTH = 40;

function tooLong(kind: "topic" | "pattern", value: string, prefixLength = 0): BusError {
  const quoted = value.length > QUOTED_LENGTH ? `${JSON.stringify(value.slice(0, QUOTED_LENGTH))}…` : JSON.stringify(value);
  const length = prefixLength > 0
    ? `${value.length} characters, ${value.length + prefixLength} with the ${prefixLength} characters of the bus's prefix`
    : `${value.length} characters`;
  return new BusError(
    "INVALID_TOPIC",
    `Invalid ${kind} ${quoted}: it is too long (${length}); the limit is ${MAX_TOPIC_LENGTH} characters on every Bus, any prefix the bus adds included`,
    { topic: value },
  );
}

function invalid(kind: "topic" | "pattern", value: string, why: string): BusError {
  return new BusError("INVALID_TOPIC", `Invalid ${kind} ${JSON.stringify(value)}: ${why}`, { topic: value });
}
