import type { Msg, MsgHdrs } from "@nats-io/transport-node";
import { headers } from "@nats-io/transport-node";
import type { WireMetadata } from "../wire/WireMetadata.js";
import { REPLY_PROTOCOL_STATUS, setHeader } from "../wire/WireMetadata.js";

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

/** Values of the {@link WIRE_HEADERS.status} header. */
export const REPLY_STATUS = Object.freeze({
  /** A subscription received the request and will run its handler. */
  accepted: "accepted",
  /** The handler settled without replying (returned `undefined`, threw, or the message was dropped). */
  noReply: "no-reply",
});

/** Headers of a reply-status message (`accepted` / `no-reply`); built once and reused. */
export function statusHeaders(status: string): MsgHdrs {
  const block = headers();
  block.set(WIRE_HEADERS.status, status);
  return block;
}

/** What the bus reads off a received NATS message. */
export interface WireMessage extends WireMetadata {
  /** The reply subject of a request ("" for a plain message). */
  reply: string;
}

/**
 * Read a received plain message's metadata, user headers and reply subject
 * (an envelope's are read by {@link readEnvelopeWire} and the envelope reader),
 * through the client's public `msg.headers` and `msg.reply`.
 */
export function readWire(msg: Msg): WireMessage {
  const out = readMetadata(msg.headers) as WireMessage;
  out.reply = msg.reply ?? "";
  return out;
}

/**
 * What the bus reads off a received envelope before the envelope itself, into
 * `out` (the receiver's own, reused for every message): its reply subject
 * and, when it has NATS headers (a bus never adds any to an envelope), whether
 * it carries `Ao-Reply: status`. The metadata fields are reset to `undefined`
 * for the envelope reader to fill. Kept apart from {@link readWire}: this is
 * the hot path of the default wire format, and a message without headers
 * costs no header parsing and no allocation.
 */
export function readEnvelopeWire(msg: Msg, out: WireMessage): WireMessage {
  out.id = undefined;
  out.timestamp = undefined;
  out.source = undefined;
  out.headers = undefined;
  out.reply = msg.reply ?? "";
  out.replyStatus = msg.headers?.get(WIRE_HEADERS.reply) === REPLY_PROTOCOL_STATUS;
  return out;
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
