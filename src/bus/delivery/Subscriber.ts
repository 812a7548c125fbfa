import type { Admission } from "../admission.js";
import type { Message, MessageHandler, OverflowPolicy } from "../Bus.js";
import { RingQueue } from "./RingQueue.js";

/** What a bus knows of a subscription when it creates its {@link Subscriber}: its pattern (and tokens, as `validatePattern` returned them) and its checked options. */
export type SubscriberInit = Pick<Subscriber, "id" | "pattern" | "tokens" | "handler" | "queue" | "concurrency" | "maxPending" | "overflow" | "onError"> &
  Partial<Pick<Subscriber, "admit">>;

/**
 * One subscription as the delivery core sees it: its options, its queue of
 * pending messages and its delivery state. Every Bus (in process, over a
 * network) keeps one per subscription and hands it to the `DeliveryCore`;
 * users hold a `BusSubscription` handle instead.
 */
export class Subscriber {
  /** Creation order within the bus: ties are broken by it, so delivery order and queue-group choice are replayable. */
  readonly id: number;
  readonly pattern: string;
  readonly tokens: readonly string[];
  readonly handler: MessageHandler;
  readonly queue: string | undefined;
  readonly concurrency: number;
  readonly maxPending: number;
  readonly overflow: OverflowPolicy;
  readonly onError: ((error: unknown, message: Message) => void) | undefined;
  /**
   * `overflow: 'error'`: a message that finds the queue full is refused rather
   * than queued (in process the publish rejects with `QUEUE_FULL`; a networked
   * bus drops the copy that arrives, as it cannot refuse the remote publish).
   */
  readonly refusesWhenFull: boolean;
  /**
   * The internal `ADMIT` option (see `admission.ts`): a check every payload
   * must pass at publish before the in-process bus queues it for anyone.
   * `undefined` for nearly every subscription.
   */
  readonly admit: Admission | undefined;
  /**
   * Whether a publish must ask this subscription before queueing a message
   * for anyone: it refuses when full, or it has an {@link Subscriber.admit}
   * check. A route with such a subscription is not direct.
   */
  readonly mayRefuse: boolean;

  /** See {@link Subscriber.pending}: made with the first message queued. */
  #pending: RingQueue<Message> | undefined = undefined;
  /** Handler calls running now (their promise has not settled). */
  active = 0;
  /** See {@link Subscriber.running}: made with the first asynchronous handler call. */
  #running: number[] | undefined = undefined;
  /** Messages ever taken off the queue (started or dropped); the head of the queue is delivery number `taken`, so `taken + pending.length` deliveries were ever queued. */
  taken = 0;
  /** Whether the subscription is on the core's ready list. */
  scheduled = false;
  /** Whether `unsubscribe()` was called. */
  detached = false;
  /** Whether an unrouted error of this subscription was already written to the console. */
  reported = false;

  constructor(init: SubscriberInit) {
    this.id = init.id;
    this.pattern = init.pattern;
    this.tokens = init.tokens;
    this.handler = init.handler;
    this.queue = init.queue;
    this.concurrency = init.concurrency;
    this.maxPending = init.maxPending;
    this.overflow = init.overflow;
    this.onError = init.onError;
    this.refusesWhenFull = init.overflow === "error";
    this.admit = init.admit;
    this.mayRefuse = this.refusesWhenFull || init.admit !== undefined;
  }

  /** Messages waiting for a handler call (the queue is made on first use: read {@link Subscriber.queued} for its length). */
  get pending(): RingQueue<Message> {
    return (this.#pending ??= new RingQueue<Message>());
  }

  /** How many messages wait for a handler call (makes no queue). */
  get queued(): number {
    return this.#pending === undefined ? 0 : this.#pending.length;
  }

  /** Positions (see `taken`) of the deliveries running now, for `flush()` (made on first read). */
  get running(): number[] {
    return (this.#running ??= []);
  }

  /** Whether a delivery before position `mark` is still running (makes no list). */
  runningBefore(mark: number): boolean {
    const running = this.#running;
    if (running === undefined) return false;
    for (const position of running) if (position < mark) return true;
    return false;
  }

  /** True while a message is queued or a handler call is running. */
  get busy(): boolean {
    return this.queued > 0 || this.active > 0;
  }

  /** True when the subscription refuses messages when full and its queue is full now. */
  get full(): boolean {
    return this.refusesWhenFull && this.queued >= this.maxPending;
  }
}
