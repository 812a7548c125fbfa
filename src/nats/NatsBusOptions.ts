import type { DropReason, Message } from "../bus/Bus.js";
import { describeValue } from "../bus/describeValue.js";
import { MAX_TOPIC_LENGTH } from "../bus/topic.js";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import { BusError } from "../errors/BusError.js";
import type { PayloadCodec } from "./PayloadCodec.js";
import { jsonCodec } from "./PayloadCodec.js";

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
}

/** {@link NatsBusOptions} checked, with defaults filled in. */
export interface ResolvedNatsBusOptions {
  codec: PayloadCodec;
  clock: Clock;
  onError: ((error: unknown, message: Message) => void) | undefined;
  onDrop: ((message: Message, reason: DropReason) => void) | undefined;
  prefix: string | undefined;
  requireConnection: boolean;
  noReplyGraceMs: number;
  inboxPrefix: string;
  wire: NatsWireFormat;
}

/**
 * Check the options of `createNatsBus` and fill in the defaults.
 *
 * @throws BusError `INVALID_OPTION` naming the option, the bad value and what was expected
 */
export function resolveNatsBusOptions(options: NatsBusOptions): ResolvedNatsBusOptions {
  const fail = (message: string): BusError => new BusError("INVALID_OPTION", `createNatsBus: ${message}`);
  if (typeof options !== "object" || options === null) throw fail(`expected options to be an object, got ${describeValue(options)}`);
  const { codec = jsonCodec, clock = systemClock, onError, onDrop, prefix, requireConnection = true, noReplyGraceMs = DEFAULT_NO_REPLY_GRACE_MS, inboxPrefix = "_INBOX", wire = "envelope" } = options;
  const shape = codec as Partial<Record<keyof PayloadCodec, unknown>> | null;
  if (typeof shape !== "object" || shape === null || typeof shape.encode !== "function" || typeof shape.decode !== "function") {
    throw fail(`expected \`codec\` to be an object with encode(payload) and decode(bytes), got ${describeValue(codec)}`);
  }
  const time = clock as Partial<Record<keyof Clock, unknown>> | null;
  if (typeof time !== "object" || time === null || typeof time.now !== "function" || typeof time.setTimeout !== "function" || typeof time.clearTimeout !== "function") {
    throw fail(`expected \`clock\` to be a Clock (an object with now(), setTimeout() and clearTimeout()), got ${describeValue(clock)}`);
  }
  for (const [key, value] of [["onError", onError], ["onDrop", onDrop]] as const) {
    if (value !== undefined && typeof value !== "function") throw fail(`expected \`${key}\` to be a function, got ${describeValue(value)}`);
  }
  if (prefix !== undefined && !isSubjectPrefix(prefix)) {
    throw fail(`expected \`prefix\` to be dot-separated tokens of A-Z a-z 0-9 _ - (such as "staging" or "acme.prod"), got ${describeValue(prefix)}`);
  }
  if (prefix !== undefined && prefix.length > MAX_PREFIX_LENGTH) {
    throw fail(`expected \`prefix\` to be at most ${MAX_PREFIX_LENGTH} characters (a subject is the prefix, a dot and the topic, ${MAX_TOPIC_LENGTH} characters at most), got ${prefix.length} characters`);
  }
  if (typeof requireConnection !== "boolean") throw fail(`expected \`requireConnection\` to be a boolean, got ${describeValue(requireConnection)}`);
  if (typeof noReplyGraceMs !== "number" || !Number.isFinite(noReplyGraceMs) || noReplyGraceMs < 0) {
    throw fail(`expected \`noReplyGraceMs\` to be a non-negative number of milliseconds, got ${describeValue(noReplyGraceMs)}`);
  }
  if (!isSubjectPrefix(inboxPrefix)) {
    throw fail(`expected \`inboxPrefix\` to be dot-separated subject tokens (such as "_INBOX" or "_INBOX.acme"), got ${describeValue(inboxPrefix)}`);
  }
  if (inboxPrefix.length > MAX_INBOX_PREFIX_LENGTH) {
    throw fail(`expected \`inboxPrefix\` to be at most ${MAX_INBOX_PREFIX_LENGTH} characters (reply subjects add ${MAX_TOPIC_LENGTH - MAX_INBOX_PREFIX_LENGTH} and must stay within ${MAX_TOPIC_LENGTH}), got ${inboxPrefix.length} characters`);
  }
  if (wire !== "envelope" && wire !== "headers") throw fail(`expected \`wire\` to be "envelope" or "headers", got ${describeValue(wire)}`);
  return { codec, clock, onError, onDrop, prefix, requireConnection, noReplyGraceMs, inboxPrefix, wire };
}

function isSubjectPrefix(value: unknown): value is string {
  return typeof value === "string" && /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(value);
}
