import type { PublishOptions, RequestOptions } from "../bus/Bus.js";
import { ENVELOPE } from "./envelope.js";
import type { PayloadCodec } from "./PayloadCodec.js";
import { jsonCodec, jsonText } from "./PayloadCodec.js";
import { REPLY_PROTOCOL_STATUS } from "./WireMetadata.js";

/** The metadata line of a request: the requester reads the bus's reply statuses. */
const REPLY_LINE = `r${REPLY_PROTOCOL_STATUS}\n`;

/** The base-36 digits as one-character strings: the last digit of a message id. */
const DIGITS: readonly string[] = Array.from({ length: 36 }, (_, digit) => digit.toString(36));

/** Mark and version: both below 0x80, so each is one character and one UTF-8 byte. */
const START = String.fromCharCode(ENVELOPE.mark, ENVELOPE.version);

/**
 * Writes a bus's outgoing messages as envelopes (see {@link ENVELOPE}):
 * metadata lines, then the payload. With the JSON codec the whole envelope is
 * one string around the payload's JSON, encoded once with `Buffer.from`
 * (pooled, native); with another codec the metadata and the codec's bytes are
 * copied into one buffer. Options must have passed `wireOptionsError`.
 */
export class EnvelopeWriter {
  readonly #idPrefix: string;
  readonly #codec: PayloadCodec;
  readonly #json: boolean;
  /** Mark, version and the id prefix: every envelope of this writer starts with it. */
  readonly #head: string;
  #count = 0;
  /**
   * The head and the counter's text but its last digit, for the 36 counts
   * from `#blockOf × 36` on: an id then costs a table lookup, not a
   * number-to-text conversion.
   */
  #block: string;
  #blockOf = 0;
  /** The last timestamp written, and its line with the line breaks around it: messages of the same millisecond reuse them (number-to-text costs ~100 ns). */
  #time = Number.NaN;
  #timeLine = "";
  /** The same with the empty line that ends the metadata of a message without options. */
  #timeEnd = "";

  /**
   * @param idPrefix - unique to the bus (a NUID): message ids are `<idPrefix>.<counter in base 36>`
   * @param codec - encodes the payloads
   */
  constructor(idPrefix: string, codec: PayloadCodec) {
    this.#idPrefix = `${idPrefix}.`;
    this.#codec = codec;
    this.#json = codec === jsonCodec;
    this.#head = START + this.#idPrefix;
    this.#block = this.#head;
  }

  /** The next message id, for a message that did not carry one (not sent by a bus). */
  nextId(): string {
    return this.#idPrefix + (this.#count++).toString(36);
  }

  /**
   * The envelope of the next outgoing message, stamped with `timestamp`.
   *
   * @param request - whether the message is a request: its envelope then says that the requester reads the bus's reply statuses (`rstatus`)
   * @throws what the codec throws for a payload it cannot carry (nothing is consumed then but an id)
   */
  write(payload: unknown, timestamp: number, options: PublishOptions | RequestOptions | undefined, request = false): Uint8Array {
    if (timestamp !== this.#time) {
      this.#time = timestamp;
      this.#timeLine = `\n${timestamp}\n`;
      this.#timeEnd = `${this.#timeLine}\n`;
    }
    // one string, one encoding call: a call into Node's encoder costs more than the copy it saves
    if (this.#json && !request && options === undefined) return Buffer.from(this.#nextIdLine() + this.#timeEnd + jsonText(payload), "utf8");
    let meta = this.#nextIdLine() + this.#timeLine;
    if (request) meta += REPLY_LINE;
    if (options !== undefined) {
      const source = options.source;
      if (source !== undefined) meta += `s${source}\n`;
      const own = options.headers;
      if (own !== undefined) {
        for (const key in own) meta += `h${key}:${own[key] as string}\n`;
      }
    }
    if (this.#json) return Buffer.from(`${meta}\n${jsonText(payload)}`, "utf8");
    const body = this.#codec.encode(payload);
    meta += "\n";
    const length = Buffer.byteLength(meta, "utf8");
    const bytes = Buffer.allocUnsafe(length + body.length);
    bytes.write(meta, 0, "utf8");
    bytes.set(body, length);
    return bytes;
  }

  /** Mark, version and the next message id (no line break): the envelope's first line but its LF. */
  #nextIdLine(): string {
    const count = this.#count++;
    const block = Math.floor(count / 36);
    if (block !== this.#blockOf) {
      this.#blockOf = block;
      this.#block = this.#head + block.toString(36);
    }
    return this.#block + (DIGITS[count - block * 36] as string);
  }
}
