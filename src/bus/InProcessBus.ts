import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import { BusError } from "../errors/BusError.js";
import type { Bus, BusOptions, BusStats, Message, QueueDepth, MessageHandler, PayloadOf, PublishOptions, RequestOptions, SubscribeOptions, TopicMap } from "./Bus.js";
import type { BusSubscription } from "./delivery/BusSubscription.js";
import { SubscriptionHandle } from "./delivery/BusSubscription.js";
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  busOptionCheck,
  checkDeliveryOptions,
  checkSubscription,
  checkTimestamps,
  publishOptionsError,
  requestSignal,
  requestTimeout,
  subscriptionAdmission,
} from "./delivery/busOptions.js";
import { DeliveryCore } from "./delivery/DeliveryCore.js";
import { ASYNC_DISPOSE } from "../disposeSymbols.js";
import { busClosed } from "./delivery/deliveryErrors.js";
import { RequestMessage } from "./delivery/RequestMessage.js";
import { RequestTimeouts } from "./delivery/RequestTimeouts.js";
import { Subscriber } from "./delivery/Subscriber.js";
import { TurnClock } from "./delivery/TurnClock.js";
import { MessageIds } from "./MessageIds.js";
import { BusTracing } from "../trace/BusTracing.js";
import { endWhenSettled } from "../trace/endWhenSettled.js";
import type { Route } from "./RouteTable.js";
import { RouteTable } from "./RouteTable.js";
import { refusal } from "./routeRefusal.js";
import { validatePattern } from "./topic.js";


/** The one promise every accepted publish returns: nothing to allocate per message. */
const ACCEPTED: Promise<void> = Promise.resolve();
/** The `timestamps` option's values. */

/** What the testing kit observes of an in-process bus. */
export interface InProcessBusTap {
  /** Called synchronously with each message the bus accepts, before any delivery. */
  accepted(message: Message): void;
}

let attachTap: <Topics extends object>(bus: InProcessBus<Topics>, tap: InProcessBusTap) => void;

/**
 * Let the testing kit's `FakeBus` see every message `bus` accepts, in order,
 * as `publish` or `request` accepts it. Not part of the public API.
 */
export function tapInProcessBus<Topics extends object>(bus: InProcessBus<Topics>, tap: InProcessBusTap): void {
  attachTap(bus, tap);
}

/**
 * The in-process {@link Bus}: routing over the delivery core. Create one with
 * {@link createBus}.
 *
 * - `publish` validates the topic, stamps the message and queues it for every
 *   subscription its route reaches (one member per queue group), then returns
 *   one shared resolved promise. When a subscription it reaches may refuse
 *   it (`overflow: 'error'` and full, or the internal `ADMIT` check of
 *   `admission.ts`), the first refusal rejects the publish or request and
 *   nothing is queued for anyone; a route without such a subscription is
 *   "direct" and asks nothing. In a queue group, every member with an
 *   admission check is asked, whichever member is chosen (the refusal never
 *   depends on the draw); only the chosen member's queue can be full.
 * - Patterns live in a token trie and each topic's route is cached until the
 *   subscriptions change, so matching costs the same however many
 *   subscriptions other topics have (see `RouteTable`).
 * - Delivery is the `DeliveryCore`'s: a bounded FIFO queue per subscription,
 *   one microtask draining everything published in the same turn, each handler
 *   call isolated (a throw or rejection goes to the subscription's `onError`,
 *   else the bus's, else `console.error` once per subscription; every error is
 *   counted in `stats().handlerErrors`).
 *
 * @typeParam Topics - optional map of known topics to payload types
 */
export class InProcessBus<Topics extends object = TopicMap> implements Bus<Topics> {
  /** Message timestamps: the clock read once per turn, or per message (`timestamps` option). */
  readonly #turn: TurnClock;
  /** Every pending request's timeout, on one timer of the bus's clock. */
  readonly #timeouts: RequestTimeouts<RequestMessage>;
  readonly #core: DeliveryCore;
  readonly #routes: RouteTable;
  readonly #ids = new MessageIds();
  /** Spans of publishes, requests and handler calls while a tracer provider is registered; `undefined` with `tracing: false`. */
  readonly #tracing: BusTracing | undefined;
  /**
   * Whether a publish needs no span: always with `tracing: false`; otherwise
   * once a publish found no provider, until the delivery core's drain ends
   * (then the next publish checks again). One read on the publish path.
   */
  #untraced: boolean;
  /** Where a message's targets are gathered when its route is not direct (reused; see `#targets`). */
  readonly #scratch: Array<Subscriber | undefined> = [];
  #scratchInUse = false;
  #tap: InProcessBusTap | undefined = undefined;
  /** Ends one subscription: one function for every handle of this bus. */
  readonly #unsubscribe = (sub: Subscriber): void => {
    if (sub.detached) return;
    this.#routes.remove(sub);
    this.#core.detach(sub);
  };
  /** A request whose signal aborted: its deliveries are no longer reported (a later reply is ignored). */
  readonly #abandon = (request: RequestMessage): void => this.#core.forgetReplies(request);
  #nextSubscriberId = 0;
  #published = 0;
  #closing: Promise<void> | undefined;
  #closed = false;

  static {
    attachTap = (bus, tap) => {
      bus.#tap = tap;
    };
  }

  /**
   * @param options - see {@link BusOptions}
   * @throws BusError `INVALID_OPTION` for a bad option
   */
  constructor(options: BusOptions = {}) {
    const check = busOptionCheck("createBus");
    const given = check.object(options);
    const delivery = checkDeliveryOptions(check, given);
    const random = check.optionalFunction(given.random, "random") ?? Math.random;
    const clock: Clock = delivery.clock;
    const system = clock === systemClock;
    this.#turn = new TurnClock(clock, checkTimestamps(check, given.timestamps, clock));
    const traced = check.optionalBoolean(given.tracing, "tracing") !== false;
    this.#untraced = !traced;
    this.#tracing = traced ? new BusTracing("agent-orchestrator", () => void (this.#untraced = false)) : undefined;
    const core = new DeliveryCore(delivery, this.#turn, this.#tracing);
    this.#core = core;
    const entries = RequestMessage.timeoutEntries;
    // a request that timed out hears no more of its deliveries (a hung handler's would otherwise keep it listed)
    this.#timeouts = new RequestTimeouts(clock, system ? "keep" : "clear", {
      ...entries,
      timedOut: (request) => {
        entries.timedOut(request);
        core.forgetReplies(request);
      },
    });
    this.#routes = new RouteTable(random);
  }

  publish<Topic extends string>(topic: Topic, payload: PayloadOf<Topics, Topic>, options?: PublishOptions): Promise<void> {
    if (this.#closed) return Promise.reject(busClosed(topic, "publish"));
    // a try, not `#route()` and `instanceof`: the check costs a sixth of the publish path's throughput
    let route: Route;
    try {
      route = this.#routes.find(topic);
    } catch (error) {
      const invalid: Error = error as BusError; // validateTopic throws only INVALID_TOPIC
      return Promise.reject(invalid);
    }
    if (options !== undefined) {
      const invalid = publishOptionsError(options, "publish");
      if (invalid !== undefined) return Promise.reject(invalid);
    }
    if (route.direct) {
      const plain = route.plain;
      this.#published++;
      // nobody to deliver to: no message is made, unless a tracer provider wants the publish's span
      if (plain.length === 0 && this.#tap === undefined && (this.#tracing === undefined || !this.#tracing.now())) return ACCEPTED;
      const message = this.#message(topic, payload, options);
      this.#tap?.accepted(message);
      const core = this.#core;
      for (let i = 0; i < plain.length; i++) core.enqueue(plain[i] as Subscriber, message);
      return ACCEPTED;
    }
    const targets = this.#targets();
    const count = this.#routes.targets(route, targets);
    const refused = refusal(route, targets, count, payload, topic);
    if (refused !== undefined) {
      this.#release(targets, count);
      return Promise.reject(refused);
    }
    this.#published++;
    const message = this.#message(topic, payload, options);
    this.#tap?.accepted(message);
    const core = this.#core;
    for (let i = 0; i < count; i++) core.enqueue(targets[i] as Subscriber, message);
    this.#release(targets, count);
    return ACCEPTED;
  }

  /**
   * Subscribe `handler` to every topic matching `pattern` (see
   * {@link Bus.subscribe}); the handle also tells the pattern, the queue group
   * and how many messages wait for this subscription.
   */
  subscribe<Pattern extends string>(
    pattern: Pattern,
    handler: MessageHandler<PayloadOf<Topics, Pattern>>,
    options?: SubscribeOptions,
  ): BusSubscription {
    if (this.#closed) throw busClosed(pattern, "subscribe");
    const tokens = validatePattern(pattern);
    const checked = checkSubscription(pattern, handler, options);
    const { handler: fn, queue, concurrency, maxPending, overflow, onError } = checked;
    const admit = subscriptionAdmission(pattern, options);
    const sub = new Subscriber({ id: this.#nextSubscriberId++, pattern, tokens, handler: fn, queue, concurrency, maxPending, overflow, onError, admit });
    this.#routes.add(sub);
    this.#core.add(sub);
    return new SubscriptionHandle(sub, this.#unsubscribe);
  }

  request<Topic extends string>(topic: Topic, payload: PayloadOf<Topics, Topic>, options?: RequestOptions): Promise<unknown> {
    if (this.#closed) return Promise.reject(busClosed(topic, "request"));
    const route = this.#route(topic);
    if (route instanceof BusError) return Promise.reject(route);
    let timeoutMs: number | BusError = DEFAULT_REQUEST_TIMEOUT_MS;
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      const invalid = publishOptionsError(options, "request");
      if (invalid !== undefined) return Promise.reject(invalid);
      timeoutMs = requestTimeout(options.timeoutMs, topic);
      if (timeoutMs instanceof BusError) return Promise.reject(timeoutMs);
      // a signal aborted already rejects here: nothing is sent
      const given = requestSignal(options.signal, topic);
      if (given instanceof BusError) return Promise.reject(given);
      signal = given;
    }
    // a direct route's subscriber list is never changed once built: no copy needed
    let targets: ReadonlyArray<Subscriber | undefined>;
    let count: number;
    if (route.direct) {
      targets = route.plain;
      count = targets.length;
    } else {
      // into the array lent (a fresh one when a publish further up the stack holds the scratch array)
      const lent = this.#targets();
      targets = lent;
      count = this.#routes.targets(route, lent);
    }
    if (count === 0) {
      return Promise.reject(new BusError("NO_RESPONDERS", `No responders for request on ${JSON.stringify(topic)}: no subscription matches it`, { topic }));
    }
    // a direct route has no subscription that may refuse (none full-refusing, none admitting): nothing to ask
    const refused = route.direct ? undefined : refusal(route, targets, count, payload, topic);
    if (refused !== undefined) {
      this.#release(targets, count);
      return Promise.reject(refused);
    }
    this.#published++;
    const now = this.#turn.exact();
    const message = new RequestMessage(this.#ids.next(), topic, payload, now, this.#timeouts, count);
    if (options !== undefined) withOptions(message, options);
    const tracing = this.#tracing;
    const span = tracing !== undefined && tracing.on() ? tracing.stamp(message, true) : undefined;
    const core = this.#core;
    core.expectReplies(message);
    this.#tap?.accepted(message);
    for (let i = 0; i < count; i++) core.enqueue(targets[i] as Subscriber, message);
    this.#release(targets, count);
    RequestMessage.startTimeout(message, timeoutMs, now);
    if (signal !== undefined) RequestMessage.abortOn(message, signal, this.#abandon);
    return span === undefined ? RequestMessage.result(message) : endWhenSettled(span, RequestMessage.result(message));
  }

  flush(): Promise<void> {
    return this.#core.flush();
  }

  close(): Promise<void> {
    this.#closing ??= this.flush().then(() => {
      this.#closed = true;
      this.#core.dropEverything();
      this.#timeouts.release();
    });
    return this.#closing;
  }

  /** {@link InProcessBus.close}, for `await using bus = createBus()`: the same promise, idempotent with `close()`. */
  [ASYNC_DISPOSE](): Promise<void> {
    return this.close();
  }

  /** The subscriptions with the most messages waiting, deepest first (see {@link Bus.queues}). */
  queues(limit: number): QueueDepth[] {
    return this.#core.queues(limit);
  }

  /** The bus's counters; `pending` is summed over the subscriptions at the time of the call. */
  stats(): BusStats {
    return { published: this.#published, ...this.#core.stats() };
  }

  /**
   * Number of live subscriptions whose pattern matches `topic` (queue-group members included).
   *
   * @throws BusError `INVALID_TOPIC` for a malformed topic
   */
  subscriberCount(topic: string): number {
    const route = this.#routes.find(topic);
    let count = route.plain.length;
    for (const group of route.groups) count += group.length;
    return count;
  }

  /**
   * Incremented whenever a subscription is added or removed: a caller that
   * derives something from the subscriptions (whether anyone listens on a
   * topic) keeps it until the version changes.
   */
  get subscriptionVersion(): number {
    return this.#routes.version;
  }

  /**
   * How many subscriptions match `topic` (wildcards included, each queue-group
   * member counted), like {@link InProcessBus.subscriberCount}, but without
   * caching the topic's route: for asking about many topics that are rarely
   * published, once per {@link InProcessBus.subscriptionVersion}.
   *
   * @throws BusError `INVALID_TOPIC` for a malformed topic
   */
  matchingSubscriptions(topic: string): number {
    return this.#routes.count(topic);
  }

  /** The patterns of the live subscriptions, in subscription order (repeated when subscribed more than once). */
  patterns(): string[] {
    return this.#core.patterns();
  }

  /** The route of `topic`, or the `INVALID_TOPIC` error that refuses it. */
  #route(topic: string): Route | BusError {
    try {
      return this.#routes.find(topic);
    } catch (error) {
      return error as BusError; // validateTopic throws only INVALID_TOPIC
    }
  }

  /**
   * The array to gather a message's targets in: the bus's reused one, taken
   * (the caller gives it back with `#release`), or a new one when a drop report
   * (`onDrop`) publishes again while the reused one is in use.
   */
  #targets(): Array<Subscriber | undefined> {
    if (this.#scratchInUse) return [];
    this.#scratchInUse = true;
    return this.#scratch;
  }

  /** Give back what `#targets()` lent, holding on to no subscription. */
  #release(targets: ReadonlyArray<Subscriber | undefined>, count: number): void {
    if (targets !== this.#scratch) return;
    this.#scratch.fill(undefined, 0, count);
    this.#scratchInUse = false;
  }

  #message(topic: string, payload: unknown, options: PublishOptions | undefined): Message {
    const message: Message = { id: this.#ids.next(), topic, payload, timestamp: this.#turn.now() };
    if (options !== undefined) withOptions(message, options);
    if (!this.#untraced) this.#stamp(message);
    return message;
  }

  /** A message published while tracing may be on: its span when a provider is registered, else nothing until the drain ends. */
  #stamp(message: Message): void {
    const tracing = this.#tracing;
    // a publish's span ends here: the message is queued for its subscriptions in the same synchronous call
    if (tracing !== undefined && tracing.on()) tracing.stamp(message, false).end();
    else this.#untraced = true;
  }
}

/** Set `message`'s `source` and `headers` from `options`, where given. */
function withOptions(message: Message, options: PublishOptions): void {
  const writable = message as { -readonly [K in keyof Message]: Message[K] };
  if (options.source !== undefined) writable.source = options.source;
  if (options.headers !== undefined) writable.headers = options.headers;
}
