import { markExpectsReply } from "../bus/expectsReply.js";
import type { Msg, NatsConnection, Subscription as NatsSubscription } from "@nats-io/transport-node";
import type { Message } from "../bus/Bus.js";
import type { DeliveryCore } from "../bus/delivery/DeliveryCore.js";
import type { Subscriber } from "../bus/delivery/Subscriber.js";
import { BusError } from "../errors/BusError.js";
import { describeThrown } from "../errors/describeThrown.js";
import { isEnvelope, readEnvelope } from "../wire/envelope.js";
import type { PayloadCodec } from "../wire/PayloadCodec.js";
import { NatsError } from "./NatsError.js";
import { Responder } from "./Responder.js";
import type { WireMessage } from "./wireHeaders.js";
import { readEnvelopeWire, readWire } from "./wireHeaders.js";

/** Where one NATS subscription's messages enter the delivery core. */
export interface Inlet {
  /** The subscription in the core. */
  readonly sub: Subscriber;
  /** Whether the pattern has no wildcard (its topic is the pattern itself). */
  readonly exact: boolean;
  readonly nats: NatsSubscription;
  /** False once unsubscribed or closed: what the server still sends is ignored. */
  receiving: boolean;
}

/** What a {@link Receiver} works with. */
export interface ReceiverInit {
  readonly connection: NatsConnection;
  readonly core: DeliveryCore;
  readonly codec: PayloadCodec;
  /** The receipt time of a message that arrives without a timestamp. */
  readonly clock: { now(): number };
  /** The subject prefix with its dot (`""` for none). */
  readonly prefix: string;
  /** Gives an id to a message that arrives without one. */
  readonly ids: { nextId(): string };
}

/**
 * The NATS bus's receiving side: subscribes on the server for a subscription
 * and turns what arrives (an envelope, or a payload with NATS headers, or a
 * plain NATS client's payload) into a {@link Message} for the delivery core,
 * which calls an idle subscription's handler at once and queues the message
 * otherwise; a request's delivery gets the waiter that answers it (see {@link Responder}).
 */
export class Receiver {
  readonly #connection: NatsConnection;
  readonly #core: DeliveryCore;
  readonly #codec: PayloadCodec;
  readonly #clock: { now(): number };
  readonly #prefix: string;
  readonly #ids: { nextId(): string };
  readonly #responder: Responder;
  /** The metadata of the envelope being received: filled afresh for each one and read before the next arrives. */
  readonly #envelopeMeta: WireMessage = { id: undefined, timestamp: undefined, source: undefined, headers: undefined, reply: "", replyStatus: false };

  constructor(init: ReceiverInit) {
    this.#connection = init.connection;
    this.#core = init.core;
    this.#codec = init.codec;
    this.#clock = init.clock;
    this.#prefix = init.prefix;
    this.#ids = init.ids;
    this.#responder = new Responder(init.connection, init.codec);
  }

  /**
   * Subscribe on the server for `sub`.
   *
   * @throws NatsError `DISCONNECTED` when the connection refuses the subscription
   */
  open(sub: Subscriber): Inlet {
    const queue = sub.queue;
    const exact = !sub.tokens.some((token) => token === "*" || token === ">");
    let inlet: Inlet | undefined;
    try {
      const nats = this.#connection.subscribe(this.#prefix + sub.pattern, {
        ...(queue === undefined ? {} : { queue }),
        callback: (error, msg) => {
          if (inlet === undefined || !inlet.receiving) return;
          if (error === null) this.#arrive(inlet, msg);
          else this.#core.failures.report(sub, `the NATS subscription for ${JSON.stringify(sub.pattern)} failed (it receives nothing more)`, error);
        },
      });
      inlet = { sub, exact, nats, receiving: true };
      return inlet;
    } catch (error) {
      throw new NatsError("DISCONNECTED", `Cannot subscribe on ${JSON.stringify(sub.pattern)}: the NATS connection refused it (${describeThrown(error)})`, { cause: error });
    }
  }

  /** A message arrived for `inlet`: decode it and queue it for the subscription (a request: with its answer). */
  #arrive(inlet: Inlet, msg: Msg): void {
    const sub = inlet.sub;
    const topic = inlet.exact ? sub.pattern : msg.subject.slice(this.#prefix.length);
    const data = msg.data;
    const envelope = isEnvelope(data);
    const meta = envelope ? readEnvelopeWire(msg, this.#envelopeMeta) : readWire(msg);
    let payload: unknown;
    let failure: BusError | undefined;
    try {
      payload = envelope ? readEnvelope(data, this.#codec, meta) : this.#codec.decode(data);
    } catch (cause) {
      failure = new BusError("PAYLOAD_INVALID", `A message on ${JSON.stringify(topic)} for the subscription ${JSON.stringify(sub.pattern)} could not be decoded and was dropped: ${describeThrown(cause)}`, { topic, cause });
      payload = data;
    }
    const message: { -readonly [K in keyof Message]: Message[K] } = {
      id: meta.id ?? this.#ids.nextId(),
      topic,
      payload,
      timestamp: meta.timestamp ?? this.#clock.now(),
    };
    if (meta.source !== undefined) message.source = meta.source;
    if (meta.headers !== undefined) message.headers = meta.headers;
    // a request: statuses go only to a requester that reads them (a bus); a plain NATS requester gets the reply alone
    if (meta.reply !== "") {
      markExpectsReply(message);
      this.#core.expectReplies(message, this.#responder.answer(meta.reply, meta.replyStatus === true, topic));
    }
    // the client's callback is already asynchronous to the publisher: an idle subscription's handler runs now
    if (failure === undefined) this.#core.deliverNow(sub, message);
    else this.#core.undeliverable(sub, message, failure, `could not decode message ${message.id} (${topic}) for the bus subscription ${JSON.stringify(sub.pattern)}`);
  }
}
