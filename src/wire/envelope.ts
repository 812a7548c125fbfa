import type { PayloadCodec } from "./PayloadCodec.js";
import { jsonCodec } from "./PayloadCodec.js";
import { BusError } from "../errors/BusError.js";
import type { WireMetadata } from "./WireMetadata.js";
import { REPLY_PROTOCOL_STATUS, setHeader } from "./WireMetadata.js";

/**
 * The bus's envelope: a message's metadata and its payload in one
 * transport payload, with no transport headers (on NATS: one message body,
 * no NATS headers). Transport-neutral: any networked Bus can carry it.
 *
 * ```text
 * 0x00 0x01                 mark and format version (two bytes)
 * <id> LF                   Message.id
 * <timestamp> LF            Message.timestamp, ms since the epoch, decimal
 * rstatus LF                on a request only: the requester reads the bus's reply statuses
 * s<source> LF              Message.source, when set
 * h<name>:<value> LF        one line per user header, in order
 * LF                        an empty line ends the metadata
 * <payload bytes>           what the codec encoded (empty for an undefined JSON payload)
 * ```
 *
 * The metadata lines are UTF-8. Header names are printable ASCII without `:`;
 * values and the source have no line breaks (the bus refuses others before
 * sending), so a line never contains LF. Lines with another leading letter are
 * skipped, for later versions of the format. A payload starting with
 * `0x00 0x01` is read as an envelope, any other as a plain payload: JSON never
 * starts with a NUL, nor does text in practice; a protobuf message cannot (field
 * number 0 is invalid), and a MessagePack or CBOR value starting with `0x00` is
 * that one byte (the integer 0). With the JSON codec the whole envelope, mark
 * included, is UTF-8 text.
 */
export const ENVELOPE = Object.freeze({
  /** First byte of every envelope. */
  mark: 0x00,
  /** Second byte: the format version this bus writes and reads. */
  version: 0x01,
});

const LF = 0x0a;
const TAG_SOURCE = 0x73; // "s"
const TAG_HEADER = 0x68; // "h"
const TAG_REPLY = 0x72; // "r"

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The last valid timestamp read and its text: messages of the same millisecond skip the number parsing. */
let lastTimeText = "";
let lastTime = 0;

/** Whether `bytes` is an envelope (starts with the mark and version). */
export function isEnvelope(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === ENVELOPE.mark && bytes[1] === ENVELOPE.version;
}

/**
 * Read an envelope: fills `out` with its metadata and returns the payload,
 * decoded by `codec`. With the JSON codec the whole envelope is decoded to
 * text once and the payload parsed from it.
 *
 * @throws BusError `PAYLOAD_INVALID` when the envelope is malformed (its JSON payload included); what `codec.decode` throws for its payload
 */
export function readEnvelope(bytes: Uint8Array, codec: PayloadCodec, out: WireMetadata): unknown {
  if (codec === jsonCodec) {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw malformed("malformed envelope: it is not valid UTF-8");
    }
    const start = parseMetadata(text, 2, out);
    return start === text.length ? undefined : parseJson(text.slice(start));
  }
  // the metadata ends at the first empty line: its lines are never empty, and LF never occurs inside a UTF-8 sequence
  const length = bytes.length;
  let end = 2;
  while (end < length - 1 && !(bytes[end] === LF && bytes[end + 1] === LF)) end++;
  if (end >= length - 1) {
    // no empty line: parse what there is, for the precise complaint
    parseMetadata(decodeMetadata(bytes.subarray(2)), 0, out);
    throw malformed("malformed envelope: its metadata does not end with an empty line");
  }
  parseMetadata(decodeMetadata(bytes.subarray(2, end + 2)), 0, out);
  return codec.decode(bytes.subarray(end + 2));
}

function decodeMetadata(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw malformed("malformed envelope: its metadata is not valid UTF-8");
  }
}

/**
 * Parse the metadata lines of `text` from `start` into `out` (only once they
 * are all valid) and return the index just past the empty line ending them.
 *
 * @throws BusError `PAYLOAD_INVALID` naming what is malformed
 */
export function parseMetadata(text: string, start: number, out: WireMetadata): number {
  let end = text.indexOf("\n", start);
  if (end <= start) throw malformed(end < 0 ? "malformed envelope: no metadata lines" : "malformed envelope: the message id is empty");
  const id = text.slice(start, end);
  let at = end + 1;
  let timestamp = lastTime;
  end = at + lastTimeText.length;
  // the same millisecond as the last message (a number's text has no LF): compared in place, neither searched, cut out nor parsed
  if (lastTimeText === "" || text.charCodeAt(end) !== LF || !text.startsWith(lastTimeText, at)) {
    end = text.indexOf("\n", at);
    const time = end > at ? text.slice(at, end) : "";
    timestamp = Number(time);
    if (time === "" || !Number.isFinite(timestamp)) throw malformed(`malformed envelope: the timestamp ${JSON.stringify(time)} is not a number`);
    lastTimeText = time;
    lastTime = timestamp;
  }
  at = end + 1;
  let source: string | undefined;
  let headers: Record<string, string> | undefined;
  let replyStatus = false;
  // the common case, no more lines: the empty line comes at once
  for (; text.charCodeAt(at) !== LF; at = end + 1) {
    end = text.indexOf("\n", at);
    if (end < 0) throw malformed("malformed envelope: its metadata does not end with an empty line");
    const tag = text.charCodeAt(at);
    if (tag === TAG_SOURCE) {
      source ??= text.slice(at + 1, end);
    } else if (tag === TAG_HEADER) {
      const colon = text.indexOf(":", at + 1);
      if (colon <= at + 1 || colon > end) throw malformed(`malformed envelope: the header line ${JSON.stringify(text.slice(at + 1, end))} has no "name:"`);
      setHeader((headers ??= {}), text.slice(at + 1, colon), text.slice(colon + 1, end));
    } else if (tag === TAG_REPLY) {
      if (text.slice(at + 1, end) === REPLY_PROTOCOL_STATUS) replyStatus = true;
    }
  }
  out.id = id;
  out.timestamp = timestamp;
  out.source = source;
  out.headers = headers;
  if (replyStatus) out.replyStatus = true;
  // `at` is the empty line
  return at + 1;
}

/** A `PAYLOAD_INVALID` error about a malformed envelope. */
function malformed(message: string): BusError {
  return new BusError("PAYLOAD_INVALID", message);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new BusError("PAYLOAD_INVALID", `malformed envelope: its payload is not JSON (${(cause as Error).message})`, { cause });
  }
}
