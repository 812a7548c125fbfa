import type { AgentBusView } from "../agent/AgentBusView.js";
import type { MessageHandler, PublishOptions, RequestOptions, SubscribeOptions } from "../bus/Bus.js";
import { checkSubscription, publishOptionsError, requestSignal } from "../bus/delivery/busOptions.js";
import { validatePattern } from "../bus/topic.js";
import { BusError } from "../errors/BusError.js";
import type { PendingCalls } from "./PendingCalls.js";
import type { FromThread, WireMessages, WireOneMessage, WireRequestOptions } from "./protocol.js";
import { type DeliverFrame, skipped, ThreadSubscription } from "./ThreadSubscription.js";
import { toWireError } from "./wireError.js";

/** What a {@link ThreadBus} sends through: the thread's side of the port. */
export interface ThreadBusPort {
  /** Send a frame to the main thread (batched per turn). */
  send(frame: FromThread): void;
  /** The thread's calls to the main thread, answered by `reply`. */
  readonly calls: PendingCalls;
  /** Post what is queued now, without waiting for the end of the turn (optional). */
  flush?(): void;
}

/**
 * The agent's `this.bus` in its thread: the same {@link AgentBusView} as in
 * process, carried over the port. `subscribe` checks the pattern and options
 * at once, as the in-process bus does (a bad one throws here), then the main
 * thread subscribes for the agent (queue groups, `maxPending` and `overflow`
 * are kept there); `publish`, `request` and `flush` are answered by the main
 * thread's bus. A payload that cannot be copied out of the thread is refused
 * with `BusError` `PAYLOAD_INVALID` (see `ThreadRuntime`). A request's
 * `signal` stays here: its abort is sent over; its timeout runs on the main
 * thread's bus clock.
 */
export class ThreadBus implements AgentBusView {
  readonly #agent: string;
  readonly #port: ThreadBusPort;
  readonly #subscriptions = new Map<number, ThreadSubscription>();
  #nextSub = 0;
  #closed = false;

  constructor(agent: string, port: ThreadBusPort) {
    this.#agent = agent;
    this.#port = port;
  }

  subscribe<Pattern extends string>(pattern: Pattern, handler: MessageHandler, options?: SubscribeOptions): ThreadSubscription {
    if (this.#closed) throw this.#closedError();
    validatePattern(pattern);
    const checked = checkSubscription(pattern, handler, options);
    const sub = ++this.#nextSub;
    const port = this.#port;
    const subscription = new ThreadSubscription(sub, checked.handler, checked.onError, checked.concurrency, {
      agent: this.#agent,
      send: (frame) => port.send(frame),
      ended: (ended) => void this.#subscriptions.delete(ended),
      flush: () => port.flush?.(),
    });
    this.#subscriptions.set(sub, subscription);
    const { queue, concurrency, maxPending, overflow } = checked;
    this.#port.send({ t: "subscribe", sub, pattern, options: { queue, concurrency, maxPending, overflow } });
    return subscription;
  }

  /** A `deliver` frame: to its subscription (one that has ended answers it unhandled). */
  deliver(frame: DeliverFrame): void {
    const subscription = this.#subscriptions.get(frame.sub);
    if (subscription !== undefined) return subscription.deliver(frame);
    this.#port.send({ t: "done", call: frame.call, ok: true });
  }

  /** A `messages` frame: to its subscription (for one that has ended, they count as handled). */
  deliverMessages(frame: WireMessages): void {
    const subscription = this.#subscriptions.get(frame.sub);
    if (subscription !== undefined) return subscription.deliverMessages(frame);
    skipped(this.#port, frame.channel, frame.first, frame.ids.length);
  }

  /** A `message` frame: to its subscription (for one that has ended, it counts as handled). */
  deliverOne(frame: WireOneMessage): void {
    const subscription = this.#subscriptions.get(frame.sub);
    if (subscription !== undefined) return subscription.deliverOne(frame);
    skipped(this.#port, frame.channel, frame.seq, 1);
  }

  publish<Topic extends string>(topic: Topic, payload: unknown, options?: PublishOptions): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const refused = options === undefined ? undefined : publishOptionsError(options, "publish");
    if (refused !== undefined) return Promise.reject(refused);
    const { call, result } = this.#port.calls.open();
    const headers = options?.headers;
    this.#port.send(headers === undefined ? { t: "publish", call, topic, payload } : { t: "publish", call, topic, payload, headers });
    return result as Promise<void>;
  }

  request<Topic extends string>(topic: Topic, payload: unknown, options: RequestOptions = {}): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const refused = publishOptionsError(options, "request");
    if (refused !== undefined) return Promise.reject(refused);
    const signal = requestSignal(options.signal, topic);
    if (signal instanceof BusError) return Promise.reject(signal);
    const { call, result } = this.#port.calls.open();
    const wire: WireRequestOptions = { timeoutMs: options.timeoutMs, headers: options.headers };
    this.#port.send({ t: "request", call, topic, payload, options: wire });
    if (signal === undefined) return result;
    const onAbort = (): void => this.#port.send({ t: "abort-request", call, reason: toWireError(signal.reason) });
    signal.addEventListener("abort", onAbort, { once: true });
    const forget = (): void => signal.removeEventListener("abort", onAbort);
    result.then(forget, forget);
    return result;
  }

  flush(): Promise<void> {
    const { call, result } = this.#port.calls.open();
    this.#port.send({ t: "flush", call });
    return result as Promise<void>;
  }

  /** End every subscription made through this view and refuse what follows with `BUS_CLOSED` (the shared bus stays open). */
  close(): Promise<void> {
    this.#closed = true;
    for (const subscription of [...this.#subscriptions.values()]) subscription.unsubscribe();
    return Promise.resolve();
  }

  /** Subscriptions held now. */
  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  #closedError(): BusError {
    return new BusError("BUS_CLOSED", `agent "${this.#agent}": this incarnation's bus view is closed`);
  }
}
