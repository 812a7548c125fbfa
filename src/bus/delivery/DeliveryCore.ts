import type { BusStats, DropReason, Message, QueueDepth } from "../Bus.js";
import type { BusTracing } from "../../trace/BusTracing.js";
import { FailureRouter } from "./FailureRouter.js";
import { FlushWaiters } from "./FlushWaiters.js";
import { Replies } from "./Replies.js";
import { RequestMessage } from "./RequestMessage.js";
import { RingQueue } from "./RingQueue.js";
import type { ReplyWaiter } from "./ReplyWaiter.js";
import type { Subscriber } from "./Subscriber.js";
import type { TurnClock } from "./TurnClock.js";

/**
 * Drains are queued as reactions of this settled promise rather than with
 * `queueMicrotask`, which creates an async resource and a bound function per
 * call (about 300 bytes, the largest allocation of a request).
 */
const SETTLED: Promise<void> = Promise.resolve();

/** Handler calls one drain makes before yielding to the event loop (I/O, timers) with `setImmediate`. */
const DRAIN_BUDGET = 10_000;

/** Options of a {@link DeliveryCore}: the bus's error and drop routes. */
export interface DeliveryCoreOptions {
  /** Where handler errors go when the subscription has no `onError` of its own. */
  readonly onError: ((error: unknown, message: Message) => void) | undefined;
  /** Called for each dropped delivery, with the reason. */
  readonly onDrop: ((message: Message, reason: DropReason) => void) | undefined;
}

/**
 * The delivery core every Bus runs on: what happens to a message once the bus
 * knows which subscriptions it goes to. A bus adds its {@link Subscriber}s and
 * queues messages for them ({@link DeliveryCore.enqueue}); the core does the rest:
 *
 * - a bounded FIFO queue per subscription, with its overflow policy;
 * - one microtask drains everything queued in the same turn (never a task per
 *   message), yielding to the event loop every 10,000 handler calls, and runs
 *   each subscription's handler with its `concurrency`;
 * - each handler call is isolated: a throw or rejection goes to the
 *   subscription's `onError`, else the bus's, else the console (see {@link FailureRouter});
 * - `flush()` bookkeeping, drops (counted, reported to `onDrop`), counters;
 * - the deliveries of a request message report their outcome to its {@link ReplyWaiter}.
 *
 * The in-process bus is routing (which subscriptions a topic reaches) over
 * this core; the NATS bus is transport (what arrives from the server) over it.
 */
export class DeliveryCore {
  readonly #failures: FailureRouter;
  /** Subscriptions that are subscribed, or unsubscribed with handler calls still running. */
  readonly #live = new Set<Subscriber>();
  /** Subscriptions with queued messages, in the order they became ready. */
  readonly #ready = new RingQueue<Subscriber>();
  #drainScheduled = false;
  readonly #drain = (): void => this.#runDrain();
  readonly #replies = new Replies();
  readonly #flushes = new FlushWaiters();
  #delivered = 0;
  #dropped = 0;
  #handlerErrors = 0;
  /** The bus's message timestamps, told of each handler call (a new synchronous turn); none on a bus that reads its clock per message. */
  readonly #turn: TurnClock | undefined;
  /** The bus's tracing (`undefined` with `tracing: false`): handler calls run in their span while a provider is registered. */
  readonly #tracing: BusTracing | undefined;

  /**
   * @param options - the bus's error and drop routes
   * @param turn - the bus's {@link TurnClock}, when it stamps messages once per turn
   * @param tracing - the bus's tracing, checked once per drain (per call for {@link DeliveryCore.deliverNow})
   */
  constructor(options: DeliveryCoreOptions, turn?: TurnClock, tracing?: BusTracing) {
    this.#failures = new FailureRouter(options.onError, options.onDrop);
    this.#turn = turn;
    this.#tracing = tracing;
  }

  /** Where this core's failures go: a transport routes its own errors (an undecodable message) there too. */
  get failures(): FailureRouter {
    return this.#failures;
  }

  /** Start delivering to `sub`. */
  add(sub: Subscriber): void {
    this.#live.add(sub);
  }

  /**
   * Stop delivering to `sub`: its pending messages are dropped and counted with
   * `reason`; handler calls still running finish. Returns false when it was
   * detached already.
   */
  detach(sub: Subscriber, reason: DropReason = "unsubscribed"): boolean {
    if (sub.detached) return false;
    sub.detached = true;
    this.#dropAll(sub, reason);
    if (sub.active === 0) this.#live.delete(sub);
    if (this.#flushes.size > 0) this.#flushes.check();
    return true;
  }

  /** Queue `message` for `sub`, applying its overflow policy when the queue is full. */
  enqueue(sub: Subscriber, message: Message): void {
    const queue = sub.pending;
    if (queue.length >= sub.maxPending) {
      if (sub.overflow === "drop-oldest") {
        sub.taken++;
        this.drop(queue.shift() as Message, "overflow");
      } else {
        // drop-newest, and 'error' on arrival from a network (a local publish was refused before queuing)
        this.drop(message, "overflow");
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
      void SETTLED.then(this.#drain);
    }
  }

  /**
   * Report the outcome of each delivery of `message` to `waiter` (register
   * before queuing it); an in-process `RequestMessage` is its own waiter.
   */
  expectReplies(message: RequestMessage): void;
  expectReplies(message: Message, waiter: ReplyWaiter): void;
  expectReplies(message: Message, waiter?: ReplyWaiter): void {
    if (message instanceof RequestMessage) this.#replies.set(message);
    else if (waiter !== undefined) this.#replies.set(message, waiter);
  }

  /** Stop reporting deliveries of `message` (its request settled otherwise: a timeout). */
  forgetReplies(message: Message): void {
    this.#replies.delete(message);
  }

  /** A delivery of `message` is dropped: counted, its request told, `onDrop` called. */
  drop(message: Message, reason: DropReason): void {
    this.#dropped++;
    if (this.#replies.size > 0) this.#replied(undefined, message, undefined);
    this.#failures.dropped(message, reason);
  }

  /**
   * A delivery of `message` to `sub` could not be made (a transport could not
   * decode it): counted as dropped, `error` routed to the `onError` in charge.
   */
  undeliverable(sub: Subscriber, message: Message, error: unknown, what: string): void {
    this.#dropped++;
    if (this.#replies.size > 0) this.#replied(undefined, message, undefined);
    this.#failures.route(sub, message, error, what, "stats().dropped");
  }

  /** Resolves once every delivery queued before the call has been handled or dropped. */
  flush(): Promise<void> {
    return this.#flushes.wait(this.#live);
  }

  /** Drop what is still queued for every subscription (reason `closed`), at the end of a bus's close. */
  dropEverything(): void {
    for (const sub of this.#live) this.#dropAll(sub, "closed");
    this.#flushes.check();
  }

  /** The core's counters; `published` is the bus's to count. */
  stats(): Omit<BusStats, "published"> {
    let pending = 0;
    for (const sub of this.#live) pending += sub.queued;
    return { delivered: this.#delivered, dropped: this.#dropped, pending, handlerErrors: this.#handlerErrors };
  }

  /** The `limit` live subscriptions with the most messages waiting, deepest first (ties in subscription order); none with an empty queue. */
  queues(limit: number): QueueDepth[] {
    const deepest: Subscriber[] = [];
    if (limit < 1) return [];
    for (const sub of this.#live) {
      const depth = sub.queued;
      if (depth === 0 || sub.detached) continue;
      if (deepest.length === limit && depth <= (deepest[limit - 1] as Subscriber).queued) continue;
      let at = deepest.length;
      while (at > 0 && (deepest[at - 1] as Subscriber).queued < depth) at--;
      deepest.splice(at, 0, sub);
      if (deepest.length > limit) deepest.pop();
    }
    return deepest.map((sub) => (sub.queue === undefined ? { pattern: sub.pattern, pending: sub.queued, maxPending: sub.maxPending } : { pattern: sub.pattern, queue: sub.queue, pending: sub.queued, maxPending: sub.maxPending }));
  }

  /** The patterns of the live subscriptions, in subscription order. */
  patterns(): string[] {
    const out: string[] = [];
    for (const sub of this.#live) if (!sub.detached) out.push(sub.pattern);
    return out;
  }

  #runDrain(): void {
    const ready = this.#ready;
    let budget = DRAIN_BUDGET;
    // the tracer provider checked at most once per turn: the publish that scheduled this drain checked it
    // (the answer is reused here and by the handlers' publishes); publishes after the drain check again
    const tracing = this.#tracing;
    const traced = tracing !== undefined && tracing.on() ? tracing : undefined;
    while (ready.length > 0 && budget > 0) {
      const sub = ready.shift() as Subscriber;
      sub.scheduled = false;
      if (!sub.detached) budget = this.#deliver(sub, budget, traced);
    }
    tracing?.stale();
    if (ready.length > 0) {
      // out of budget: let the event loop breathe, then go on where we stopped
      setImmediate(this.#drain);
    } else {
      this.#drainScheduled = false;
    }
    if (this.#flushes.size > 0) this.#flushes.check();
  }

  /** Run `sub`'s queued messages while its concurrency allows (each in its span when `traced`); returns the budget left. */
  #deliver(sub: Subscriber, budget: number, traced: BusTracing | undefined): number {
    const queue = sub.pending;
    const handler = sub.handler;
    const limit = sub.concurrency;
    const turn = this.#turn;
    let completed = 0;
    while (queue.length > 0 && sub.active < limit) {
      if (budget <= 0) {
        this.#schedule(sub);
        break;
      }
      budget--;
      const message = queue.shift() as Message;
      const position = sub.taken++;
      let result: unknown;
      if (turn !== undefined) turn.nextTurn();
      try {
        result = traced === undefined ? handler(message) : traced.process(sub, message);
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
      if (this.#replies.size > 0) this.#replied(sub, message, result);
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
      if (this.#replies.size > 0) this.#replied(sub, message, value);
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

  #schedule(sub: Subscriber): void {
    if (sub.scheduled) return;
    sub.scheduled = true;
    this.#ready.push(sub);
  }

  /** After an asynchronous handler call settled: go on with the queue, or let a waiting `flush()` see it. */
  #wake(sub: Subscriber): void {
    if (sub.queued > 0 && !sub.scheduled && !sub.detached) {
      sub.scheduled = true;
      this.#ready.push(sub);
    } else if (this.#flushes.size === 0) {
      return;
    }
    if (!this.#drainScheduled) {
      this.#drainScheduled = true;
      void SETTLED.then(this.#drain);
    }
  }

  #failed(sub: Subscriber, message: Message, error: unknown): void {
    this.#handlerErrors++;
    this.#failures.handlerFailed(sub, message, error);
    if (this.#replies.size > 0) this.#replied(sub, message, undefined);
  }

  /** A delivery of `message` (to `sub`; `undefined` for a drop) settled with `value` (`undefined`: no reply). */
  #replied(sub: Subscriber | undefined, message: Message, value: unknown): void {
    let finished: boolean | undefined;
    try {
      finished = this.#replies.settle(message, value);
    } catch (error) {
      // the reply could not be sent: the handler call failed after all
      this.#replies.delete(message);
      if (sub !== undefined) this.#failed(sub, message, error);
      return;
    }
    if (finished === true) this.#replies.delete(message);
  }

  #dropAll(sub: Subscriber, reason: DropReason): void {
    if (sub.queued === 0) return;
    const dropped = sub.pending.drain();
    sub.taken += dropped.length;
    for (const message of dropped) this.drop(message, reason);
  }

  // ---- direct delivery, for a transport whose callback is already asynchronous to the publisher ----

  /**
   * Deliver `message` to `sub` from a network client's callback (the NATS
   * receiver): when nothing of `sub` is queued and its concurrency allows, the
   * handler is called now, without queuing and scheduling a drain; otherwise
   * the message is queued as {@link DeliveryCore.enqueue} does. The call is
   * isolated, counted and reported to a request's waiter as in a drain, and
   * `flush()` sees it. Never for a local publisher: the in-process bus's
   * handlers stay asynchronous to `publish`.
   */
  deliverNow(sub: Subscriber, message: Message): void {
    if (sub.detached) {
      this.drop(message, "unsubscribed");
      return;
    }
    if (sub.queued > 0 || sub.active >= sub.concurrency) {
      this.enqueue(sub, message);
      return;
    }
    const position = sub.taken++;
    if (this.#turn !== undefined) this.#turn.nextTurn();
    let result: unknown;
    const tracing = this.#tracing;
    try {
      result = tracing !== undefined && tracing.now() ? tracing.process(sub, message) : sub.handler(message);
      if (typeof result === "object" ? result !== null : typeof result === "function") {
        const then = (result as { then?: unknown }).then;
        if (typeof then === "function") {
          this.#await(sub, message, position, result as PromiseLike<unknown>, then as PromiseLike<unknown>["then"]);
          return;
        }
      }
    } catch (error) {
      this.#delivered++;
      this.#failed(sub, message, error);
      if (this.#flushes.size > 0) this.#flushes.check();
      return;
    }
    this.#delivered++;
    if (this.#replies.size > 0) this.#replied(sub, message, result);
    if (this.#flushes.size > 0) this.#flushes.check();
  }
}
