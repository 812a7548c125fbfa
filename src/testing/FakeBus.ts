import type {
  QueueDepth,
  Bus,
  BusStats,
  Message,
  MessageHandler,
  PayloadOf,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  TopicMap,
} from "../bus/Bus.js";
import type { BusSubscription } from "../bus/delivery/BusSubscription.js";
import { ASYNC_DISPOSE } from "../disposeSymbols.js";
import { InProcessBus, tapInProcessBus } from "../bus/InProcessBus.js";
import { topicMatches, validatePattern } from "../bus/topic.js";
import { isThenable } from "../check.js";
import type { Clock } from "../clock.js";
import { ManualClock } from "./ManualClock.js";

/** Options of {@link FakeBus}. */
export interface FakeBusOptions {
  /**
   * Time source for message timestamps and request timeouts.
   * @default a new `ManualClock` starting at 0
   */
  clock?: Clock;
  /**
   * Randomness for queue-group member choice, in [0, 1).
   * @default Math.random
   */
  random?: () => number;
}

/** One `deliver()` waiting for the handler calls of its message. */
interface Delivery {
  /** Handler calls (or dropped copies) still to come. */
  remaining: number;
  resolve(): void;
}

/** What the bus needs to know of a subscription to count the handler calls a message gets. */
interface Watched {
  readonly pattern: string;
  readonly queue: string | undefined;
  readonly handle: BusSubscription;
}

/**
 * A {@link Bus} for unit tests: the in-process bus's exact semantics, plus a
 * record of everything published and every handler error.
 *
 * - {@link FakeBus.published} lists every accepted message in order;
 *   {@link FakeBus.messages} and {@link FakeBus.payloads} filter it by topic
 *   or pattern.
 * - {@link FakeBus.deliver} publishes and waits until every handler the
 *   message reaches has settled (or its copy was dropped); handlers of other
 *   topics are not waited for. It does not reject for handler errors, which
 *   land in {@link FakeBus.errors} (and then go to the subscription's own
 *   `onError`, when it has one).
 * - Time comes from the injected clock: a `ManualClock` by default, so request
 *   timeouts fire on `clock.advance()`.
 *
 * @typeParam Topics - optional map of known topics to payload types
 * @example
 * ```ts
 * const bus = new FakeBus();
 * bus.subscribe("orders.new", (m) => { if (m.payload === "bad") throw new Error("rejected"); });
 * await bus.deliver("orders.new", "bad");
 * assert.equal(bus.errors.length, 1);
 * assert.deepEqual(bus.payloads("orders.*"), ["bad"]);
 * ```
 */
export class FakeBus<Topics extends object = TopicMap> implements Bus<Topics> {
  /** Every message the bus accepted (publishes and requests), in order. */
  readonly published: Message[] = [];
  /**
   * Every error a handler of a subscription made on this bus threw or
   * rejected with, in the order they happened: recorded when the handler
   * settles (by the time `deliver()` resolves; after `publish()`, once
   * `flush()` resolves), before the subscription's own `onError`, if any,
   * receives it. So an agent's handler error under `testAgent` is here and in
   * its `crashes`. Only handler errors: a refused publish or a failed request
   * rejects its caller instead, and an error thrown by `onError` itself is not
   * recorded. `clear()` empties it.
   */
  readonly errors: unknown[] = [];
  /**
   * The clock the bus runs on: the injected one, or its own `ManualClock`
   * (pass your own `ManualClock` to move time from the test).
   */
  readonly clock: Clock;
  readonly #inner: InProcessBus<Topics>;
  /** The subscriptions made through this bus (inactive ones are pruned as met). */
  readonly #subscriptions = new Set<Watched>();
  /** Messages of `deliver()` calls whose handler calls are not all settled. */
  readonly #deliveries = new Map<Message, Delivery>();
  /** The delivery the publish under way belongs to, set for the duration of `deliver()`'s publish call. */
  #capturing: Delivery | undefined = undefined;

  constructor(options: FakeBusOptions = {}) {
    this.clock = options.clock ?? new ManualClock();
    this.#inner = new InProcessBus<Topics>({
      clock: this.clock,
      ...(options.random === undefined ? {} : { random: options.random }),
      onDrop: (message) => this.#settled(message),
    });
    tapInProcessBus(this.#inner, { accepted: (message) => this.#accepted(message) });
  }

  publish<Topic extends string>(topic: Topic, payload: PayloadOf<Topics, Topic>, options?: PublishOptions): Promise<void> {
    return this.#inner.publish(topic, payload, options);
  }

  /**
   * Publish, then wait until every handler call this message gets has settled:
   * one per matching subscription, one per matching queue group (a copy
   * dropped on the way, by overflow, unsubscribe or close, counts as settled).
   * A subscription works through its queue in order, so messages queued for it
   * earlier are handled first. Nothing else is waited for: handlers of other
   * topics, or of what the handlers publish in turn (`flush()` waits for
   * those). Rejects only when the publish is refused (a malformed topic, a
   * closed bus, a full queue with `overflow: 'error'`), never for a handler
   * error: those are in {@link FakeBus.errors} by the time it resolves.
   */
  async deliver<Topic extends string>(topic: Topic, payload: PayloadOf<Topics, Topic>, options?: PublishOptions): Promise<void> {
    let resolve!: () => void;
    const done = new Promise<void>((settle) => (resolve = settle));
    const delivery: Delivery = { remaining: -1, resolve };
    this.#capturing = delivery;
    let published: Promise<void>;
    try {
      published = this.#inner.publish(topic, payload, options);
    } finally {
      this.#capturing = undefined;
    }
    await published;
    // remaining stays -1 only if the bus accepted nothing (it always reports what it accepts)
    if (delivery.remaining !== -1) await done;
  }

  subscribe<Pattern extends string>(
    pattern: Pattern,
    handler: MessageHandler<PayloadOf<Topics, Pattern>>,
    options: SubscribeOptions = {},
  ): BusSubscription {
    const own = options.onError;
    const deliveries = this.#deliveries;
    const watched = (message: Message<PayloadOf<Topics, Pattern>>): unknown => {
      if (deliveries.size === 0 || !deliveries.has(message)) return handler(message);
      // a throw propagates to the bus, whose call of onError below settles it (a throwing `then` getter too)
      const result = handler(message);
      if (!isThenable(result)) {
        this.#settled(message);
        return result;
      }
      // a rejection goes on to the bus too, and onError settles it after recording the error
      return Promise.resolve(result).then((value) => {
        this.#settled(message);
        return value;
      });
    };
    const handle = this.#inner.subscribe(pattern, watched, {
      ...options,
      onError: (error, message) => {
        this.errors.push(error);
        try {
          own?.(error, message);
        } finally {
          this.#settled(message);
        }
      },
    });
    this.#subscriptions.add({ pattern, queue: options.queue, handle });
    return handle;
  }

  request<Topic extends string>(topic: Topic, payload: PayloadOf<Topics, Topic>, options?: RequestOptions): Promise<unknown> {
    return this.#inner.request(topic, payload, options);
  }

  flush(): Promise<void> {
    return this.#inner.flush();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** The subscriptions with the most messages waiting, deepest first (see {@link Bus.queues}). */
  queues(limit: number): QueueDepth[] {
    return this.#inner.queues(limit);
  }

  /** {@link FakeBus.close}, for `await using bus = new FakeBus()`: the same promise, idempotent with `close()`. */
  [ASYNC_DISPOSE](): Promise<void> {
    return this.#inner.close();
  }

  stats(): BusStats {
    return this.#inner.stats();
  }

  /**
   * The published messages whose topic matches `patternOrTopic` (a topic, or a
   * pattern with `*` / `>`), in order.
   *
   * @throws BusError `INVALID_TOPIC` for a malformed pattern
   */
  messages(patternOrTopic: string): Message[] {
    validatePattern(patternOrTopic);
    return this.published.filter((message) => topicMatches(patternOrTopic, message.topic));
  }

  /** The payloads of {@link FakeBus.messages}. */
  payloads(patternOrTopic: string): unknown[] {
    return this.messages(patternOrTopic).map((message) => message.payload);
  }

  /** Patterns of the live subscriptions, in subscription order: what the code under test listens to. */
  patterns(): string[] {
    return this.#inner.patterns();
  }

  /** Number of live subscriptions a message on `topic` would reach (queue-group members included). */
  subscriberCount(topic: string): number {
    return this.#inner.subscriberCount(topic);
  }

  #accepted(message: Message): void {
    this.published.push(message);
    const delivery = this.#capturing;
    if (delivery === undefined) return;
    this.#capturing = undefined;
    // Counted before the bus queues the message, so a copy dropped on the way (overflow) is seen.
    delivery.remaining = this.#callsFor(message.topic);
    if (delivery.remaining === 0) delivery.resolve();
    else this.#deliveries.set(message, delivery);
  }

  /** The handler calls a message on `topic` gets: one per plain subscription, one per queue group. */
  #callsFor(topic: string): number {
    let calls = 0;
    const groups = new Set<string>();
    for (const sub of this.#subscriptions) {
      if (!sub.handle.active) {
        this.#subscriptions.delete(sub);
        continue;
      }
      if (!topicMatches(sub.pattern, topic)) continue;
      if (sub.queue === undefined) calls++;
      else groups.add(sub.queue);
    }
    return calls + groups.size;
  }

  /** One handler call of `message` settled, or one copy of it was dropped. */
  #settled(message: Message): void {
    const delivery = this.#deliveries.get(message);
    if (delivery === undefined) return;
    delivery.remaining--;
    if (delivery.remaining > 0) return;
    this.#deliveries.delete(message);
    delivery.resolve();
  }

  /** Forget the recorded messages and errors (subscriptions stay). */
  clear(): void {
    this.published.length = 0;
    this.errors.length = 0;
  }
}
