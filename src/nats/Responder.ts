import type { MsgHdrs, NatsConnection } from "@nats-io/transport-node";
import type { ReplyWaiter } from "../bus/delivery/ReplyWaiter.js";
import { BusError } from "../errors/BusError.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { PayloadCodec } from "../wire/PayloadCodec.js";
import { REPLY_STATUS, statusHeaders } from "./wireHeaders.js";

const EMPTY = new Uint8Array(0);

/**
 * The responder's side of the bus's request/reply over NATS. For each request
 * a subscription receives it gives the delivery core a {@link ReplyWaiter}
 * that answers the requester once the handler call settles: the reply, encoded
 * by the codec, to bus and plain NATS requesters alike; or, to a requester
 * that reads the bus's reply statuses, `no-reply` when the call settled
 * without one (a plain NATS requester hears nothing then, as from a plain
 * NATS responder).
 */
export class Responder {
  readonly #connection: NatsConnection;
  readonly #codec: PayloadCodec;
  readonly #accepted = statusHeaders(REPLY_STATUS.accepted);
  readonly #declined = statusHeaders(REPLY_STATUS.noReply);

  constructor(connection: NatsConnection, codec: PayloadCodec) {
    this.#connection = connection;
    this.#codec = codec;
  }

  /**
   * A subscription received a request on `topic` whose reply subject is
   * `subject`: a requester that reads statuses (`status`) is told at once that
   * it was accepted; the waiter answers when the delivery settles.
   */
  answer(subject: string, status: boolean, topic: string): ReplyWaiter {
    if (status) this.#status(subject, this.#accepted);
    return {
      settle: (value: unknown): boolean => {
        if (value === undefined) this.#decline(subject, status);
        else this.#respond(subject, status, topic, value);
        return true;
      },
    };
  }

  /**
   * Send `value` as the reply: the codec's bytes alone.
   *
   * @throws BusError `PAYLOAD_INVALID` when it cannot be encoded or sent (the requester is told `no-reply`)
   */
  #respond(subject: string, status: boolean, topic: string, value: unknown): void {
    let data: Uint8Array;
    try {
      data = this.#codec.encode(value);
    } catch (cause) {
      this.#decline(subject, status);
      throw new BusError("PAYLOAD_INVALID", `The reply to a request on ${JSON.stringify(topic)} cannot be encoded: ${describeThrown(cause)}`, { topic, cause });
    }
    try {
      this.#connection.publish(subject, data);
    } catch (error) {
      if (this.#connection.isClosed()) return; // the requester times out: at-most-once
      this.#decline(subject, status);
      throw new BusError("PAYLOAD_INVALID", `The reply to a request on ${JSON.stringify(topic)} was refused by the NATS client: ${describeThrown(error)}`, { topic, cause: error });
    }
  }

  /** The subscription settles a request without replying: a status-reading requester is told (`no-reply`). */
  #decline(subject: string, status: boolean): void {
    if (status) this.#status(subject, this.#declined);
  }

  /** Send a reply-status message; a closed connection loses it (the requester times out). */
  #status(subject: string, headers: MsgHdrs): void {
    try {
      this.#connection.publish(subject, EMPTY, { headers });
    } catch {
      // connection closed: nothing to tell anyone
    }
  }
}
