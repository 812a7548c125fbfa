import type { Subscription } from "../Bus.js";
import { DISPOSE } from "../../disposeSymbols.js";
import type { Subscriber } from "./Subscriber.js";

/** The handle `subscribe` returns on the library's buses. */
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
  /**
   * `unsubscribe()` at the end of a `using` block: `using sub = bus.subscribe(...)`.
   * Synchronous on every bus of the library (the NATS bus stops delivering at
   * once and queues the server's UNSUB with the client, as `unsubscribe()` does).
   */
  [Symbol.dispose](): void;
}

/**
 * How a bus ends one of its subscriptions: called with the subscription's
 * {@link Subscriber}, so one function per bus serves every handle.
 */
export type Unsubscriber = (sub: Subscriber) => void;

/**
 * The {@link BusSubscription} of one subscriber: a small class instance (two
 * fields; its getters live on the prototype), not an object literal with
 * accessors, which V8 stores as a dictionary of its own (about 0.9 KB per
 * subscription).
 */
export class SubscriptionHandle implements BusSubscription {
  readonly #sub: Subscriber;
  readonly #unsubscribe: Unsubscriber;
  /** `unsubscribe` as a function of its own, made on its first read. */
  #end: (() => void) | undefined = undefined;

  /**
   * @param sub - the subscription as the delivery core sees it
   * @param unsubscribe - the bus's own removal, called with `sub` on every `unsubscribe()` (it must be idempotent)
   */
  constructor(sub: Subscriber, unsubscribe: Unsubscriber) {
    this.#sub = sub;
    this.#unsubscribe = unsubscribe;
  }

  get pattern(): string {
    return this.#sub.pattern;
  }

  get queue(): string | undefined {
    return this.#sub.queue;
  }

  get pending(): number {
    return this.#sub.queued;
  }

  get active(): boolean {
    return !this.#sub.detached;
  }

  /**
   * Stop receiving (see {@link BusSubscription.unsubscribe}). A getter, so that
   * the function works detached from the handle as the bus's own always did
   * (`signal.addEventListener("abort", sub.unsubscribe)`); it is made on the
   * first read, not per subscription.
   */
  get unsubscribe(): () => void {
    return (this.#end ??= () => this.#unsubscribe(this.#sub));
  }

  /** {@link SubscriptionHandle.unsubscribe} without making a function (see {@link endSubscription}). */
  end(): void {
    this.#unsubscribe(this.#sub);
  }

  /** {@link SubscriptionHandle.unsubscribe}, for `using sub = bus.subscribe(...)`. */
  [DISPOSE](): void {
    this.#unsubscribe(this.#sub);
  }
}

/** End `subscription`: through {@link SubscriptionHandle.end} when it is one (no function made), else its `unsubscribe()`. */
export function endSubscription(subscription: Subscription): void | Promise<void> {
  if (subscription instanceof SubscriptionHandle) return subscription.end();
  return subscription.unsubscribe();
}

/** The handle of `sub`; `unsubscribe` is the bus's own (called with `sub`). */
export function subscriptionHandle(sub: Subscriber, unsubscribe: Unsubscriber): BusSubscription {
  return new SubscriptionHandle(sub, unsubscribe);
}
