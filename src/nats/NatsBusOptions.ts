import type { DropReason, Message } from "../bus/Bus.js";
import { busOptionCheck, checkDeliveryOptions, checkTimestamps } from "../bus/delivery/busOptions.js";
import { MAX_TOPIC_LENGTH } from "../bus/topic.js";
import type { OptionCheck } from "../check.js";
import type { TimestampMode } from "../bus/delivery/TurnClock.js";
import type { Clock } from "../clock.js";
import type { PayloadCodec } from "../wire/PayloadCodec.js";
import { jsonCodec } from "../wire/PayloadCodec.js";

/** The longest `prefix`: it leaves room for its dot and a one-character topic within {@link MAX_TOPIC_LENGTH}. */
const MAX_PREFIX_LENGTH = MAX_TOPIC_LENGTH - 2;
/**
 * The longest `inboxPrefix`: reply subjects are `<inboxPrefix>.<22-character NUID>.<request number in base 36,
 * at most 11 characters>`, and stay within {@link MAX_TOPIC_LENGTH}.
 */
const MAX_INBOX_PREFIX_LENGTH = MAX_TOPIC_LENGTH - 35;


/** Default of {@link NatsBusOptions.noReplyGraceMs}, in ms. */
export const DEFAULT_NO_REPLY_GRACE_MS = 100;

/**
 * How a bus writes its messages on NATS (it reads both):
 * - `"envelope"`: the metadata (id, timestamp, source, user headers) and the
 *   encoded payload in one NATS payload, no NATS headers: the fastest;
 * - `"headers"`: the encoded payload alone, the metadata in NATS headers
 *   (`Ao-Id`, `Ao-Time`, `Ao-Source` and the user headers), for plain NATS
 *   clients that read the bus's subjects and want the payload as it is.
 *
 * See `docs/cluster.md` (wire format).
 */
export type NatsWireFormat = "envelope" | "headers";

/** Options of `createNatsBus`. */
export interface NatsBusOptions {
  /**
   * How payloads and replies are serialised. Every bus on the same subjects
   * must use the same codec.
   * @default jsonCodec (UTF-8 JSON that refuses functions, symbols, BigInt, non-finite numbers and cycles)
   */
  codec?: PayloadCodec;
  /**
   * Time source for message timestamps and request timeouts.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * How `message.timestamp` is read from the clock when this bus publishes, as
   * `createBus`'s option of the same name:
   * - `"turn"`: once per synchronous turn: the first message published in a
   *   turn reads the clock and the messages published later in the same turn
   *   (before the bus's next microtask, or before its next handler call) reuse
   *   that time. Timestamps never run ahead of the clock, trail it by at most
   *   the turn's duration, and never go backwards unless the clock does.
   * - `"exact"`: the clock is read for every message.
   *
   * A request is stamped with the clock's exact time (its timeout starts then).
   *
   * @default "turn" with the system clock; "exact" with an injected clock
   */
  timestamps?: "turn" | "exact";
  /** Where handler errors go when the subscription has no `onError` of its own. */
  onError?: (error: unknown, message: Message) => void;
  /** Called for each delivery dropped from a local subscription queue, with the reason. */
  onDrop?: (message: Message, reason: DropReason) => void;
  /**
   * Subject prefix: topic `a.b` travels on subject `<prefix>.a.b`, so several
   * environments (or test runs) can share one server without seeing each
   * other. Dot-separated tokens, like a topic, at most 1,022 characters; the
   * prefix and its dot count toward the 1,024-character limit of every topic.
   * @default none: topics are the NATS subjects
   */
  prefix?: string;
  /**
   * Whether health fails while the connection is down (`connection().required`).
   * @default true
   */
  requireConnection?: boolean;
  /**
   * How long, in real milliseconds, a request whose every announced responder
   * has settled without replying waits for further responders (in other
   * processes) to announce themselves before it rejects with `NO_REPLY`.
   * @default 100
   */
  noReplyGraceMs?: number;
  /**
   * Subject prefix of the reply inboxes, for accounts whose permissions only
   * allow replies on certain subjects. At most 989 characters, so that reply
   * subjects stay within 1,024.
   * @default "_INBOX"
   */
  inboxPrefix?: string;
  /**
   * How this bus writes its messages; it reads both formats, so buses with
   * different settings talk to each other. See {@link NatsWireFormat}.
   * @default "envelope"
   */
  wire?: NatsWireFormat;
  /**
   * OpenTelemetry spans for publishes, requests and handler calls, and W3C
   * trace context (`traceparent`) in the messages' headers, while a tracer
   * provider is registered with `@opentelemetry/api` (docs/tracing.md): a
   * handler's span in another process is the child of the publisher's.
   * `false` turns it off for this bus whatever is registered.
   * @default true
   */
  tracing?: boolean;
}

/** {@link NatsBusOptions} checked, with defaults filled in. */
export interface ResolvedNatsBusOptions {
  codec: PayloadCodec;
  clock: Clock;
  timestamps: TimestampMode;
  onError: ((error: unknown, message: Message) => void) | undefined;
  onDrop: ((message: Message, reason: DropReason) => void) | undefined;
  prefix: string | undefined;
  requireConnection: boolean;
  noReplyGraceMs: number;
  inboxPrefix: string;
  wire: NatsWireFormat;
  tracing: boolean;
}

/**
 * Check the options of `createNatsBus` and fill in the defaults.
 *
 * @throws BusError `INVALID_OPTION` naming the option, the bad value and what was expected
 */
export function resolveNatsBusOptions(options: NatsBusOptions): ResolvedNatsBusOptions {
  const check = busOptionCheck("createNatsBus");
  const given = check.object(options);
  const delivery = checkDeliveryOptions(check, given);
  const timestamps = checkTimestamps(check, given.timestamps, delivery.clock);
  const codec = check.optionalShape<PayloadCodec>(given.codec, "codec", ["encode", "decode"], "an object with encode(payload) and decode(bytes)") ?? jsonCodec;
  const prefix = checkPrefix(check, given.prefix);
  const requireConnection = check.optionalBoolean(given.requireConnection, "requireConnection") ?? true;
  const noReplyGraceMs: unknown = given.noReplyGraceMs ?? DEFAULT_NO_REPLY_GRACE_MS;
  if (typeof noReplyGraceMs !== "number" || !Number.isFinite(noReplyGraceMs) || noReplyGraceMs < 0) {
    throw check.error("noReplyGraceMs", "a non-negative number of milliseconds", noReplyGraceMs);
  }
  const inboxPrefix: unknown = given.inboxPrefix ?? "_INBOX";
  if (!isSubjectPrefix(inboxPrefix)) throw check.error("inboxPrefix", 'dot-separated subject tokens (such as "_INBOX" or "_INBOX.acme")', inboxPrefix);
  if (inboxPrefix.length > MAX_INBOX_PREFIX_LENGTH) {
    throw check.error("inboxPrefix", `at most ${MAX_INBOX_PREFIX_LENGTH} characters (reply subjects add ${MAX_TOPIC_LENGTH - MAX_INBOX_PREFIX_LENGTH} and must stay within ${MAX_TOPIC_LENGTH})`, inboxPrefix.length);
  }
  const wire: unknown = given.wire ?? "envelope";
  if (wire !== "envelope" && wire !== "headers") throw check.error("wire", '"envelope" or "headers"', wire);
  const tracing = check.optionalBoolean(given.tracing, "tracing") ?? true;
  return { ...delivery, timestamps, codec, prefix, requireConnection, noReplyGraceMs, inboxPrefix, wire, tracing };
}

function checkPrefix(check: OptionCheck, prefix: unknown): string | undefined {
  if (prefix === undefined) return undefined;
  if (!isSubjectPrefix(prefix)) throw check.error("prefix", 'dot-separated tokens of A-Z a-z 0-9 _ - (such as "staging" or "acme.prod")', prefix);
  if (prefix.length > MAX_PREFIX_LENGTH) {
    throw check.error("prefix", `at most ${MAX_PREFIX_LENGTH} characters (a subject is the prefix, a dot and the topic, ${MAX_TOPIC_LENGTH} characters at most)`, prefix.length);
  }
  return prefix;
}

function isSubjectPrefix(value: unknown): value is string {
  return typeof value === "string" && /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(value);
}
