import type { Msg, MsgHdrs } from "@nats-io/transport-node";
import { MsgHdrsImpl } from "@nats-io/transport-node";
import type { PublishOptions } from "../bus/Bus.js";
import { describeValue } from "../bus/describeValue.js";
import { BusError } from "../errors/BusError.js";

/**
 * NATS header names the bus uses for message metadata. User headers travel
 * beside them under their own names; names starting with `Ao-` are reserved.
 */
export const WIRE_HEADERS = Object.freeze({
  /** `Message.id`, set by the publishing bus. */
  id: "Ao-Id",
  /** `Message.timestamp` (ms since the epoch, decimal), the publisher's clock. */
  time: "Ao-Time",
  /** `Message.source`, when set. */
  source: "Ao-Source",
  /**
   * On a request's reply subject: `accepted` or `no-reply` from a responding
   * subscription, sent only to requesters that announced the `reply` header.
   */
  status: "Ao-Status",
  /**
   * On a request: `status` when the requester reads the bus's reply statuses
   * (the `status` header); responders send them to such requesters
   * only. A bus writing envelopes says it with the metadata line `rstatus`.
   */
  reply: "Ao-Reply",
});

/** The value of {@link WIRE_HEADERS.reply} (and of the envelope's `r` line) a bus requester sends. */
export const REPLY_PROTOCOL_STATUS = "status";

/** Values of the {@link WIRE_HEADERS.status} header. */
export const REPLY_STATUS = Object.freeze({
  /** A subscription received the request and will run its handler. */
  accepted: "accepted",
  /** The handler settled without replying (returned `undefined`, threw, or the message was dropped). */
  noReply: "no-reply",
});

const RESERVED_PREFIX = "ao-";

/** The metadata and user headers read off a received message. */
export interface WireMetadata {
  /** `Ao-Id`, when present. */
  id: string | undefined;
  /** `Ao-Time` as a number, when present and numeric. */
  timestamp: number | undefined;
  /** `Ao-Source`, when present. */
  source: string | undefined;
  /** Every other header (first value of a repeated name), when there is any. */
  headers: Record<string, string> | undefined;
  /**
   * Set (true) when the message is a request whose requester reads the bus's
   * reply statuses (`Ao-Reply: status`, or the envelope line `rstatus`); absent otherwise.
   */
  replyStatus?: boolean;
}

/** Headers of a reply-status message (`accepted` / `no-reply`); built once and reused. */
export function statusHeaders(status: string): MsgHdrs {
  return MsgHdrsImpl.fromRecord({ [WIRE_HEADERS.status]: [status] });
}

/** What the bus reads off a received NATS message. */
export interface WireMessage extends WireMetadata {
  /** The reply subject of a request ("" for a plain message). */
  reply: string;
}

/** The fields of the client's message class that the fast path reads (they are not part of its public types). */
interface ClientMessageInternals {
  _rdata?: unknown;
  _msg?: { hdr?: unknown; reply?: unknown };
}

const decoder = new TextDecoder();

/**
 * Read a received plain message's metadata, user headers and reply subject
 * (an envelope's are read by {@link readEnvelopeWire} and the envelope reader).
 *
 * The NATS client parses headers into a `MsgHdrs` map on first access, which
 * costs more than everything else the bus does per message; this reads the
 * raw header block instead, with the same rules (first value of a repeated
 * name, values trimmed). The raw bytes are fields of the client's message
 * class that its types do not declare: when a client version lays them out
 * differently, this falls back to the public `msg.headers` and `msg.reply`.
 */
export function readWire(msg: Msg): WireMessage {
  const internals = msg as unknown as ClientMessageInternals;
  const raw = internals._rdata;
  const args = internals._msg;
  if (raw instanceof Uint8Array && typeof args === "object" && args !== null && typeof args.hdr === "number") {
    const reply = args.reply instanceof Uint8Array && args.reply.length > 0 ? decoder.decode(args.reply) : "";
    const out: WireMessage = { id: undefined, timestamp: undefined, source: undefined, headers: undefined, reply };
    if (args.hdr > 0) parseHeaderBlock(decoder.decode(raw.subarray(0, args.hdr)), out);
    return out;
  }
  return { ...readMetadata(msg.headers), reply: msg.reply ?? "" };
}

/**
 * What the bus reads off a received envelope before the envelope itself: its
 * reply subject and, when it has NATS headers (a bus never adds any to an
 * envelope), whether it carries `Ao-Reply: status`. The metadata fields stay
 * `undefined` for the envelope reader to fill. Kept apart from
 * {@link readWire}: this is the hot path of the default wire format.
 */
export function readEnvelopeWire(msg: Msg): WireMessage {
  const args = (msg as unknown as ClientMessageInternals)._msg;
  if (typeof args === "object" && args !== null && typeof args.hdr === "number") {
    const reply = args.reply instanceof Uint8Array && args.reply.length > 0 ? decoder.decode(args.reply) : "";
    const out: WireMessage = { id: undefined, timestamp: undefined, source: undefined, headers: undefined, reply };
    if (args.hdr > 0 && msg.headers?.get(WIRE_HEADERS.reply) === REPLY_PROTOCOL_STATUS) out.replyStatus = true;
    return out;
  }
  const out: WireMessage = { id: undefined, timestamp: undefined, source: undefined, headers: undefined, reply: msg.reply ?? "" };
  if (msg.headers?.get(WIRE_HEADERS.reply) === REPLY_PROTOCOL_STATUS) out.replyStatus = true;
  return out;
}

/** Parse `NATS/1.0[ status]\r\nName: value\r\n...\r\n\r\n` into `out`. */
export function parseHeaderBlock(text: string, out: WireMetadata): void {
  let start = text.indexOf("\r\n");
  if (start < 0) return;
  start += 2;
  const length = text.length;
  while (start < length) {
    let end = text.indexOf("\r\n", start);
    if (end < 0) end = length;
    if (end === start) break;
    const colon = text.indexOf(":", start);
    if (colon > start && colon < end) assign(out, text.slice(start, colon), text.slice(colon + 1, end).trim());
    start = end + 2;
  }
}

/** Split a received message's parsed headers into metadata and user headers (absent metadata stays `undefined`). */
export function readMetadata(headers: MsgHdrs | undefined): WireMetadata {
  const out: WireMetadata = { id: undefined, timestamp: undefined, source: undefined, headers: undefined };
  if (headers === undefined) return out;
  for (const [key, values] of headers) assign(out, key, values[0] ?? "");
  return out;
}

function assign(out: WireMetadata, key: string, value: string): void {
  switch (key) {
    case WIRE_HEADERS.id:
      out.id ??= value;
      break;
    case WIRE_HEADERS.time: {
      const time = Number(value);
      if (out.timestamp === undefined && value !== "" && Number.isFinite(time)) out.timestamp = time;
      break;
    }
    case WIRE_HEADERS.source:
      out.source ??= value;
      break;
    case WIRE_HEADERS.reply:
      if (value === REPLY_PROTOCOL_STATUS) out.replyStatus = true;
      break;
    default:
      setHeader((out.headers ??= {}), key, value);
  }
}

/** Set a received header unless the name is already there (the first value wins); `__proto__` is data, not the prototype. */
export function setHeader(headers: Record<string, string>, key: string, value: string): void {
  if (Object.hasOwn(headers, key)) return;
  if (key === "__proto__") Object.defineProperty(headers, key, { value, enumerable: true, writable: true, configurable: true });
  else headers[key] = value;
}

/**
 * Check the options of a publish or request for what both wire formats can
 * carry (an envelope's metadata lines and NATS headers): header names of
 * printable ASCII without `:` and not starting with `Ao-`; values and `source`
 * without CR or LF.
 *
 * @returns a `BusError` `INVALID_OPTION` naming the option, or `undefined` when fine
 */
export function checkWireOptions(options: unknown, operation: "publish" | "request"): BusError | undefined {
  const fail = (message: string): BusError => new BusError("INVALID_OPTION", `${operation}: ${message}`);
  if (typeof options !== "object" || options === null) return fail(`expected options to be an object, got ${describeValue(options)}`);
  const { headers, source } = options as PublishOptions;
  if (source !== undefined) {
    if (typeof source !== "string") return fail(`expected \`source\` to be a string, got ${describeValue(source)}`);
    if (/[\r\n]/.test(source)) return fail(`expected \`source\` to have no line breaks (it travels on a metadata line), got ${JSON.stringify(source)}`);
  }
  if (headers === undefined) return undefined;
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) {
    return fail(`expected \`headers\` to be an object of string values, got ${describeValue(headers)}`);
  }
  for (const key in headers) {
    const value: unknown = headers[key];
    if (!/^[!-9;-~]+$/.test(key)) {
      return fail(`header name ${JSON.stringify(key)} cannot travel with a message: names are printable ASCII without spaces or ":"`);
    }
    if (key.toLowerCase().startsWith(RESERVED_PREFIX)) {
      return fail(`header name ${JSON.stringify(key)} is reserved: names starting with "Ao-" carry the bus's own metadata`);
    }
    if (typeof value !== "string") return fail(`expected \`headers.${key}\` to be a string, got ${describeValue(value)}`);
    if (/[\r\n]/.test(value)) return fail(`expected \`headers.${key}\` to have no line breaks (it travels on a metadata line), got ${JSON.stringify(value)}`);
  }
  return undefined;
}
