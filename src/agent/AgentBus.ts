import type {
  Bus,
  BusStats,
  Message,
  MessageHandler,
  PayloadOf,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
  TopicMap,
} from "../bus/Bus.js";
import { isThenable } from "../check.js";
import { BusError } from "../errors/BusError.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import { tagHandlerAgent } from "../trace/tagHandlerAgent.js";
import type { AgentBusView } from "./AgentBusView.js";
import { AgentSubscription } from "./AgentSubscription.js";

/** The settled promise of a close with nothing to wait for. */
const DONE: Promise<void> = Promise.resolve();

/** How an {@link AgentBus} reports what happens in its handlers. */
export interface AgentBusHooks {
  /** A handler threw or rejected: the owning incarnation crashes. */
  onHandlerError(error: unknown, message: Message): void;
}

/**
 * One incarnation's view of the bus. Publishes carry the agent's name as
 * `source`; subscriptions made through it are owned by the incarnation and
 * removed when it ends (pending messages are dropped and counted, handler calls
 * still running are abandoned: the bus no longer waits for them); a handler
 * error is the agent's crash unless the subscription has its own `onError`.
 * After {@link AgentBus.close} every call is refused with `BUS_CLOSED`.
 */
export class AgentBus implements AgentBusView {
  readonly #inner: Bus;
  readonly #agent: string;
  readonly #counters: AgentCounters;
  readonly #hooks: AgentBusHooks;
  /** Subscriptions made through this view and not yet ended: the newest, linked to the older ones. */
  #newest: AgentSubscription | undefined;
  #subscriptionCount = 0;
  /** Release functions of the handler calls still in flight (their promise has not settled; created with the first). */
  #inFlight: Set<() => void> | undefined;
  #closed = false;

  constructor(inner: Bus, agent: string, counters: AgentCounters, hooks: AgentBusHooks) {
    this.#inner = inner;
    this.#agent = agent;
    this.#counters = counters;
    this.#hooks = hooks;
  }

  publish<Topic extends string>(topic: Topic, payload: PayloadOf<TopicMap, Topic>, options: PublishOptions = {}): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError());
    return this.#inner.publish(topic, payload, { ...options, source: this.#agent });
  }

  subscribe<Pattern extends string>(
    pattern: Pattern,
    handler: MessageHandler<PayloadOf<TopicMap, Pattern>>,
    options?: SubscribeOptions,
  ): AgentSubscription {
    if (this.#closed) throw this.#closedError();
    const subscription = new AgentSubscription(this, handler, options === undefined ? undefined : options.onError, this.#newest);
    let inner: Subscription;
    try {
      // no copy of options when there are none (the usual subscription)
      const given = options === undefined ? { onError: subscription.failed } : { ...options, onError: subscription.failed };
      inner = this.#inner.subscribe(pattern, subscription.deliver, given);
    } catch (error) {
      subscription.unlink();
      throw error;
    }
    subscription.attach(inner);
    this.#newest = subscription;
    this.#subscriptionCount++;
    return subscription;
  }

  /** Run `handler` on `message` for one of this view's subscriptions: timed, and not at all once the view is closed. */
  run(handler: MessageHandler, message: Message, via: MessageHandler): unknown {
    if (this.#closed) return undefined;
    tagHandlerAgent(via, this.#agent);
    const started = performance.now();
    let result: unknown;
    try {
      result = handler(message);
    } catch (error) {
      this.#counters.handlerDuration.observe((performance.now() - started) / 1_000);
      throw error;
    }
    if (isThenable(result)) return this.#track(result, started);
    this.#counters.handlerDuration.observe((performance.now() - started) / 1_000);
    return result;
  }

  /** A handler of this view threw or rejected: counted, then the subscription's own `onError`, else the incarnation's crash. */
  failed(own: ((error: unknown, message: Message) => void) | undefined, error: unknown, message: Message): void {
    this.#counters.handlerErrors++;
    if (this.#closed) return;
    if (own) own(error, message);
    else this.#hooks.onHandlerError(error, message);
  }

  /** `subscription` has ended: unlink it, it is no longer this view's to remove. */
  forget(subscription: AgentSubscription): void {
    if (this.#newest === subscription) this.#newest = subscription.older;
    subscription.unlink();
    this.#subscriptionCount--;
  }

  request<Topic extends string>(topic: Topic, payload: PayloadOf<TopicMap, Topic>, options: RequestOptions = {}): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#closedError());
    return this.#inner.request(topic, payload, { ...options, source: this.#agent });
  }

  flush(): Promise<void> {
    return this.#inner.flush();
  }

  /**
   * Ends this view only (the shared bus stays open): removes every subscription
   * made through it and abandons the handler calls still in flight: the bus sees
   * them settle now without a reply, so a call that never settles cannot hold up
   * `flush()`, a shutdown or a request. Whatever such a call does later is ignored.
   */
  close(): Promise<void> {
    return this.end() ?? DONE;
  }

  /**
   * {@link AgentBus.close}, for the incarnation: `undefined` when nothing was
   * left to wait for (every unsubscribe done at once, as in process), else a
   * promise of the inner unsubscribes that returned one.
   */
  end(): Promise<void> | undefined {
    if (this.#closed) return undefined;
    this.#closed = true;
    const inFlight = this.#inFlight;
    if (inFlight !== undefined) {
      for (const release of [...inFlight]) release();
      inFlight.clear();
    }
    // newest first; each unsubscribe unlinks the one it ends. Only the unsubscribes that
    // return a promise (a networked bus) are waited for: an in-process one is done at once
    let waits: Array<Promise<void>> | undefined;
    while (this.#newest !== undefined) {
      const ending = this.#newest.end();
      if (isThenable(ending)) (waits ??= []).push(Promise.resolve(ending));
    }
    return waits === undefined ? undefined : Promise.all(waits).then(() => undefined);
  }

  stats(): BusStats {
    const stats = this.#inner.stats?.();
    return stats ?? { published: 0, delivered: 0, dropped: 0, pending: 0, handlerErrors: 0 };
  }

  /** The promise the bus awaits for an asynchronous handler call: the call's own, or settled early by {@link AgentBus.close}. */
  #track(result: PromiseLike<unknown>, started: number): Promise<unknown> {
    const counters = this.#counters;
    const inFlight = (this.#inFlight ??= new Set());
    const call = Promise.resolve(result);
    return new Promise<unknown>((resolve) => {
      const release = (): void => resolve(undefined);
      inFlight.add(release);
      call.then(
        (value) => {
          inFlight.delete(release);
          counters.handlerDuration.observe((performance.now() - started) / 1_000);
          resolve(value);
        },
        () => {
          inFlight.delete(release);
          counters.handlerDuration.observe((performance.now() - started) / 1_000);
          resolve(call); // adopts the call's rejection, reason unchanged
        },
      );
    });
  }

  /** Handler calls through this view still in flight. */
  get inFlight(): number {
    return this.#inFlight?.size ?? 0;
  }

  /** Subscriptions still held by this view. */
  get subscriptionCount(): number {
    return this.#subscriptionCount;
  }

  #closedError(): BusError {
    return new BusError("BUS_CLOSED", `agent "${this.#agent}": this incarnation has ended; its bus view is closed`);
  }
}
