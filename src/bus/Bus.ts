import type { Clock } from "../clock.js";

/**
 * A message as subscribers receive it.
 *
 * @typeParam Payload - the payload type (from the bus's topic map where the topic is known)
 */
export interface Message<Payload = unknown> {
  /** Unique id given by the bus at publish time (the in-process bus: a per-bus random prefix and a counter). */
  readonly id: string;
  /** The concrete topic it was published on (never a pattern). */
  readonly topic: string;
  /** What the publisher sent. */
  readonly payload: Payload;
  /**
   * The bus clock's time at publish, ms since the epoch (the in-process bus
   * reads it once per synchronous turn by default: see `BusOptions.timestamps`).
   */
  readonly timestamp: number;
  /** The publishing agent's name, when an agent published it through its own `this.bus`. */
  readonly source?: string;
  /** Free-form string headers set by the publisher. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A map of topic → payload type, for typed buses: `createBus<{ "prices.AAPL": Price }>()`.
 * This is also the default of an untyped bus (every topic, any payload). A
 * typed bus accepts any object type as its map, interfaces included.
 */
export type TopicMap = Record<string, unknown>;

/**
 * The payload type a bus with topic map `Topics` expects on `Topic`: the
 * mapped type for a topic of the map, `unknown` for any other topic or pattern
 * (a wildcard may match topics outside the map), and `unknown` everywhere on
 * an untyped bus (a map with a string index signature, such as {@link TopicMap}).
 */
export type PayloadOf<Topics, Topic extends string> = string extends keyof Topics
  ? unknown
  : Topic extends keyof Topics
    ? Topics[Topic]
    : unknown;

/** Options of {@link Bus.publish}. */
export interface PublishOptions {
  /**
   * Headers carried with the message. `undefined` is the same as leaving it
   * out, so a handler can forward what it received: `{ headers: message.headers }`
   * (its trace context is replaced by the new publish's own).
   */
  headers?: Record<string, string> | undefined;
  /** The publishing agent's name; an agent's own bus view sets it. */
  source?: string;
}

/** What a subscription does when its pending queue is full. */
export type OverflowPolicy = "drop-oldest" | "drop-newest" | "error";

/** Options of {@link Bus.subscribe}. */
export interface SubscribeOptions {
  /**
   * Join this queue group: each message goes to one member of the group,
   * chosen at random among the group's subscriptions matching the message
   * (whatever their patterns). Names are non-empty, without whitespace.
   */
  queue?: string;
  /**
   * How many handler calls of this subscription may run at once.
   * @default 1
   */
  concurrency?: number;
  /**
   * Bound of the subscription's queue of messages waiting for the handler (a
   * message whose handler call is running no longer counts).
   * @default 10000
   */
  maxPending?: number;
  /**
   * What to do with a message that finds the queue full: drop the oldest
   * pending one, drop the new one, or reject the publish (`QUEUE_FULL`).
   * Every drop is counted.
   * @default "drop-oldest"
   */
  overflow?: OverflowPolicy;
  /**
   * Where this subscription's handler errors go (else the bus's `onError`).
   * A handler error never reaches the publisher or another subscriber.
   */
  onError?: (error: unknown, message: Message) => void;
}

/** Options of {@link Bus.request}. */
export interface RequestOptions {
  /**
   * How long to wait for a reply, on the bus's clock.
   * @default 5000
   */
  timeoutMs?: number;
  /** Headers carried with the request message. */
  headers?: Record<string, string>;
  /** The requesting agent's name; an agent's own bus view sets it. */
  source?: string;
  /**
   * Abandon the request when this signal aborts: it rejects at once with
   * `REQUEST_ABORTED` (the signal's `reason` as `cause`) and the bus forgets
   * it (its timeout, its reply inbox entry); a reply arriving afterwards is
   * ignored, as one after a timeout is. A signal aborted already rejects
   * without sending anything.
   */
  signal?: AbortSignal;
}

/** A live subscription. */
export interface Subscription {
  /** Stop receiving; messages still pending for it are dropped and counted. Idempotent. */
  unsubscribe(): void | Promise<void>;
  /**
   * `unsubscribe()` at the end of a `using` block (`using sub = bus.subscribe(...)`).
   * Every subscription of the library's buses has it; optional here so that a
   * Bus written elsewhere implements this interface without it.
   */
  [Symbol.dispose]?(): void;
}

/**
 * A subscription that a `using` block ends (`using sub = bus.subscribe(...)`):
 * what the library's own buses, and an agent's `this.bus`, return.
 */
export interface DisposableSubscription extends Subscription {
  /** `unsubscribe()`, at the end of the `using` block. */
  [Symbol.dispose](): void;
}

/** A message handler; a value other than `undefined` is a reply to a {@link Bus.request}. */
export type MessageHandler<Payload = unknown> = (message: Message<Payload>) => unknown;

/** Counters of a bus, read at scrape time by the metrics. */
export interface BusStats {
  /**
   * Messages accepted by `publish` or `request`: on a networked bus, those the
   * server confirmed (a publish that resolved).
   */
  published: number;
  /**
   * Networked buses: publishes rejected because the connection was lost before
   * the server confirmed them (the message may not have reached it and is
   * treated as lost). Absent on the in-process bus, which cannot lose one.
   */
  lostOnDisconnect?: number;
  /** Handler calls completed (successfully or not). */
  delivered: number;
  /** Deliveries dropped: queue overflow, unsubscribed with messages pending, closed. */
  dropped: number;
  /** Deliveries waiting in subscription queues now. */
  pending: number;
  /** Handler calls that threw or rejected. */
  handlerErrors: number;
}

/** One subscription's queue, from {@link Bus.queues}. */
export interface QueueDepth {
  /** The subscription's pattern. */
  readonly pattern: string;
  /** Its queue group, when it has one (`cron.<agent>` subscriptions use the agent's name). */
  readonly queue?: string;
  /** Messages waiting for a handler call now. */
  readonly pending: number;
  /** The subscription's `maxPending` (its queue limit). */
  readonly maxPending: number;
}

/**
 * Publish/subscribe between agents. Topics are dot-separated tokens of
 * `[A-Za-z0-9_-]`; subscription patterns may use `*` (exactly one token) and
 * `>` (one or more trailing tokens, last position only), as NATS subjects do.
 *
 * The in-process implementation comes from {@link createBus}; the testing kit
 * has a `FakeBus`; `@acme/agent-orchestrator/nats` puts it on NATS. Every
 * implementation passes the same contract suite (`busContract`).
 *
 * @typeParam Topics - optional map of known topics to payload types
 */
export interface Bus<Topics extends object = TopicMap> {
  /**
   * Publish a message. Resolves once the bus has accepted it (not when it is
   * handled); delivery is always asynchronous. Rejects with a `BusError` for a
   * malformed topic (`INVALID_TOPIC`), a closed bus (`BUS_CLOSED`) or a full
   * queue with `overflow: 'error'` (`QUEUE_FULL`).
   */
  publish<Topic extends string>(topic: Topic, payload: PayloadOf<Topics, Topic>, options?: PublishOptions): Promise<void>;
  /**
   * Subscribe `handler` to every topic matching `pattern`. The handler is
   * called asynchronously, in publish order, one call at a time unless
   * `concurrency` says more; it may return a promise. Throws a `BusError` for a
   * malformed pattern (`INVALID_TOPIC`), a bad option (`INVALID_OPTION`) or a
   * closed bus (`BUS_CLOSED`).
   */
  subscribe<Pattern extends string>(
    pattern: Pattern,
    handler: MessageHandler<PayloadOf<Topics, Pattern>>,
    options?: SubscribeOptions,
  ): Subscription;
  /**
   * Publish and wait for the first reply (a handler's return value other than
   * `undefined`). Rejects at once with `NO_RESPONDERS` when nothing matches,
   * with `NO_REPLY` when every handler settled without replying, with
   * `REQUEST_TIMEOUT` after `timeoutMs`, and with `REQUEST_ABORTED` when the
   * `signal` option aborts (at once, without sending, for a signal aborted already).
   */
  request<Topic extends string>(topic: Topic, payload: PayloadOf<Topics, Topic>, options?: RequestOptions): Promise<unknown>;
  /**
   * Resolves when every message published before the call has been handled by
   * every matching subscriber, or dropped and counted. Messages published after
   * the call are not waited for. Do not await it inside a handler: it would
   * wait for that very handler.
   */
  flush(): Promise<void>;
  /**
   * Flush, then refuse publish, request and subscribe with `BUS_CLOSED`.
   * Deliveries still queued at that point (published during the flush) are
   * dropped and counted (reason `closed`). Idempotent: every call returns the
   * same promise.
   */
  close(): Promise<void>;
  /**
   * `close()` at the end of an `await using` block (`await using bus = createBus()`),
   * returning the same promise. Every bus of the library has it; optional here
   * so that a Bus written elsewhere implements this interface without it (the
   * orchestrator calls `close()`, never this).
   */
  [Symbol.asyncDispose]?(): Promise<void>;
  /** Current counters, when the implementation keeps them. */
  stats?(): BusStats;
  /**
   * The subscriptions with the most messages waiting, deepest first (only
   * those with at least one), at most `limit` of them: what the status page
   * shows as the deepest queues. Optional: a Bus written elsewhere may leave it out.
   */
  queues?(limit: number): QueueDepth[];
  /**
   * The connection to a broker, for a networked bus (absent in-process): the
   * orchestrator shows it in health and metrics.
   */
  connection?(): BusConnection | undefined;
}

/** A networked bus's connection, as health and metrics see it. */
export interface BusConnection {
  /** Connected to the broker now. */
  readonly connected: boolean;
  /** Reconnections since the bus was created. */
  readonly reconnects: number;
  /** When true, a disconnected bus makes health fail. */
  readonly required: boolean;
}

/** Options of {@link createBus}. */
export interface BusOptions {
  /**
   * Where handler errors go when the subscription has no `onError` of its own.
   * Without either, the first error of each subscription is written with
   * `console.error` and every one is counted in `stats().handlerErrors`.
   */
  onError?: (error: unknown, message: Message) => void;
  /**
   * Time source for request timeouts and message timestamps.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * How `message.timestamp` is read from the clock:
   * - `"turn"`: once per synchronous turn: the first message published in a
   *   turn reads the clock and the messages published later in the same turn
   *   (before the bus's next microtask, or before its next handler call) reuse
   *   that time. Timestamps never run ahead of the clock, trail it by at most
   *   the turn's duration, and never go backwards unless the clock does. A
   *   clock read is about half the cost of a publish.
   * - `"exact"`: the clock is read for every message.
   *
   * @default "turn" with the system clock; "exact" with an injected clock (a
   *   test that sets a `ManualClock` sees exactly the time it set)
   */
  timestamps?: "turn" | "exact";
  /**
   * Randomness for queue-group member choice, in [0, 1).
   * @default Math.random
   */
  random?: () => number;
  /**
   * Called synchronously for each dropped delivery, with the reason; every
   * drop is also counted in `stats().dropped`. A throw is contained (and
   * written once with `console.error`).
   */
  onDrop?: (message: Message, reason: DropReason) => void;
  /**
   * OpenTelemetry spans for publishes, requests and handler calls, and W3C
   * trace context (`traceparent`) in the headers of the messages, while a
   * tracer provider is registered with `@opentelemetry/api` (see
   * docs/tracing.md); with none registered the bus does nothing for tracing.
   * `false` turns it off for this bus whatever is registered.
   * @default true
   */
  tracing?: boolean;
}

/**
 * Why a delivery was dropped:
 * - `overflow`: the subscription's queue was full (`drop-oldest` / `drop-newest`);
 * - `unsubscribed`: it was still queued when its subscription was removed;
 * - `closed`: it was still queued when the bus finished closing.
 */
export type DropReason = "overflow" | "unsubscribed" | "closed";
