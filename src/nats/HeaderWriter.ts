import { headers as natsHeaders, type MsgHdrs } from "@nats-io/transport-node";
import type { PublishOptions, RequestOptions } from "../bus/Bus.js";
import { REPLY_PROTOCOL_STATUS } from "../wire/WireMetadata.js";
import { WIRE_HEADERS } from "./wireHeaders.js";

/**
 * Writes the headers of a bus's outgoing messages: `Ao-Id` (the bus's id
 * prefix and a counter), `Ao-Time`, `Ao-Source`, `Ao-Reply` on requests and
 * the publisher's own headers, through the client's public header API
 * (`headers()`, `set()`), so that a release of the client cannot change how
 * they are encoded behind our back. Options must have passed
 * `wireOptionsError`.
 */
export class HeaderWriter {
  readonly #idPrefix: string;
  #count = 0;
  /** The last timestamp written and its text: messages of the same millisecond reuse it. */
  #time = Number.NaN;
  #timeText = "";

  /** @param idPrefix - unique to the bus (12 random base64url characters): message ids are `<idPrefix>.<counter in base 36>` */
  constructor(idPrefix: string) {
    this.#idPrefix = `${idPrefix}.`;
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
  write(timestamp: number, options: PublishOptions | RequestOptions | undefined, request = false): MsgHdrs {
    const headers = natsHeaders();
    headers.set(WIRE_HEADERS.id, this.#idPrefix + (this.#count++).toString(36));
    if (timestamp !== this.#time) {
      this.#time = timestamp;
      this.#timeText = String(timestamp);
    }
    headers.set(WIRE_HEADERS.time, this.#timeText);
    if (request) headers.set(WIRE_HEADERS.reply, REPLY_PROTOCOL_STATUS);
    if (options !== undefined) {
      if (options.source !== undefined) headers.set(WIRE_HEADERS.source, options.source);
      const own = options.headers;
      if (own !== undefined) for (const key in own) headers.set(key, own[key] as string);
    }
    return headers;
  }
}
