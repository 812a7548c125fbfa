import type { NatsConnection } from "@nats-io/transport-node";
import { randomBytes } from "node:crypto";
import type { Bus, MessageHandler, QueueDepth, PayloadOf, PublishOptions, RequestOptions, SubscribeOptions, TopicMap } from "../bus/Bus.js";
import { subscriptionHandle } from "../bus/delivery/BusSubscription.js";
import { checkSubscription, requestSignal, requestTimeout } from "../bus/delivery/busOptions.js";
import { DeliveryCore } from "../bus/delivery/DeliveryCore.js";
import { busClosed, queueFull } from "../bus/delivery/deliveryErrors.js";
import { Subscriber } from "../bus/delivery/Subscriber.js";
import { TurnClock } from "../bus/delivery/TurnClock.js";
import { ASYNC_DISPOSE } from "../disposeSymbols.js";
import { MAX_TOPIC_LENGTH, checkTopicLength, topicMatches, validatePattern, validateTopic } from "../bus/topic.js";
import type { Clock } from "../clock.js";
import { BusError } from "../errors/BusError.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { BusConnectionStatus } from "../observe/ObservedSource.js";
import { BusTracing } from "../trace/BusTracing.js";
import { endWhenSettled } from "../trace/endWhenSettled.js";
import { EnvelopeWriter } from "../wire/EnvelopeWriter.js";
import type { PayloadCodec } from "../wire/PayloadCodec.js";
import { wireOptionsError } from "../wire/wireOptions.js";
import { ConnectionWatch } from "./ConnectionWatch.js";
import { HeaderWriter } from "./HeaderWriter.js";
import { NatsError } from "./NatsError.js";
import type { NatsBusOptions } from "./NatsBusOptions.js";
import { resolveNatsBusOptions } from "./NatsBusOptions.js";
import type { NatsBusStats } from "./NatsBusStats.js";
import type { NatsBusSubscription } from "./NatsBusSubscription.js";
import { ReplyInbox } from "./ReplyInbox.js";
import type { Inlet } from "./Receiver.js";
import { Receiver } from "./Receiver.js";
import { ServerConfirmations } from "./ServerConfirmations.js";

/** Topics whose subject is cached after validation (the cache is cleared when full). */
const SUBJECT_CACHE_SIZE = 10_000;

/**
 * A {@link Bus} over NATS (`@nats-io/transport-node`), with the in-process
 * bus's semantics wherever a network allows. Create one with `createNatsBus`.
 *
 * - Each subscription is a NATS subscription on `<prefix>.<pattern>` (NATS
 *   has the same `*` / `>` wildcards); `queue` is a NATS queue group, so a
 *   message reaches one member across every process of the group.
 * - What arrives is handed to the delivery core the in-process bus runs on
 *   (`DeliveryCore`): a bounded queue per subscription with its `concurrency`,
 *   `maxPending` and `overflow`, handler errors to the subscription's
 *   `onError`, else the bus's, else the console. This class is the transport:
 *   subjects, the wire format, server confirmations, request/reply over NATS.
 * - Payloads travel encoded by the codec (JSON by default). The message id,
 *   timestamp, source and headers travel with the payload in one envelope
 *   (docs/cluster.md, "Wire format"), or with `wire: "headers"` in NATS headers (`Ao-Id`,
 *   `Ao-Time`, `Ao-Source`, and the publisher's own); a bus reads both, and
 *   gives a plain payload from another NATS client an id and its receipt time.
 * - `publish` resolves only once the server has processed the message (a
 *   PING/PONG round trip shared by every publish of the same turn). It rejects
 *   with `NatsError` `DISCONNECTED` while the connection is down (the message
 *   is not sent), and when the connection is lost before the round trip
 *   completes (the message may not have reached the server and is treated as
 *   lost: delivery is at-most-once across a disconnect). `stats().published`
 *   counts what was confirmed, `stats().lostOnDisconnect` what was lost so.
 * - `request` is NATS request/reply: the first reply wins, `NO_RESPONDERS`
 *   comes from the server's no-responders status, `NO_REPLY` once every
 *   responding subscription has settled without replying (see
 *   {@link NatsBusOptions.noReplyGraceMs}), `REQUEST_TIMEOUT` on the bus's clock,
 *   `REQUEST_ABORTED` when its `signal` aborts (its reply inbox entry is forgotten at once).
 *   A plain NATS requester (`nc.request()`) gets the handler's reply, encoded
 *   by the codec, and nothing else: the status messages behind `NO_REPLY` go
 *   only to requesters that ask for them, as bus requests do.
 * - Topics, prefix included, and queue group names are at most 1,024
 *   characters (`INVALID_TOPIC` / `INVALID_OPTION`): longer ones would make
 *   the server drop the connection.
 * - `flush()` covers what this process published to this process's
 *   subscriptions; other processes' subscribers are theirs to flush.
 *
 * See `docs/cluster.md` for the differences from the in-process bus in detail.
 *
 * @typeParam Topics - optional map of known topics to payload types
 * @example
 * ```ts
 * const bus = await createNatsBus({ servers: "nats://127.0.0.1:4222" }, { prefix: "prod" });
 * bus.subscribe("orders.*", (message) => console.log(message.topic, message.payload), { queue: "order-book" });
 * const quote = await bus.request("quotes.AAPL", { size: 100 }, { timeoutMs: 2_000 });
 * bus.connection(); // { connected: true, reconnects: 0, required: true }
 * ```
 */
export class NatsBus<Topics extends TopicMap = TopicMap> implements Bus<Topics> {
  /** The NATS connection the bus runs on (share it with `createNatsCoordinator({ connection })`). */
  readonly natsConnection: NatsConnection;
  readonly #owned: boolean;
  readonly #codec: PayloadCodec;
  readonly #clock: Clock;
  /** Message timestamps: the clock read once per turn, or per message (`timestamps` option). */
  readonly #turn: TurnClock;
  readonly #required: boolean;
  readonly #prefix: string;
  readonly #core: DeliveryCore;
  readonly #watch: ConnectionWatch;
  readonly #inbox: ReplyInbox;
  readonly #receiver: Receiver;
  /** Confirms publishes and requests with server round trips; counts what was confirmed and what was lost. */
  readonly #confirmations: ServerConfirmations;
  readonly #inlets = new Set<Inlet>();
  /** Inlets whose subscription refuses messages when full (`overflow: 'error'`), checked before each publish. */
  readonly #refusing = new Set<Inlet>();
  readonly #subjects = new Map<string, string>();
  /** Writes envelopes (`wire: "envelope"`). */
  readonly #envelopes: EnvelopeWriter;
  /** Writes the NATS headers of outgoing messages with `wire: "headers"`; `undefined` with envelopes. */
  readonly #headerWriter: HeaderWriter | undefined;
  /** Spans of publishes, requests and handler calls while a tracer provider is registered; `undefined` with `tracing: false`. */
  readonly #tracing: BusTracing | undefined;
  #nextSubscriberId = 0;
  #closing: Promise<void> | undefined;
  #closed = false;

  /**
   * @param connection - the NATS connection
   * @param owned - whether `close()` closes the connection too
   * @param options - see {@link NatsBusOptions}
   * @throws BusError `INVALID_OPTION` for a bad option
   */
  constructor(connection: NatsConnection, owned: boolean, options: NatsBusOptions = {}) {
    const checked = resolveNatsBusOptions(options);
    this.natsConnection = connection;
    this.#owned = owned;
    this.#codec = checked.codec;
    this.#clock = checked.clock;
    this.#required = checked.requireConnection;
    this.#prefix = checked.prefix === undefined ? "" : `${checked.prefix}.`;
    this.#turn = new TurnClock(checked.clock, checked.timestamps);
    this.#tracing = checked.tracing ? new BusTracing("nats") : undefined;
    this.#core = new DeliveryCore(checked, this.#turn, this.#tracing);
    // message ids are `<busId>.<counter>`: 72 random bits (12 characters) keep buses apart at a third of a NUID's bytes on every message
    const busId = randomBytes(9).toString("base64url");
    this.#envelopes = new EnvelopeWriter(busId, checked.codec);
    this.#headerWriter = checked.wire === "headers" ? new HeaderWriter(busId) : undefined;
    this.#receiver = new Receiver({
      connection,
      core: this.#core,
      codec: checked.codec,
      clock: this.#turn,
      prefix: this.#prefix,
      // the writer in use numbers the received messages that came without an id too, from the same counter
      ids: this.#headerWriter ?? this.#envelopes,
    });
    this.#inbox = new ReplyInbox({
      connection,
      clock: this.#clock,
      graceMs: checked.noReplyGraceMs,
      inboxPrefix: checked.inboxPrefix,
      decode: (bytes) => this.#codec.decode(bytes),
    });
    this.#confirmations = new ServerConfirmations(connection, (reply, cause) => this.#inbox.lose(reply, cause));
    // a dropped connection loses what it had not confirmed: those publishes reject at once, not at the next dial
    this.#watch = new ConnectionWatch(connection, () => this.#confirmations.connectionLost());
  }

  publish<Topic extends string>(topic: Topic, payload: PayloadOf<Topics, Topic>, options?: PublishOptions): Promise<void> {
    const tracing = this.#tracing;
    if (tracing === undefined || !tracing.now()) return this.#publish(topic, payload, options);
    const traced = tracing.send(topic, false, options);
    return endWhenSettled(traced.span, this.#publish(topic, payload, traced.options));
  }

  #publish(topic: string, payload: unknown, options: PublishOptions | undefined): Promise<void> {
    const refused = this.#refuse(topic, "publish", options);
    if (typeof refused !== "string") return Promise.reject(refused);
    const time = this.#turn.now();
    const data = this.#encode(topic, payload, "publish", options, time);
    if (data instanceof Error) return Promise.reject(data);
    // the turn's PING is queued before the client's write: it goes out with the messages
    this.#confirmations.open();
    try {
      const writer = this.#headerWriter;
      if (writer === undefined) this.natsConnection.publish(refused, data);
      else this.natsConnection.publish(refused, data, { headers: writer.write(time, options) });
    } catch (error) {
      return Promise.reject(this.#sendError(topic, "publish", error));
    }
    return this.#confirmations.publish(topic);
  }

  subscribe<Pattern extends string>(
    pattern: Pattern,
    handler: MessageHandler<PayloadOf<Topics, Pattern>>,
    options: SubscribeOptions = {},
  ): NatsBusSubscription {
    if (this.#closed) throw busClosed(pattern, "subscribe");
    const tokens = validatePattern(pattern);
    const checked = checkSubscription(pattern, handler, options);
    // the pattern travels after the prefix; pattern and queue group on the SUB line, which the server bounds
    checkTopicLength(pattern, "pattern", this.#prefix.length);
    const queue = checked.queue;
    if (queue !== undefined && queue.length > MAX_TOPIC_LENGTH) {
      throw new BusError(
        "INVALID_OPTION",
        `subscribe(${JSON.stringify(pattern)}): expected \`queue\` to be at most ${MAX_TOPIC_LENGTH} characters (a queue group name travels on a NATS protocol line, whose length the server limits), got a ${queue.length}-character name`,
        { topic: pattern },
      );
    }
    const sub = new Subscriber({ id: this.#nextSubscriberId++, pattern, tokens, ...checked });
    const inlet = this.#receiver.open(sub);
    this.#inlets.add(inlet);
    if (sub.refusesWhenFull) this.#refusing.add(inlet);
    this.#core.add(sub);
    return subscriptionHandle(sub, () => this.#unsubscribe(inlet));
  }

  request<Topic extends string>(topic: Topic, payload: PayloadOf<Topics, Topic>, options: RequestOptions = {}): Promise<unknown> {
    const tracing = this.#tracing;
    if (tracing === undefined || !tracing.now()) return this.#request(topic, payload, options);
    const traced = tracing.send(topic, true, options);
    return endWhenSettled(traced.span, this.#request(topic, payload, traced.options ?? options));
  }

  #request(topic: string, payload: unknown, options: RequestOptions): Promise<unknown> {
    const refused = this.#refuse(topic, "request", options);
    if (typeof refused !== "string") return Promise.reject(refused);
    const timeoutMs = requestTimeout(options.timeoutMs, topic);
    if (timeoutMs instanceof BusError) return Promise.reject(timeoutMs);
    // a signal aborted already rejects here: nothing is sent
    const signal = requestSignal(options.signal, topic);
    if (signal instanceof BusError) return Promise.reject(signal);
    // a request is stamped with the exact time its timeout starts from
    const time = this.#turn.exact();
    const data = this.#encode(topic, payload, "request", options, time);
    if (data instanceof Error) return Promise.reject(data);
    let opened: ReturnType<ReplyInbox["open"]>;
    try {
      opened = this.#inbox.open(topic, timeoutMs, signal);
    } catch (error) {
      return Promise.reject(this.#sendError(topic, "request", error));
    }
    const { reply, result } = opened;
    this.#confirmations.open();
    try {
      const writer = this.#headerWriter;
      // the request says it reads the bus's reply statuses (`Ao-Reply: status`, or `rstatus` in the envelope)
      this.natsConnection.publish(refused, data, writer === undefined ? { reply } : { reply, headers: writer.write(time, options, true) });
    } catch (error) {
      this.#inbox.fail(reply, this.#sendError(topic, "request", error));
      return result;
    }
    this.#confirmations.request(reply);
    return result;
  }

  async flush(): Promise<void> {
    if (this.#watch.connected) {
      try {
        await this.natsConnection.flush();
      } catch {
        // the connection dropped meanwhile: what was not delivered is lost (at-most-once)
      }
    }
    await this.#core.flush();
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /**
   * {@link NatsBus.close}, for `await using bus = await createNatsBus(...)`:
   * the same promise, idempotent with `close()`.
   */
  [ASYNC_DISPOSE](): Promise<void> {
    return this.close();
  }

  /** The subscriptions with the most messages waiting, deepest first (see {@link Bus.queues}). */
  queues(limit: number): QueueDepth[] {
    return this.#core.queues(limit);
  }

  /**
   * The bus's counters. `published` counts the messages (publishes and
   * requests) the server confirmed: a publish that resolved. `lostOnDisconnect`
   * counts those sent while the connection was up but lost with it before the
   * server confirmed them (their publish rejected with `DISCONNECTED`).
   */
  stats(): NatsBusStats {
    return { published: this.#confirmations.confirmed, ...this.#core.stats(), lostOnDisconnect: this.#confirmations.lost };
  }

  /** The connection's state, for health and metrics: health fails while it is down when `required`. */
  connection(): BusConnectionStatus {
    return { connected: this.#watch.connected, reconnects: this.#watch.reconnects, required: this.#required };
  }

  // ---- publishing ----

  /** The subject for `topic`, or the error that refuses the operation. */
  #refuse(topic: string, operation: "publish" | "request", options: PublishOptions | undefined): string | Error {
    if (this.#closed) return busClosed(topic, operation);
    let subject = this.#subjects.get(topic);
    if (subject === undefined) {
      try {
        validateTopic(topic);
        // the subject is the prefix and the topic: the limit counts both
        checkTopicLength(topic, "topic", this.#prefix.length);
      } catch (error) {
        return error as BusError;
      }
      if (this.#subjects.size >= SUBJECT_CACHE_SIZE) this.#subjects.clear();
      subject = this.#prefix + topic;
      this.#subjects.set(topic, subject);
    }
    if (options !== undefined) {
      // one pass over the headers: their types and what the wire can carry
      const invalid = wireOptionsError(options, operation);
      if (invalid !== undefined) return invalid;
    }
    if (this.#refusing.size > 0) {
      const full = this.#findFull(topic);
      if (full !== undefined) return queueFull(topic, full);
    }
    if (!this.#watch.connected) {
      return new NatsError("DISCONNECTED", `Cannot ${operation} on ${JSON.stringify(topic)}: the NATS connection is down (reconnecting or closed); the message was not sent`);
    }
    return subject;
  }

  /** The message's bytes: its envelope, or with `wire: "headers"` the encoded payload alone. */
  #encode(topic: string, payload: unknown, operation: "publish" | "request", options: PublishOptions | undefined, time: number): Uint8Array | BusError {
    try {
      return this.#headerWriter === undefined ? this.#envelopes.write(payload, time, options, operation === "request") : this.#codec.encode(payload);
    } catch (cause) {
      return new BusError("PAYLOAD_INVALID", `Cannot ${operation} on ${JSON.stringify(topic)}: the payload cannot be encoded: ${describeThrown(cause)}`, { topic, cause });
    }
  }

  #sendError(topic: string, operation: "publish" | "request", error: unknown): Error {
    if (this.natsConnection.isClosed() || this.natsConnection.isDraining()) {
      return new NatsError("DISCONNECTED", `Cannot ${operation} on ${JSON.stringify(topic)}: the NATS connection is closed`, { cause: error });
    }
    return new BusError("PAYLOAD_INVALID", `Cannot ${operation} on ${JSON.stringify(topic)}: the NATS client refused the message: ${describeThrown(error)}`, { topic, cause: error });
  }

  /** A local subscription outside queue groups that refuses when full, matches `topic` and is full. */
  #findFull(topic: string): Subscriber | undefined {
    for (const { sub } of this.#refusing) {
      if (sub.queue === undefined && sub.full && topicMatches(sub.pattern, topic)) return sub;
    }
    return undefined;
  }

  // ---- unsubscribe, close ----

  #unsubscribe(inlet: Inlet): void {
    if (inlet.sub.detached) return;
    inlet.receiving = false;
    this.#inlets.delete(inlet);
    this.#refusing.delete(inlet);
    try {
      inlet.nats.unsubscribe();
    } catch {
      // the connection is closed: the server has forgotten the subscription already
    }
    this.#core.detach(inlet.sub);
  }

  async #shutdown(): Promise<void> {
    await this.flush();
    this.#closed = true;
    const inlets = [...this.#inlets];
    if (this.#watch.connected) {
      // stop the server's deliveries; what it sent before is still queued locally
      await Promise.allSettled(inlets.map((inlet) => inlet.nats.drain()));
    } else {
      for (const inlet of inlets) {
        try {
          inlet.nats.unsubscribe();
        } catch {
          // closed connection
        }
      }
    }
    for (const inlet of inlets) inlet.receiving = false;
    this.#inbox.close();
    await this.#core.flush();
    this.#core.dropEverything();
    // every subscription ends with the bus: `active` turns false, as after unsubscribe()
    for (const inlet of inlets) this.#core.detach(inlet.sub, "closed");
    this.#watch.stop();
    if (!this.#owned || this.natsConnection.isClosed()) return;
    try {
      if (this.#watch.connected) await this.natsConnection.drain();
      else await this.natsConnection.close();
    } catch {
      // already closing
    }
  }
}
