import type {
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
import type { BusSubscription } from "../bus/InProcessBus.js";
import { InProcessBus, tapInProcessBus } from "../bus/InProcessBus.js";
import { topicMatches, validatePattern } from "../bus/topic.js";
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

/**
 * A {@link Bus} for unit tests: the in-process bus's exact semantics, plus a
 * record of everything published and every handler error.
 *
 * - {@link FakeBus.published} lists every accepted message in order;
 *   {@link FakeBus.messages} and {@link FakeBus.payloads} filter it by topic
 *   or pattern.
 * - {@link FakeBus.deliver} publishes and waits until every matching handler
 *   has run; it does not reject for handler errors, which land in
 *   {@link FakeBus.errors} (they are also passed to the subscription's own
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
  /** Every handler error (thrown or rejected), in order. Never swallowed. */
  readonly errors: unknown[] = [];
  /**
   * The clock the bus runs on: the injected one, or its own `ManualClock`
   * (pass your own `ManualClock` to move time from the test).
   */
  readonly clock: Clock;
  readonly #inner: InProcessBus<Topics>;

  constructor(options: FakeBusOptions = {}) {
    this.clock = options.clock ?? new ManualClock();
    this.#inner = new InProcessBus<Topics>({ clock: this.clock, ...(options.random === undefined ? {} : { random: options.random }) });
    tapInProcessBus(this.#inner, { accepted: (message) => this.published.push(message) });
  }

  publish<Topic extends string>(topic: Topic, payload: PayloadOf<Topics, Topic>, options?: PublishOptions): Promise<void> {
    return this.#inner.publish(topic, payload, options);
  }

  /**
   * Publish, then wait until every handler matching it (and every message
   * published before it) has been handled. Rejects only when the publish is
   * refused (a malformed topic, a closed bus, a full queue with
   * `overflow: 'error'`), never for a handler error: those are in {@link FakeBus.errors}.
   */
  async deliver<Topic extends string>(topic: Topic, payload: PayloadOf<Topics, Topic>, options?: PublishOptions): Promise<void> {
    await this.#inner.publish(topic, payload, options);
    await this.#inner.flush();
  }

  subscribe<Pattern extends string>(
    pattern: Pattern,
    handler: MessageHandler<PayloadOf<Topics, Pattern>>,
    options: SubscribeOptions = {},
  ): BusSubscription {
    const own = options.onError;
    return this.#inner.subscribe(pattern, handler, {
      ...options,
      onError: (error, message) => {
        this.errors.push(error);
        own?.(error, message);
      },
    });
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

  /** Forget the recorded messages and errors (subscriptions stay). */
  clear(): void {
    this.published.length = 0;
    this.errors.length = 0;
  }
}
