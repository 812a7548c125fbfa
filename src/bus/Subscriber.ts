import type { Message, MessageHandler, OverflowPolicy } from "./Bus.js";
import { RingQueue } from "./RingQueue.js";

/**
 * The in-process bus's record of one subscription: its options, its pending
 * queue and its delivery state. Internal to the bus; users hold a
 * `Subscription` handle instead.
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

  /** Messages waiting for a handler call. */
  readonly pending = new RingQueue<Message>();
  /** Handler calls running now (their promise has not settled). */
  active = 0;
  /** Positions (see `taken`) of the deliveries running now, for `flush()`. */
  readonly running: number[] = [];
  /** Messages ever taken off the queue (started or dropped); the head of the queue is delivery number `taken`, so `taken + pending.length` deliveries were ever queued. */
  taken = 0;
  /** Whether the subscription is on the bus's ready list. */
  scheduled = false;
  /** Whether `unsubscribe()` was called. */
  detached = false;
  /** Whether an unrouted error of this subscription was already written to the console. */
  reported = false;

  constructor(init: {
    id: number;
    pattern: string;
    tokens: readonly string[];
    handler: MessageHandler;
    queue: string | undefined;
    concurrency: number;
    maxPending: number;
    overflow: OverflowPolicy;
    onError: ((error: unknown, message: Message) => void) | undefined;
  }) {
    this.id = init.id;
    this.pattern = init.pattern;
    this.tokens = init.tokens;
    this.handler = init.handler;
    this.queue = init.queue;
    this.concurrency = init.concurrency;
    this.maxPending = init.maxPending;
    this.overflow = init.overflow;
    this.onError = init.onError;
  }

  /** True while a message is queued or a handler call is running. */
  get busy(): boolean {
    return this.pending.length > 0 || this.active > 0;
  }
}
