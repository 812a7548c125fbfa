import type { AgentBusView } from "../agent/AgentBusView.js";
import { ADMIT, type AdmittingOptions } from "../bus/admission.js";
import type { SubscribeOptions, Subscription } from "../bus/Bus.js";
import { BusError } from "../errors/BusError.js";
import { cloneRefusal } from "./cloneRefusal.js";
import { DeliveryLane } from "./DeliveryLane.js";
import type { PendingCalls } from "./PendingCalls.js";
import type { FromThread, ToThread } from "./protocol.js";

/**
 * How many deliveries of one subscription may be in flight across the port
 * at once (at least the subscription's own `concurrency`). The main thread's
 * bus sees the subscription with this concurrency, so messages stream to the
 * thread without waiting for each answer; the thread keeps the subscription's
 * real `concurrency` with its own queue, and acknowledges every
 * `ACK_CHUNK` (128) messages of a large batch while it runs the rest, so the
 * main thread sends the next batch meanwhile (the window holds four such
 * chunks: the pipe stays full without a longer list of calls in flight for
 * the bus to keep). The cost: up to this many messages more than
 * `maxPending` may be held for a subscription (queued in the thread instead
 * of in the bus), and an overflow policy sees only the bus's part.
 */
export const DELIVERY_WINDOW = 512;

/** A `subscribe` frame. */
type SubscribeFrame = Extract<FromThread, { t: "subscribe" }>;

/** What the main thread's subscriptions of a thread agent use. */
export interface SubscribersPort {
  /** Send a frame to the thread (batched per turn). */
  send(frame: ToThread): void;
  /** The main thread's calls to the thread, answered by `done`. */
  readonly calls: PendingCalls;
  /** A subscription the thread asked for was refused by the bus: the agent's crash. */
  refused(error: unknown): void;
}

/**
 * The main thread's side of a thread agent's subscriptions: each `subscribe`
 * frame becomes a subscription through the incarnation's bus view (so queue
 * groups, `maxPending`, `overflow`, handler errors as crashes and the cleanup
 * at the incarnation's end work as for any agent), whose handler is a
 * {@link DeliveryLane}'s: the messages of a turn cross in one frame, and the
 * thread's reports on the subscription's channel settle them. A payload that cannot be copied to the thread is refused at
 * publish (through the bus's internal admission check) with a `BusError`
 * `PAYLOAD_INVALID` naming this subscriber.
 */
export class ThreadSubscribers {
  readonly #agent: string;
  readonly #bus: AgentBusView;
  readonly #port: SubscribersPort;
  readonly #subscriptions = new Map<number, { readonly pattern: string; readonly subscription: Subscription; readonly lane: DeliveryLane }>();

  constructor(agent: string, bus: AgentBusView, port: SubscribersPort) {
    this.#agent = agent;
    this.#bus = bus;
    this.#port = port;
  }

  /** The thread subscribed: subscribe for it on the main thread's bus. */
  subscribe({ sub, pattern, options }: SubscribeFrame): void {
    const lane = new DeliveryLane(sub, this.#port);
    const agent = this.#agent;
    const given: SubscribeOptions & AdmittingOptions = {
      concurrency: Math.max(DELIVERY_WINDOW, options.concurrency ?? 1),
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      ...(options.maxPending === undefined ? {} : { maxPending: options.maxPending }),
      ...(options.overflow === undefined ? {} : { overflow: options.overflow }),
      [ADMIT]: (payload, topic) => {
        const why = cloneRefusal(payload);
        if (why === undefined) return undefined;
        return new BusError("PAYLOAD_INVALID", `agent "${agent}" (isolation: thread) subscribes to "${pattern}": the payload published on "${topic}" cannot be copied to its thread: ${why}`, { topic });
      },
    };
    try {
      this.#subscriptions.set(sub, { pattern, subscription: this.#bus.subscribe(pattern, lane.handler, given), lane });
    } catch (error) {
      lane.end();
      this.#port.refused(error);
    }
  }

  /** The thread ended subscription `sub`. */
  unsubscribe(sub: number): void {
    const entry = this.#subscriptions.get(sub);
    if (entry === undefined) return;
    this.#subscriptions.delete(sub);
    void entry.subscription.unsubscribe();
    entry.lane.end();
  }

  /** The pattern of subscription `sub`, for error messages. */
  pattern(sub: number): string | undefined {
    return this.#subscriptions.get(sub)?.pattern;
  }

  /** End every subscription: the thread is gone. */
  close(): void {
    for (const sub of [...this.#subscriptions.keys()]) this.unsubscribe(sub);
  }
}
