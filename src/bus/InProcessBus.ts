import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import { BusError } from "../errors/BusError.js";
import type {
  Bus,
  BusOptions,
  BusStats,
  DropReason,
  Message,
  MessageHandler,
  OverflowPolicy,
  PayloadOf,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
  TopicMap,
} from "./Bus.js";
import { Subscriber } from "./Subscriber.js";
import { TopicTrie } from "./TopicTrie.js";
import { describeValue } from "./describeValue.js";
import { validatePattern, validateTopic } from "./topic.js";
import { writeToConsole } from "../errors/writeToConsole.js";

/** Default bound of a subscription's pending queue. */
export const DEFAULT_MAX_PENDING = 10_000;
/** Default timeout of {@link Bus.request}, in ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** Handler calls one drain makes before yielding to the event loop (I/O, timers) with `setImmediate`. */
const DRAIN_BUDGET = 10_000;
/** Topics whose subscriber lists are cached (oldest evicted first). */
const ROUTE_CACHE_SIZE = 10_000;
/** Ids are `<bus prefix>-<block>.<n>`: the block string is rebuilt every `ID_BLOCK` messages. */
const ID_BLOCK = 4_096;
const ID_SUFFIXES: readonly string[] = Array.from({ length: ID_BLOCK }, (_, i) => String(i));
const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ["drop-oldest", "drop-newest", "error"];

/** The one promise every accepted publish returns: nothing to allocate per message. */
const ACCEPTED: Promise<void> = Promise.resolve();

/** The subscriptions a topic reaches, computed once per topic and cached until subscriptions change. */
interface Route {
  /** Subscriptions outside queue groups, in subscription order. */
  readonly plain: Subscriber[];
  /** Queue groups (by name, among subscriptions matching the topic): one member gets each message. */
  readonly groups: Subscriber[][];
  /** Whether publishing needs the slow path: a queue group, or a subscription with `overflow: 'error'`. */
  readonly careful: boolean;
}

/** A request waiting for its first reply. */
interface PendingRequest {
  readonly topic: string;
  /** Deliveries not yet settled. */
  remaining: number;
  done: boolean;
  timer: unknown;
  resolve(value: unknown): void;
  reject(error: BusError): void;
}

/** A `flush()` call waiting for the deliveries queued before it. */
interface FlushWaiter {
  /** Per subscription, the delivery position every earlier delivery must have passed. */
  marks: Array<{ sub: Subscriber; mark: number }>;
  resolve(): void;
}

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

/** The handle {@link InProcessBus.subscribe} returns. */
export interface BusSubscription extends Subscription {
  /** The pattern subscribed to. */
  readonly pattern: string;
  /** The queue group joined, if any. */
  readonly queue: string | undefined;
  /** Messages waiting for this subscription's handler now. */
  readonly pending: number;
  /** False once unsubscribed. */
  readonly active: boolean;
  /** Stop receiving; pending messages are dropped and counted (reason `unsubscribed`). Idempotent. */
  unsubscribe(): void;
}

/**
 * The in-process {@link Bus}: asynchronous, batched delivery with a bounded
 * FIFO queue per subscription. Create one with {@link createBus}.
 *
 * - `publish` validates the topic, stamps the message and queues it for every
 *   matching subscription, then returns one shared resolved promise; a single
 *   microtask drains everything published in the same turn (never a task per
 *   message), yielding to the event loop every 10,000 handler calls.
 * - Patterns live in a token trie and each topic's subscriber list is cached
 *   until the subscriptions change, so matching costs the same however many
 *   subscriptions other topics have.
 * - Each handler call is isolated: a throw or rejection goes to the
 *   subscription's `onError`, else the bus's, else `console.error` (once per
 *   subscription; every error is counted in `stats().handlerErrors`).
 *
 * @typeParam Topics - optional map of known topics to payload types
 */
export class InProcessBus<Topics extends object = TopicMap> implements Bus<Topics> {
  readonly #clock: Clock;
  /** `clock.now`, bound; `Date.now` itself for the system clock (one call less per message). */
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #onError: ((error: unknown, message: Message) => void) | undefined;
  readonly #onDrop: ((message: Message, reason: DropReason) => void) | undefined;
  #tap: InProcessBusTap | undefined = undefined;

  readonly #trie = new TopicTrie<Subscriber>();
  readonly #routes = new Map<string, Route>();
  /** The last topic published on and its route: a repeated topic skips the map lookup. */
  #lastTopic: string | undefined = undefined;
  #lastRoute: Route | undefined = undefined;
  /** Subscriptions that are subscribed, or unsubscribed with handler calls still running. */
  readonly #live = new Set<Subscriber>();
  #nextSubscriberId = 0;

  /** Subscriptions with queued messages, in the order they became ready. */
  #ready: Subscriber[] = [];
  #drainScheduled = false;
  readonly #drain = (): void => this.#runDrain();

  readonly #requests = new Map<Message, PendingRequest>();
  #flushWaiters: FlushWaiter[] = [];

  readonly #idPrefix: string;
  #idBlock = -1;
  #idBlockPrefix = "";
  #idCount = 0;

  #published = 0;
  #delivered = 0;
  #dropped = 0;
  #handlerErrors = 0;

  #closing: Promise<void> | undefined;
  #closed = false;
  #dropReportFailed = false;

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
    checkBusOptions(options);
    const clock = options.clock ?? systemClock;
    this.#clock = clock;
    this.#now = clock === systemClock ? Date.now : () => clock.now();
    this.#random = options.random ?? Math.random;
    this.#onError = options.onError;
    this.#onDrop = options.onDrop;
    this.#idPrefix = idPrefix();
  }

  publish<Topic extends string>(topic: Topic, payload: PayloadOf<Topics, Topic>, options?: PublishOptions): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError(topic));
    let route = this.#lastRoute;
    if (topic !== this.#lastTopic || route === undefined) {
      const found = this.#routes.get(topic) ?? this.#routeOrError(topic);
      if (found instanceof BusError) return Promise.reject(found);
      route = found;
      this.#lastTopic = topic;
      this.#lastRoute = route;
    }
    if (options !== undefined) {
      const invalid = checkPublishOptions(options, "publish");
      if (invalid !== undefined) return Promise.reject(invalid);
    }
    if (!route.careful) {
      const plain = route.plain;
      this.#published++;
      if (plain.length === 0 && this.#tap === undefined) return ACCEPTED;
      const message = this.#message(topic, payload, options);
      this.#tap?.accepted(message);
      for (let i = 0; i < plain.length; i++) this.#enqueue(plain[i] as Subscriber, message);
      return ACCEPTED;
    }
    const targets = this.#targets(route);
    const full = findFull(targets);
    if (full !== undefined) return Promise.reject(queueFull(topic, full));
    this.#published++;
    const message = this.#message(topic, payload, options);
    this.#tap?.accepted(message);
    for (const sub of targets) this.#enqueue(sub, message);
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
    options: SubscribeOptions = {},
  ): BusSubscription {
    if (this.#closed) throw this.#closedError(pattern, "subscribe");
    const tokens = validatePattern(pattern);
    if (typeof handler !== "function") {
      throw new BusError("INVALID_OPTION", `subscribe(${JSON.stringify(pattern)}): expected \`handler\` to be a function, got ${describeValue(handler)}`, { topic: pattern });
    }
    const checked = checkSubscribeOptions(options, pattern);
    const sub = new Subscriber({ id: this.#nextSubscriberId++, pattern, tokens, handler: handler as MessageHandler, ...checked });
    this.#trie.add(tokens, sub);
    this.#live.add(sub);
    this.#forgetRoutes();
    return {
      pattern,
      queue: sub.queue,
      get pending() {
        return sub.pending.length;
      },
      get active() {
        return !sub.detached;
      },
      unsubscribe: (): void => this.#unsubscribe(sub),
    };
  }

  request<Topic extends string>(topic: Topic, payload: PayloadOf<Topics, Topic>, options: RequestOptions = {}): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#closedError(topic, "request"));
    const route = this.#routes.get(topic) ?? this.#routeOrError(topic);
    if (route instanceof BusError) return Promise.reject(route);
    const invalid = checkPublishOptions(options, "request") ?? checkTimeout(options.timeoutMs);
    if (invalid !== undefined) return Promise.reject(invalid);
    const targets = this.#targets(route);
    if (targets.length === 0) {
      return Promise.reject(new BusError("NO_RESPONDERS", `No responders for request on ${JSON.stringify(topic)}: no subscription matches it`, { topic }));
    }
    const full = findFull(targets);
    if (full !== undefined) return Promise.reject(queueFull(topic, full));
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return new Promise<unknown>((resolve, reject) => {
      const pending: PendingRequest = { topic, remaining: targets.length, done: false, timer: undefined, resolve, reject };
      this.#published++;
      const message = this.#message(topic, payload, options);
      this.#requests.set(message, pending);
      this.#tap?.accepted(message);
      for (const sub of targets) this.#enqueue(sub, message);
      if (pending.done) return;
      pending.timer = this.#clock.setTimeout(() => {
        if (pending.done) return;
        this.#finishRequest(message, pending);
        reject(new BusError("REQUEST_TIMEOUT", `No reply to request on ${JSON.stringify(topic)} within ${timeoutMs} ms`, { topic }));
      }, timeoutMs);
    });
  }

  flush(): Promise<void> {
    const marks: FlushWaiter["marks"] = [];
    for (const sub of this.#live) {
      if (sub.busy) marks.push({ sub, mark: sub.taken + sub.pending.length });
    }
    if (marks.length === 0) return ACCEPTED;
    return new Promise<void>((resolve) => {
      this.#flushWaiters.push({ marks, resolve });
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.flush().then(() => {
      this.#closed = true;
      for (const sub of this.#live) this.#dropAll(sub, "closed");
      this.#checkFlushes();
    });
    return this.#closing;
  }

  /** The bus's counters; `pending` is summed over the subscriptions at the time of the call. */
  stats(): BusStats {
    let pending = 0;
    for (const sub of this.#live) pending += sub.pending.length;
    return {
      published: this.#published,
      delivered: this.#delivered,
      dropped: this.#dropped,
      pending,
      handlerErrors: this.#handlerErrors,
    };
  }

  /**
   * Number of live subscriptions whose pattern matches `topic` (queue-group members included).
   *
   * @throws BusError `INVALID_TOPIC` for a malformed topic
   */
  subscriberCount(topic: string): number {
    const route = this.#routes.get(topic) ?? this.#route(topic);
    let count = route.plain.length;
    for (const group of route.groups) count += group.length;
    return count;
  }

  /** The patterns of the live subscriptions, in subscription order (repeated when subscribed more than once). */
  patterns(): string[] {
    const out: string[] = [];
    for (const sub of this.#live) if (!sub.detached) out.push(sub.pattern);
    return out;
  }

  // ---- publishing ----

  #routeOrError(topic: string): Route | BusError {
    try {
      return this.#route(topic);
    } catch (error) {
      if (error instanceof BusError) return error;
      throw error;
    }
  }

  #route(topic: string): Route {
    const tokens = validateTopic(topic);
    const matched = this.#trie.match(tokens).sort(bySubscription);
    const plain: Subscriber[] = [];
    const groups = new Map<string, Subscriber[]>();
    let careful = false;
    for (const sub of matched) {
      if (sub.queue === undefined) {
        plain.push(sub);
        if (sub.overflow === "error") careful = true;
        continue;
      }
      careful = true;
      const members = groups.get(sub.queue);
      if (members === undefined) groups.set(sub.queue, [sub]);
      else members.push(sub);
    }
    const route: Route = { plain, groups: [...groups.values()], careful };
    if (this.#routes.size >= ROUTE_CACHE_SIZE) {
      const oldest = this.#routes.keys().next();
      if (oldest.done !== true) this.#routes.delete(oldest.value);
    }
    this.#routes.set(topic, route);
    return route;
  }

  #forgetRoutes(): void {
    this.#routes.clear();
    this.#lastTopic = undefined;
    this.#lastRoute = undefined;
  }

  /** The subscriptions one message goes to: every plain one and one member per queue group. */
  #targets(route: Route): Subscriber[] {
    const targets = route.plain.slice();
    for (const members of route.groups) {
      const pick = Math.floor(this.#random() * members.length);
      targets.push(members[Math.min(Math.max(pick, 0), members.length - 1)] as Subscriber);
    }
    return targets;
  }

  #message(topic: string, payload: unknown, options: PublishOptions | undefined): Message {
    if (this.#idCount === ID_BLOCK || this.#idBlock < 0) {
      this.#idBlock++;
      this.#idCount = 0;
      this.#idBlockPrefix = `${this.#idPrefix}-${this.#idBlock.toString(36)}.`;
    }
    const id = this.#idBlockPrefix + (ID_SUFFIXES[this.#idCount++] as string);
    const message: { -readonly [K in keyof Message]: Message[K] } = { id, topic, payload, timestamp: this.#now() };
    if (options !== undefined) {
      if (options.source !== undefined) message.source = options.source;
      if (options.headers !== undefined) message.headers = options.headers;
    }
    return message;
  }

  #enqueue(sub: Subscriber, message: Message): void {
    const queue = sub.pending;
    if (queue.length >= sub.maxPending) {
      if (sub.overflow === "drop-oldest") {
        sub.taken++;
        this.#drop(queue.shift() as Message, "overflow");
      } else {
        // drop-newest ('error' was refused before anything was queued)
        this.#drop(message, "overflow");
        return;
      }
    }
    queue.push(message);
    if (!sub.scheduled) {
      sub.scheduled = true;
      this.#ready.push(sub);
    }
    if (!this.#drainScheduled) {
      this.#drainScheduled = true;
      queueMicrotask(this.#drain);
    }
  }

  // ---- delivering ----

  #runDrain(): void {
    const ready = this.#ready;
    let budget = DRAIN_BUDGET;
    let i = 0;
    for (; i < ready.length && budget > 0; i++) {
      const sub = ready[i] as Subscriber;
      sub.scheduled = false;
      if (!sub.detached) budget = this.#deliver(sub, budget);
    }
    if (i < ready.length) {
      // out of budget: let the event loop breathe, then go on where we stopped
      this.#ready = ready.slice(i);
      setImmediate(this.#drain);
    } else {
      ready.length = 0;
      this.#drainScheduled = false;
    }
    if (this.#flushWaiters.length > 0) this.#checkFlushes();
  }

  /** Run `sub`'s queued messages while its concurrency allows; returns the budget left. */
  #deliver(sub: Subscriber, budget: number): number {
    const queue = sub.pending;
    const handler = sub.handler;
    const limit = sub.concurrency;
    let completed = 0;
    while (queue.length > 0 && sub.active < limit) {
      if (budget <= 0) {
        if (!sub.scheduled) {
          sub.scheduled = true;
          this.#ready.push(sub);
        }
        break;
      }
      budget--;
      const message = queue.shift() as Message;
      const position = sub.taken++;
      let result: unknown;
      try {
        result = handler(message);
      } catch (error) {
        completed++;
        this.#failed(sub, message, error);
        continue;
      }
      if (typeof result === "object" ? result !== null : typeof result === "function") {
        let then: unknown;
        try {
          then = (result as { then?: unknown }).then;
        } catch (error) {
          completed++;
          this.#failed(sub, message, error);
          continue;
        }
        if (typeof then === "function") {
          this.#await(sub, message, position, result as PromiseLike<unknown>, then as PromiseLike<unknown>["then"]);
          continue;
        }
      }
      completed++;
      if (this.#requests.size > 0) this.#replied(message, result);
    }
    this.#delivered += completed;
    return budget;
  }

  #await(sub: Subscriber, message: Message, position: number, result: PromiseLike<unknown>, then: PromiseLike<unknown>["then"]): void {
    sub.active++;
    sub.running.push(position);
    const settle = (): void => {
      sub.active--;
      const index = sub.running.indexOf(position);
      if (index >= 0) sub.running.splice(index, 1);
      this.#delivered++;
      if (sub.detached && sub.active === 0) this.#live.delete(sub);
    };
    const onValue = (value: unknown): void => {
      settle();
      if (this.#requests.size > 0) this.#replied(message, value);
      this.#wake(sub);
    };
    const onError = (error: unknown): void => {
      settle();
      this.#failed(sub, message, error);
      this.#wake(sub);
    };
    try {
      then.call(result, onValue, onError);
    } catch (error) {
      onError(error);
    }
  }

  /** After an asynchronous handler call settled: go on with the queue, or let a waiting `flush()` see it. */
  #wake(sub: Subscriber): void {
    if (sub.pending.length > 0 && !sub.scheduled && !sub.detached) {
      sub.scheduled = true;
      this.#ready.push(sub);
    } else if (this.#flushWaiters.length === 0) {
      return;
    }
    if (!this.#drainScheduled) {
      this.#drainScheduled = true;
      queueMicrotask(this.#drain);
    }
  }

  // ---- errors ----

  #failed(sub: Subscriber, message: Message, error: unknown): void {
    this.#handlerErrors++;
    const route = sub.onError ?? this.#onError;
    if (route === undefined) {
      this.#report(sub, `a handler of the bus subscription ${JSON.stringify(sub.pattern)} failed on message ${message.id} (${message.topic}) and neither the subscription nor the bus has an onError; further errors of this subscription are only counted in stats().handlerErrors`, error);
    } else {
      try {
        route(error, message);
      } catch (routeError) {
        this.#report(sub, `the onError of the bus subscription ${JSON.stringify(sub.pattern)} threw while handling an error of message ${message.id} (${message.topic}); delivery goes on`, routeError);
      }
    }
    if (this.#requests.size > 0) this.#replied(message, undefined);
  }

  #report(sub: Subscriber, what: string, error: unknown): void {
    if (sub.reported) return;
    sub.reported = true;
    writeToConsole(`[agent-orchestrator] ${what}:`, error);
  }

  // ---- requests ----

  /** A delivery of `message` settled with `value` (`undefined`: no reply). */
  #replied(message: Message, value: unknown): void {
    const request = this.#requests.get(message);
    if (request === undefined || request.done) return;
    if (value !== undefined) {
      this.#finishRequest(message, request);
      request.resolve(value);
      return;
    }
    request.remaining--;
    if (request.remaining > 0) return;
    this.#finishRequest(message, request);
    request.reject(new BusError("NO_REPLY", `No reply to request on ${JSON.stringify(request.topic)}: every matching handler settled (or was dropped) without replying`, { topic: request.topic }));
  }

  #finishRequest(message: Message, request: PendingRequest): void {
    request.done = true;
    this.#requests.delete(message);
    if (request.timer !== undefined) this.#clock.clearTimeout(request.timer);
  }

  // ---- drops, unsubscribe, flush ----

  #drop(message: Message, reason: DropReason): void {
    this.#dropped++;
    if (this.#requests.size > 0) this.#replied(message, undefined);
    const onDrop = this.#onDrop;
    if (onDrop === undefined) return;
    try {
      onDrop(message, reason);
    } catch (error) {
      if (this.#dropReportFailed) return;
      this.#dropReportFailed = true;
      writeToConsole("[agent-orchestrator] the bus's onDrop threw; further onDrop errors are ignored:", error);
    }
  }

  #dropAll(sub: Subscriber, reason: DropReason): void {
    const dropped = sub.pending.drain();
    sub.taken += dropped.length;
    for (const message of dropped) this.#drop(message, reason);
  }

  #unsubscribe(sub: Subscriber): void {
    if (sub.detached) return;
    sub.detached = true;
    this.#trie.remove(sub.tokens, sub);
    this.#forgetRoutes();
    this.#dropAll(sub, "unsubscribed");
    if (sub.active === 0) this.#live.delete(sub);
    if (this.#flushWaiters.length > 0) this.#checkFlushes();
  }

  #checkFlushes(): void {
    const waiting: FlushWaiter[] = [];
    for (const waiter of this.#flushWaiters) {
      waiter.marks = waiter.marks.filter(({ sub, mark }) => !passed(sub, mark));
      if (waiter.marks.length === 0) waiter.resolve();
      else waiting.push(waiter);
    }
    this.#flushWaiters = waiting;
  }

  #closedError(topic: string, operation = "publish"): BusError {
    return new BusError("BUS_CLOSED", `Cannot ${operation} on ${JSON.stringify(topic)}: the bus is closed`, { topic });
  }
}

/** Whether every delivery of `sub` before position `mark` has been handled or dropped. */
function passed(sub: Subscriber, mark: number): boolean {
  if (sub.taken < mark) return false;
  for (const position of sub.running) if (position < mark) return false;
  return true;
}

function bySubscription(a: Subscriber, b: Subscriber): number {
  return a.id - b.id;
}

function findFull(targets: readonly Subscriber[]): Subscriber | undefined {
  for (const sub of targets) {
    if (sub.overflow === "error" && sub.pending.length >= sub.maxPending) return sub;
  }
  return undefined;
}

function queueFull(topic: string, sub: Subscriber): BusError {
  return new BusError(
    "QUEUE_FULL",
    `Cannot publish on ${JSON.stringify(topic)}: the subscription ${JSON.stringify(sub.pattern)}${sub.queue === undefined ? "" : ` (queue group ${JSON.stringify(sub.queue)})`} has ${sub.maxPending} messages pending (maxPending) and overflow 'error'; the message was queued nowhere`,
    { topic },
  );
}

function idPrefix(): string {
  const bytes = new Uint8Array(4);
  globalThis.crypto.getRandomValues(bytes);
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

function checkBusOptions(options: BusOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new BusError("INVALID_OPTION", `createBus: expected options to be an object, got ${describeValue(options)}`);
  }
  for (const key of ["onError", "random", "onDrop"] as const) {
    const value = options[key];
    if (value !== undefined && typeof value !== "function") {
      throw new BusError("INVALID_OPTION", `createBus: expected \`${key}\` to be a function, got ${describeValue(value)}`);
    }
  }
  const clock = options.clock;
  if (clock !== undefined) {
    const shape = clock as Partial<Record<keyof Clock, unknown>>;
    if (typeof clock !== "object" || clock === null || typeof shape.now !== "function" || typeof shape.setTimeout !== "function" || typeof shape.clearTimeout !== "function") {
      throw new BusError("INVALID_OPTION", `createBus: expected \`clock\` to be a Clock (an object with now(), setTimeout() and clearTimeout()), got ${describeValue(clock)}`);
    }
  }
}

function checkSubscribeOptions(options: SubscribeOptions, pattern: string): {
  queue: string | undefined;
  concurrency: number;
  maxPending: number;
  overflow: OverflowPolicy;
  onError: ((error: unknown, message: Message) => void) | undefined;
} {
  const where = `subscribe(${JSON.stringify(pattern)})`;
  const fail = (message: string): BusError => new BusError("INVALID_OPTION", `${where}: ${message}`, { topic: pattern });
  if (typeof options !== "object" || options === null) throw fail(`expected options to be an object, got ${describeValue(options)}`);
  const { queue, concurrency = 1, maxPending = DEFAULT_MAX_PENDING, overflow = "drop-oldest", onError } = options;
  if (queue !== undefined && (typeof queue !== "string" || !/^\S+$/.test(queue))) {
    throw fail(`expected \`queue\` to be a non-empty queue group name without whitespace, got ${describeValue(queue)}`);
  }
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw fail(`expected \`concurrency\` to be a positive integer, got ${describeValue(concurrency)}`);
  }
  if (!Number.isSafeInteger(maxPending) || maxPending < 1) {
    throw fail(`expected \`maxPending\` to be a positive integer, got ${describeValue(maxPending)}`);
  }
  if (!OVERFLOW_POLICIES.includes(overflow)) {
    throw fail(`expected \`overflow\` to be one of ${OVERFLOW_POLICIES.map((p) => `'${p}'`).join(", ")}, got ${describeValue(overflow)}`);
  }
  if (onError !== undefined && typeof onError !== "function") {
    throw fail(`expected \`onError\` to be a function, got ${describeValue(onError)}`);
  }
  return { queue, concurrency, maxPending, overflow, onError };
}

function checkPublishOptions(options: PublishOptions, operation: "publish" | "request"): BusError | undefined {
  if (typeof options !== "object" || options === null) {
    return new BusError("INVALID_OPTION", `${operation}: expected options to be an object, got ${describeValue(options)}`);
  }
  const { headers, source } = options;
  if (source !== undefined && typeof source !== "string") {
    return new BusError("INVALID_OPTION", `${operation}: expected \`source\` to be a string, got ${describeValue(source)}`);
  }
  if (headers !== undefined) {
    if (typeof headers !== "object" || headers === null || Array.isArray(headers)) {
      return new BusError("INVALID_OPTION", `${operation}: expected \`headers\` to be an object of string values, got ${describeValue(headers)}`);
    }
    for (const key in headers) {
      const value: unknown = headers[key];
      if (typeof value !== "string") {
        return new BusError("INVALID_OPTION", `${operation}: expected \`headers.${key}\` to be a string, got ${describeValue(value)}`);
      }
    }
  }
  return undefined;
}

function checkTimeout(timeoutMs: unknown): BusError | undefined {
  if (timeoutMs === undefined || (typeof timeoutMs === "number" && Number.isFinite(timeoutMs) && timeoutMs > 0)) return undefined;
  return new BusError("INVALID_OPTION", `request: expected \`timeoutMs\` to be a positive finite number of milliseconds, got ${describeValue(timeoutMs)}`);
}
