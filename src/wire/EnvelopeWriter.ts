import type { PublishOptions, RequestOptions } from "../bus/Bus.js";
import { ENVELOPE } from "./envelope.js";
import type { PayloadCodec } from "./PayloadCodec.js";
import { jsonCodec, jsonText } from "./PayloadCodec.js";
import { REPLY_PROTOCOL_STATUS } from "./WireMetadata.js";

/** The metadata line of a request: the requester reads the bus's reply statuses. */
const REPLY_LINE = `r${REPLY_PROTOCOL_STATUS}\n`;

/** The base-36 digits' character codes: the last character of a message id, written as one byte. */
const DIGIT_CODES: readonly number[] = Array.from({ length: 36 }, (_, digit) => digit.toString(36).charCodeAt(0));

/** Mark and version: both below 0x80, so each is one character and one UTF-8 byte. */
const START = String.fromCharCode(ENVELOPE.mark, ENVELOPE.version);

const LF = 0x0a;

/**
 * Envelopes are written one after another into slabs of this size, as Node
 * does with its own `Buffer` pool; an envelope that could need more than a
 * quarter of a slab gets a buffer of its own, of its exact size.
 */
const SLAB_SIZE = 32 * 1024;

/**
 * Writes a bus's outgoing messages as envelopes (see {@link ENVELOPE}):
 * metadata lines, then the payload, into a slab the writer owns. Each
 * envelope is a view of its part of the slab; the slab is never written
 * again where an envelope was, so the view stays valid for as long as the
 * NATS client holds it. The bytes that do not change from one message to the
 * next (mark, version, the id but its last character, the timestamp's line)
 * are kept encoded, so an envelope costs a few copies and one UTF-8 write of
 * the payload's JSON: no string is built and flattened around the payload.
 * Options must have passed `wireOptionsError`.
 */
export class EnvelopeWriter {
  readonly #idPrefix: string;
  readonly #codec: PayloadCodec;
  readonly #json: boolean;
  /** Mark, version and the id prefix: every envelope of this writer starts with it. */
  readonly #head: string;
  #count = 0;
  /** The counter's text but its last digit: the same for the 36 counts before `#blockEnd`. */
  #block = "";
  #blockEnd = 0;
  /** The last timestamp written. */
  #time = Number.NaN;
  /**
   * The encoded start of the envelopes of the current block and timestamp:
   * head, block, a placeholder for the id's last digit (at `#digitAt`) and the
   * timestamp's line. An envelope copies it and writes its own last digit:
   * an id then costs one byte, not a number-to-text conversion.
   */
  #start: Uint8Array = new Uint8Array(0);
  #digitAt = 0;
  /** The slab envelopes are written to, and where the next one starts. */
  #slab: Buffer = Buffer.allocUnsafeSlow(SLAB_SIZE);
  #at = 0;

  /**
   * @param idPrefix - unique to the bus: message ids are `<idPrefix>.<counter in base 36>`
   * @param codec - encodes the payloads
   */
  constructor(idPrefix: string, codec: PayloadCodec) {
    this.#idPrefix = `${idPrefix}.`;
    this.#codec = codec;
    this.#json = codec === jsonCodec;
    this.#head = START + this.#idPrefix;
  }

  /** The next message id, for a message that did not carry one (not sent by a bus). */
  nextId(): string {
    return this.#idPrefix + (this.#count++).toString(36);
  }

  /**
   * The envelope of the next outgoing message, stamped with `timestamp`.
   *
   * @param request - whether the message is a request: its envelope then says that the requester reads the bus's reply statuses (`rstatus`)
   * @throws what the codec throws for a payload it cannot carry (nothing is consumed then: not even an id)
   */
  write(payload: unknown, timestamp: number, options: PublishOptions | RequestOptions | undefined, request = false): Uint8Array {
    // the payload first (JSON text, or another codec's bytes): a refused one leaves the writer as it was
    const encoded: string | Uint8Array = this.#json ? jsonText(payload) : this.#codec.encode(payload);
    // the metadata lines after the timestamp, if any
    let lines = request ? REPLY_LINE : "";
    if (options !== undefined) {
      const source = options.source;
      if (source !== undefined) lines += `s${source}\n`;
      const own = options.headers;
      if (own !== undefined) {
        for (const key in own) lines += `h${key}:${own[key] as string}\n`;
      }
    }
    const count = this.#count++;
    const digit = count % 36;
    if (count >= this.#blockEnd || timestamp !== this.#time) this.#restart(count, timestamp);
    const first = this.#start;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit
    const fixed = first.length + 1;
    let most = fixed + lines.length * 3 + (typeof encoded === "string" ? encoded.length * 3 : encoded.length);
    let slab = this.#slab;
    let at = this.#at;
    const alone = most > SLAB_SIZE >>> 2;
    if (alone) {
      most = fixed + Buffer.byteLength(lines, "utf8") + (typeof encoded === "string" ? Buffer.byteLength(encoded, "utf8") : encoded.length);
      slab = Buffer.allocUnsafeSlow(most);
      at = 0;
    } else if (SLAB_SIZE - at < most) {
      slab = this.#slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      at = 0;
    }
    const start = at;
    slab.set(first, at);
    slab[at + this.#digitAt] = DIGIT_CODES[digit] as number;
    at += first.length;
    if (lines !== "") at += slab.write(lines, at, "utf8");
    slab[at++] = LF;
    if (typeof encoded !== "string") {
      slab.set(encoded, at);
      at += encoded.length;
    } else if (encoded !== "") {
      at += slab.write(encoded, at, "utf8");
    }
    if (!alone) this.#at = at;
    return new Uint8Array(slab.buffer, slab.byteOffset + start, at - start);
  }

  /** `count` is past the current block of 36 counts, or the timestamp changed: encode the envelopes' start anew. */
  #restart(count: number, timestamp: number): void {
    if (count >= this.#blockEnd) {
      const block = Math.floor(count / 36);
      this.#block = block === 0 ? "" : block.toString(36);
      this.#blockEnd = (block + 1) * 36;
    }
    this.#time = timestamp;
    const id = this.#head + this.#block;
    this.#digitAt = Buffer.byteLength(id, "utf8");
    this.#start = Buffer.from(`${id}0\n${timestamp}\n`, "utf8");
  }
}
