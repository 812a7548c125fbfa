import type { Msg, MsgHdrs, NatsConnection, Subscription as NatsSubscription } from "@nats-io/transport-node";
import { nuid } from "@nats-io/transport-node";
import type {
  Bus,
  BusStats,
  DropReason,
  Message,
  MessageHandler,
  PayloadOf,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  TopicMap,
} from "../bus/Bus.js";
import { DEFAULT_MAX_PENDING, DEFAULT_REQUEST_TIMEOUT_MS, InProcessBus } from "../bus/InProcessBus.js";
import type { BusSubscription } from "../bus/InProcessBus.js";
import { describeValue } from "../bus/describeValue.js";
import { MAX_TOPIC_LENGTH, checkTopicLength, topicMatches, validateTopic } from "../bus/topic.js";
import type { Clock } from "../clock.js";
import { BusError } from "../errors/BusError.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { BusConnectionStatus } from "../observe/ObservedSource.js";
import { ConnectionWatch } from "./ConnectionWatch.js";
import { isEnvelope, readEnvelope } from "./envelope.js";
import { EnvelopeWriter } from "./EnvelopeWriter.js";
import { HeaderWriter } from "./HeaderWriter.js";
import { NatsError } from "./NatsError.js";
import type { NatsBusOptions } from "./NatsBusOptions.js";
import { resolveNatsBusOptions } from "./NatsBusOptions.js";
import type { PayloadCodec } from "./PayloadCodec.js";
import { ReplyInbox } from "./ReplyInbox.js";
import { ServerConfirmations } from "./ServerConfirmations.js";
import { REPLY_STATUS, checkWireOptions, readEnvelopeWire, readWire, statusHeaders } from "./wireHeaders.js";
import type { WireMessage } from "./wireHeaders.js";
import { writeToConsole } from "../errors/writeToConsole.js";

/** Topics whose subject is cached after validation (the cache is cleared when full). */
const SUBJECT_CACHE_SIZE = 10_000;
const EMPTY = new Uint8Array(0);

/**
 * The counters of a {@link NatsBus}: the bus counters, where `published`
 * counts only what the server confirmed, and one more.
 */
export interface NatsBusStats extends BusStats {
  /**
   * Messages (publishes and requests) sent while the connection was up whose
   * connection was lost before the server confirmed them: their `publish`
   * rejected with `NatsError` `DISCONNECTED` (a request likewise, unless it was
   * answered first). They may not have reached the server and are treated as
   * lost. Publishes refused at once because the connection was already down
   * are not counted: they were never sent.
   */
  lostOnDisconnect: number;
}

/** The handle {@link NatsBus.subscribe} returns. */
export interface NatsBusSubscription extends BusSubscription {
  /** Stop receiving: the NATS subscription is removed and pending messages are dropped and counted. Idempotent. */
  unsubscribe(): void;
}

/** Where a received request is answered. */
interface ReplyRoute {
  /** The request's reply subject. */
  readonly subject: string;
  /** Whether the requester reads the bus's reply statuses (`accepted` / `no-reply`); a plain NATS requester gets the reply only. */
  readonly status: boolean;
}

/** One subscription of the bus: its NATS subscription and the local queue that feeds its handler. */
interface Route {
  readonly pattern: string;
  readonly queue: string | undefined;
  /** Whether the pattern has no wildcard (its topic is the pattern itself). */
  readonly exact: boolean;
  /** `overflow: 'error'`: a full queue refuses messages. */
  readonly strict: boolean;
  readonly maxPending: number;
  readonly onError: ((error: unknown, message: Message) => void) | undefined;
  readonly local: BusSubscription;
  readonly nats: NatsSubscription;
  detached: boolean;
  /** Whether an unrouted error was already written to the console. */
  reported: boolean;
}

/**
 * A {@link Bus} over NATS (`@nats-io/transport-node`), with the in-process
 * bus's semantics wherever a network allows. Create one with `createNatsBus`.
 *
 * - Each subscription is a NATS subscription on `<prefix>.<pattern>` (NATS
 *   has the same `*` / `>` wildcards); `queue` is a NATS queue group, so a
 *   message reaches one member across every process of the group.
 * - Deliveries to a subscription go through a local bounded queue with the
 *   subscription's `concurrency`, `maxPending` and `overflow`, exactly as on
 *   the in-process bus (that queue *is* an in-process bus subscription); handler
 *   errors go to the subscription's `onError`, else the bus's, else the console.
 * - Payloads travel encoded by the codec (JSON by default). The message id,
 *   timestamp, source and headers travel with the payload in one envelope
 *   (see `ENVELOPE`), or with `wire: "headers"` in NATS headers (`Ao-Id`,
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
 *   {@link NatsBusOptions.noReplyGraceMs}), `REQUEST_TIMEOUT` on the bus's clock.
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
  readonly #onError: ((error: unknown, message: Message) => void) | undefined;
  readonly #onDrop: ((message: Message, reason: DropReason) => void) | undefined;
  readonly #required: boolean;
  readonly #prefix: string;
  readonly #watch: ConnectionWatch;
  readonly #inbox: ReplyInbox;
  /** Confirms publishes and requests with server round trips; counts what was confirmed and what was lost. */
  readonly #confirmations: ServerConfirmations;

  /** The subscriptions' local queues: one private topic per subscription. */
  readonly #local: InProcessBus;
  /** Checks subscribe arguments exactly as the in-process bus does; nothing is ever published on it. */
  readonly #validator = new InProcessBus();
  readonly #routes = new Set<Route>();
  /** Routes with `overflow: 'error'`, checked before each publish. */
  readonly #strict = new Set<Route>();
  readonly #subjects = new Map<string, string>();
  /** Received requests not yet handed to their handler → where to answer them. */
  readonly #replyTo = new Map<Message, ReplyRoute>();
  readonly #accepted = statusHeaders(REPLY_STATUS.accepted);
  readonly #declined = statusHeaders(REPLY_STATUS.noReply);

  /** Writes envelopes (`wire: "envelope"`). */
  readonly #envelopes: EnvelopeWriter;
  /** Writes the NATS headers of outgoing messages with `wire: "headers"`; `undefined` with envelopes. */
  readonly #headerWriter: HeaderWriter | undefined;
  /** The writer in use: it numbers the received messages that came without an id too, from the same counter. */
  readonly #ids: { nextId(): string };
  #nextRoute = 0;

  /** Deliveries dropped before reaching a local queue: a full `overflow: 'error'` queue, an undecodable payload. */
  #droppedOnArrival = 0;
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
    this.#onError = checked.onError;
    this.#onDrop = checked.onDrop;
    this.#required = checked.requireConnection;
    this.#prefix = checked.prefix === undefined ? "" : `${checked.prefix}.`;
    const busId = nuid.next();
    this.#envelopes = new EnvelopeWriter(busId, checked.codec);
    this.#headerWriter = checked.wire === "headers" ? new HeaderWriter(busId) : undefined;
    this.#ids = this.#headerWriter ?? this.#envelopes;
    // the local queues' own messages only wrap the real one: their timestamp is never read, so it costs no clock read
    const localClock: Clock = { now: () => 0, setTimeout: (callback, ms) => this.#clock.setTimeout(callback, ms), clearTimeout: (handle) => this.#clock.clearTimeout(handle) };
    this.#local = new InProcessBus({ clock: localClock, onDrop: (local, reason) => this.#droppedLocally(local, reason) });
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
    const refused = this.#refuse(topic, "publish", options);
    if (typeof refused !== "string") return Promise.reject(refused);
    const data = this.#encode(topic, payload, "publish", options);
    if (data instanceof Error) return Promise.reject(data);
    try {
      const writer = this.#headerWriter;
      if (writer === undefined) this.natsConnection.publish(refused, data);
      else this.natsConnection.publish(refused, data, { headers: writer.write(this.#clock.now(), options) });
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
    if (this.#closed) throw new BusError("BUS_CLOSED", `Cannot subscribe on ${JSON.stringify(pattern)}: the bus is closed`, { topic: pattern });
    // the in-process bus's checks, with its messages: pattern, handler, options
    this.#validator.subscribe(pattern, handler as MessageHandler, options).unsubscribe();
    // the pattern travels after the prefix; pattern and queue group on the SUB line, which the server bounds
    checkTopicLength(pattern, "pattern", this.#prefix.length);
    const { queue, concurrency, maxPending = DEFAULT_MAX_PENDING, overflow, onError } = options;
    if (queue !== undefined && queue.length > MAX_TOPIC_LENGTH) {
      throw new BusError(
        "INVALID_OPTION",
        `subscribe(${JSON.stringify(pattern)}): expected \`queue\` to be at most ${MAX_TOPIC_LENGTH} characters (a queue group name travels on a NATS protocol line, whose length the server limits), got a ${queue.length}-character name`,
        { topic: pattern },
      );
    }
    const user = handler as MessageHandler;
    const deliver = (local: Message): unknown => {
      const message = local.payload as Message;
      if (this.#replyTo.size > 0) {
        const reply = this.#replyTo.get(message);
        if (reply !== undefined) {
          this.#replyTo.delete(message);
          return this.#answer(reply, message, user);
        }
      }
      return user(message);
    };
    const local = this.#local.subscribe(`s.${(this.#nextRoute++).toString(36)}`, deliver, {
      maxPending,
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(overflow === undefined ? {} : { overflow }),
      onError: (error, failed) => this.#routeError(route, error, failed.payload as Message, "a handler failed"),
    });
    let nats: NatsSubscription;
    try {
      nats = this.natsConnection.subscribe(this.#prefix + pattern, {
        ...(queue === undefined ? {} : { queue }),
        callback: (error, msg) => {
          if (error === null) this.#arrive(route, msg);
          else this.#subscriptionFailed(route, error);
        },
      });
    } catch (error) {
      local.unsubscribe();
      throw new NatsError("DISCONNECTED", `Cannot subscribe on ${JSON.stringify(pattern)}: the NATS connection refused it (${describeThrown(error)})`, { cause: error });
    }
    const route: Route = {
      pattern,
      queue,
      exact: !pattern.split(".").some((token) => token === "*" || token === ">"),
      strict: overflow === "error",
      maxPending,
      onError,
      local,
      nats,
      detached: false,
      reported: false,
    };
    this.#routes.add(route);
    if (route.strict) this.#strict.add(route);
    return {
      pattern,
      queue,
      get pending() {
        return route.local.pending;
      },
      get active() {
        return !route.detached;
      },
      unsubscribe: (): void => this.#unsubscribe(route),
    };
  }

  request<Topic extends string>(topic: Topic, payload: PayloadOf<Topics, Topic>, options: RequestOptions = {}): Promise<unknown> {
    const refused = this.#refuse(topic, "request", options);
    if (typeof refused !== "string") return Promise.reject(refused);
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      return Promise.reject(new BusError("INVALID_OPTION", `request: expected \`timeoutMs\` to be a positive finite number of milliseconds, got ${describeValue(timeoutMs)}`, { topic }));
    }
    const data = this.#encode(topic, payload, "request", options);
    if (data instanceof Error) return Promise.reject(data);
    let opened: ReturnType<ReplyInbox["open"]>;
    try {
      opened = this.#inbox.open(topic, timeoutMs);
    } catch (error) {
      return Promise.reject(this.#sendError(topic, "request", error));
    }
    const { reply, result } = opened;
    try {
      const writer = this.#headerWriter;
      // the request says it reads the bus's reply statuses (`Ao-Reply: status`, or `rstatus` in the envelope)
      this.natsConnection.publish(refused, data, writer === undefined ? { reply } : { reply, headers: writer.write(this.#clock.now(), options, true) });
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
    await this.#local.flush();
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /**
   * The bus's counters. `published` counts the messages (publishes and
   * requests) the server confirmed: a publish that resolved. `lostOnDisconnect`
   * counts those sent while the connection was up but lost with it before the
   * server confirmed them (their publish rejected with `DISCONNECTED`).
   */
  stats(): NatsBusStats {
    const local = this.#local.stats();
    return {
      published: this.#confirmations.confirmed,
      delivered: local.delivered,
      dropped: local.dropped + this.#droppedOnArrival,
      pending: local.pending,
      handlerErrors: local.handlerErrors,
      lostOnDisconnect: this.#confirmations.lost,
    };
  }

  /** The connection's state, for health and metrics: health fails while it is down when `required`. */
  connection(): BusConnectionStatus {
    return { connected: this.#watch.connected, reconnects: this.#watch.reconnects, required: this.#required };
  }

  // ---- publishing ----

  /** The subject for `topic`, or the error that refuses the operation. */
  #refuse(topic: string, operation: "publish" | "request", options: PublishOptions | undefined): string | Error {
    if (this.#closed) return new BusError("BUS_CLOSED", `Cannot ${operation} on ${JSON.stringify(topic)}: the bus is closed`, { topic });
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
      const invalid = checkWireOptions(options, operation);
      if (invalid !== undefined) return invalid;
    }
    if (this.#strict.size > 0) {
      const full = this.#findFull(topic);
      if (full !== undefined) return queueFull(topic, full);
    }
    if (!this.#watch.connected) {
      return new NatsError("DISCONNECTED", `Cannot ${operation} on ${JSON.stringify(topic)}: the NATS connection is down (reconnecting or closed); the message was not sent`);
    }
    return subject;
  }

  /** The message's bytes: its envelope, or with `wire: "headers"` the encoded payload alone. */
  #encode(topic: string, payload: unknown, operation: "publish" | "request", options: PublishOptions | undefined): Uint8Array | BusError {
    try {
      return this.#headerWriter === undefined ? this.#envelopes.write(payload, this.#clock.now(), options, operation === "request") : this.#codec.encode(payload);
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

  /** A local subscription with `overflow: 'error'` outside queue groups that matches `topic` and is full. */
  #findFull(topic: string): Route | undefined {
    for (const route of this.#strict) {
      if (route.queue === undefined && route.local.pending >= route.maxPending && topicMatches(route.pattern, topic)) return route;
    }
    return undefined;
  }

  // ---- receiving ----

  #arrive(route: Route, msg: Msg): void {
    if (route.detached) return;
    const topic = route.exact ? route.pattern : msg.subject.slice(this.#prefix.length);
    const data = msg.data;
    const envelope = isEnvelope(data);
    const meta: WireMessage = envelope ? readEnvelopeWire(msg) : readWire(msg);
    let payload: unknown;
    let failed = false;
    let cause: unknown;
    try {
      payload = envelope ? readEnvelope(data, this.#codec, meta) : this.#codec.decode(data);
    } catch (error) {
      failed = true;
      cause = error;
    }
    // a request: statuses go only to a requester that reads them (a bus); a plain NATS requester gets the reply alone
    const replySubject = meta.reply;
    let reply: ReplyRoute | undefined;
    if (replySubject !== "") {
      reply = { subject: replySubject, status: meta.replyStatus === true };
      if (reply.status) this.#status(replySubject, this.#accepted);
    }
    const message: { -readonly [K in keyof Message]: Message[K] } = {
      id: meta.id ?? this.#ids.nextId(),
      topic,
      payload,
      timestamp: meta.timestamp ?? this.#clock.now(),
    };
    if (meta.source !== undefined) message.source = meta.source;
    if (meta.headers !== undefined) message.headers = meta.headers;
    if (failed) {
      message.payload = data;
      this.#droppedOnArrival++;
      if (reply !== undefined) this.#decline(reply);
      const error = new BusError("PAYLOAD_INVALID", `A message on ${JSON.stringify(topic)} for the subscription ${JSON.stringify(route.pattern)} could not be decoded and was dropped: ${describeThrown(cause)}`, { topic, cause });
      this.#routeError(route, error, message, "could not decode a message");
      return;
    }
    if (route.strict && route.local.pending >= route.maxPending) {
      this.#droppedOnArrival++;
      if (reply !== undefined) this.#decline(reply);
      this.#reportDrop(message, "overflow");
      return;
    }
    if (reply !== undefined) this.#replyTo.set(message, reply);
    void this.#local.publish(route.local.pattern, message);
  }

  /** Run `handler` for a request and send its reply, or `no-reply` when it settles without one. */
  #answer(reply: ReplyRoute, message: Message, handler: MessageHandler): unknown {
    let result: unknown;
    try {
      result = handler(message);
    } catch (error) {
      this.#decline(reply);
      throw error;
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => {
          this.#respond(reply, message.topic, value);
          return value;
        },
        (error: unknown) => {
          this.#decline(reply);
          throw error;
        },
      );
    }
    this.#respond(reply, message.topic, result);
    return result;
  }

  /** Send `value` as the reply: the codec's bytes alone, to bus and plain requesters alike. */
  #respond(reply: ReplyRoute, topic: string, value: unknown): void {
    if (value === undefined) {
      this.#decline(reply);
      return;
    }
    let data: Uint8Array;
    try {
      data = this.#codec.encode(value);
    } catch (cause) {
      this.#decline(reply);
      throw new BusError("PAYLOAD_INVALID", `The reply to a request on ${JSON.stringify(topic)} cannot be encoded: ${describeThrown(cause)}`, { topic, cause });
    }
    try {
      this.natsConnection.publish(reply.subject, data);
    } catch (error) {
      if (this.natsConnection.isClosed()) return; // the requester times out: at-most-once
      this.#decline(reply);
      throw new BusError("PAYLOAD_INVALID", `The reply to a request on ${JSON.stringify(topic)} was refused by the NATS client: ${describeThrown(error)}`, { topic, cause: error });
    }
  }

  /** This subscription settles a request without replying: a bus requester is told (`no-reply`), a plain one hears nothing, as from a plain responder. */
  #decline(reply: ReplyRoute): void {
    if (reply.status) this.#status(reply.subject, this.#declined);
  }

  /** Send a reply-status message; a closed connection loses it (the requester times out). */
  #status(reply: string, headers: MsgHdrs): void {
    try {
      this.natsConnection.publish(reply, EMPTY, { headers });
    } catch {
      // connection closed: nothing to tell anyone
    }
  }

  // ---- errors and drops ----

  #routeError(route: Route, error: unknown, message: Message, what: string): void {
    const target = route.onError ?? this.#onError;
    if (target === undefined) {
      this.#report(route, `${what} on message ${message.id} (${message.topic}) of the bus subscription ${JSON.stringify(route.pattern)} and neither the subscription nor the bus has an onError; further errors of this subscription are only counted in stats()`, error);
      return;
    }
    try {
      target(error, message);
    } catch (routeError) {
      this.#report(route, `the onError of the bus subscription ${JSON.stringify(route.pattern)} threw while handling an error of message ${message.id} (${message.topic}); delivery goes on`, routeError);
    }
  }

  #subscriptionFailed(route: Route, error: Error): void {
    this.#report(route, `the NATS subscription for ${JSON.stringify(route.pattern)} failed (it receives nothing more)`, error);
  }

  #report(route: Route, what: string, error: unknown): void {
    if (route.reported) return;
    route.reported = true;
    writeToConsole(`[agent-orchestrator] ${what}:`, error);
  }

  /** A local queue dropped a delivery: a request's requester learns it gets no reply from here. */
  #droppedLocally(local: Message, reason: DropReason): void {
    const message = local.payload as Message;
    if (this.#replyTo.size > 0) {
      const reply = this.#replyTo.get(message);
      if (reply !== undefined) {
        this.#replyTo.delete(message);
        this.#decline(reply);
      }
    }
    this.#reportDrop(message, reason);
  }

  #reportDrop(message: Message, reason: DropReason): void {
    const onDrop = this.#onDrop;
    if (onDrop === undefined) return;
    try {
      onDrop(message, reason);
    } catch (error) {
      writeToConsole("[agent-orchestrator] the NATS bus's onDrop threw:", error);
    }
  }

  // ---- unsubscribe, close ----

  #unsubscribe(route: Route): void {
    if (route.detached) return;
    route.detached = true;
    this.#routes.delete(route);
    this.#strict.delete(route);
    try {
      route.nats.unsubscribe();
    } catch {
      // the connection is closed: the server has forgotten the subscription already
    }
    route.local.unsubscribe();
  }

  async #shutdown(): Promise<void> {
    await this.flush();
    this.#closed = true;
    const routes = [...this.#routes];
    if (this.#watch.connected) {
      // stop the server's deliveries; what it sent before is still queued locally
      await Promise.allSettled(routes.map((route) => route.nats.drain()));
    } else {
      for (const route of routes) {
        try {
          route.nats.unsubscribe();
        } catch {
          // closed connection
        }
      }
    }
    for (const route of routes) route.detached = true;
    this.#inbox.close();
    await this.#local.close();
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

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

function queueFull(topic: string, route: Route): BusError {
  return new BusError(
    "QUEUE_FULL",
    `Cannot publish on ${JSON.stringify(topic)}: the subscription ${JSON.stringify(route.pattern)} has ${route.maxPending} messages pending (maxPending) and overflow 'error'; the message was sent nowhere`,
    { topic },
  );
}
