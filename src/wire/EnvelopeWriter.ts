import type { PublishOptions, RequestOptions } from "../bus/Bus.js";
import { ENVELOPE } from "./envelope.js";
import type { PayloadCodec } from "./PayloadCodec.js";
import { jsonCodec, jsonText } from "./PayloadCodec.js";
import { REPLY_PROTOCOL_STATUS } from "./WireMetadata.js";

/** The metadata line of a request: the requester reads the bus's reply statuses. */
const REPLY_LINE = `r${REPLY_PROTOCOL_STATUS}\n`;

/** Mark and version: both below 0x80, so each is one character and one UTF-8 byte. */
const START = String.fromCharCode(ENVELOPE.mark, ENVELOPE.version);

/**
 * Writes a bus's outgoing messages as envelopes (see {@link ENVELOPE}):
 * metadata lines, then the payload. With the JSON codec the whole envelope is
 * one string around the payload's JSON, encoded once with `Buffer.from`
 * (pooled, native); with another codec the metadata and the codec's bytes are
 * copied into one buffer. Options must have passed `publishOptionsError` and `wireOptionsError`.
 */
export class EnvelopeWriter {
  readonly #idPrefix: string;
  readonly #codec: PayloadCodec;
  readonly #json: boolean;
  /** Mark, version and the id prefix: every envelope of this writer starts with it. */
  readonly #head: string;
  #count = 0;
  /** The last timestamp written and its text: messages of the same millisecond reuse it (number-to-text costs ~100 ns). */
  #time = Number.NaN;
  #timeText = "";

  /**
   * @param idPrefix - unique to the bus (a NUID): message ids are `<idPrefix>.<counter in base 36>`
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
   * @throws what the codec throws for a payload it cannot carry (nothing is consumed then but an id)
   */
  write(payload: unknown, timestamp: number, options: PublishOptions | RequestOptions | undefined, request = false): Uint8Array {
    if (timestamp !== this.#time) {
      this.#time = timestamp;
      this.#timeText = String(timestamp);
    }
    let meta = `${this.#head}${(this.#count++).toString(36)}\n${this.#timeText}\n`;
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
}
