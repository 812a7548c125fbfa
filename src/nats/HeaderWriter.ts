import { MsgHdrsImpl } from "@nats-io/transport-node";
import type { PublishOptions, RequestOptions } from "../bus/Bus.js";
import { REPLY_PROTOCOL_STATUS } from "../wire/WireMetadata.js";
import { WIRE_HEADERS } from "./wireHeaders.js";

const EMPTY = new Uint8Array(0);

/**
 * Headers whose wire form is already built. The NATS client's `publish` only
 * calls `encode()` on the headers it is given; the map the other methods read
 * holds the same names and values, so the object stays a faithful `MsgHdrs`.
 */
class EncodedHeaders extends MsgHdrsImpl {
  bytes: Uint8Array = EMPTY;

  override encode(): Uint8Array {
    return this.bytes;
  }
}

/**
 * Writes the headers of a bus's outgoing messages: `Ao-Id` (the bus's id
 * prefix and a counter), `Ao-Time`, `Ao-Source`, `Ao-Reply` on requests and
 * the publisher's own headers. The block is built as one string and encoded with `Buffer.from`
 * (pooled, native): a fraction of what the client's header encoding costs,
 * which checks and re-formats every name and value on each message. Options
 * must have passed `publishOptionsError` and `wireOptionsError`.
 */
export class HeaderWriter {
  readonly #idPrefix: string;
  /** `NATS/1.0\r\nAo-Id: <idPrefix>.` */
  readonly #head: string;
  #count = 0;

  /** @param idPrefix - unique to the bus (a NUID): message ids are `<idPrefix>.<counter in base 36>` */
  constructor(idPrefix: string) {
    this.#idPrefix = `${idPrefix}.`;
    this.#head = `NATS/1.0\r\n${WIRE_HEADERS.id}: ${this.#idPrefix}`;
  }

  /** The next message id, for a message that did not carry one (not sent by a bus). */
  nextId(): string {
    return this.#idPrefix + (this.#count++).toString(36);
  }

  /**
   * Headers for the next outgoing message, stamped with `timestamp`.
   *
   * @param request - whether the message is a request: it then carries `Ao-Reply: status` (the requester reads the bus's reply statuses)
   */
  write(timestamp: number, options: PublishOptions | RequestOptions | undefined, request = false): MsgHdrsImpl {
    const headers = new EncodedHeaders();
    const map = headers.headers;
    const counter = (this.#count++).toString(36);
    const time = String(timestamp);
    map.set(WIRE_HEADERS.id, [this.#idPrefix + counter]);
    map.set(WIRE_HEADERS.time, [time]);
    let text = `${this.#head}${counter}\r\n${WIRE_HEADERS.time}: ${time}\r\n`;
    if (request) {
      map.set(WIRE_HEADERS.reply, [REPLY_PROTOCOL_STATUS]);
      text += `${WIRE_HEADERS.reply}: ${REPLY_PROTOCOL_STATUS}\r\n`;
    }
    if (options !== undefined) {
      const source = options.source;
      if (source !== undefined) {
        map.set(WIRE_HEADERS.source, [source]);
        text += `${WIRE_HEADERS.source}: ${source}\r\n`;
      }
      const own = options.headers;
      if (own !== undefined) {
        for (const key in own) {
          const value = own[key] as string;
          map.set(key, [value]);
          text += `${key}: ${value}\r\n`;
        }
      }
    }
    headers.bytes = Buffer.from(`${text}\r\n`, "utf8");
    return headers;
  }
}
