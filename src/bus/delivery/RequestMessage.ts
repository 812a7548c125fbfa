import type { Message } from "../Bus.js";
import { EXPECTS_REPLY } from "../expectsReply.js";
import { noReply, requestAborted, requestTimedOut } from "./deliveryErrors.js";
import type { RequestTimeouts, TimeoutEntries } from "./RequestTimeouts.js";

/** The signal of a request made with one, and the listener the request registered on it. */
interface AbortWatch {
  readonly signal: AbortSignal;
  readonly listener: () => void;
}

/** The request whose promise is being created: the one executor below stores its settle functions in it. */
let capturing: RequestMessage | undefined;

/**
 * An in-process request: the message its handlers receive (the same own fields
 * as every other message, in the same order; `source` and `headers` only when given)
 * and, in private fields, the request behind it: the promise `request()`
 * returns, how many deliveries have yet to settle, and its deadline on the
 * bus's {@link RequestTimeouts}. One object per request: the delivery core finds
 * the request through the message it delivers, with no map entry, and a
 * handler sees nothing but the message (the request's operations are static).
 *
 * The first delivery to settle with a value other than `undefined` resolves
 * the request with it; once every delivery has settled without one, it
 * rejects with `NO_REPLY`; at its deadline, with `REQUEST_TIMEOUT`; when its
 * signal aborts, with `REQUEST_ABORTED`. A request without a signal registers
 * no listener; one with a signal removes its listener as it settles.
 */
export class RequestMessage implements Message {
  readonly id: string;
  readonly topic: string;
  readonly payload: unknown;
  readonly timestamp: number;
  declare readonly source?: string;
  declare readonly headers?: Readonly<Record<string, string>>;
  /** Both `undefined` once the request has settled. */
  #resolve: ((value: unknown) => void) | undefined = undefined;
  #reject: ((error: Error) => void) | undefined = undefined;
  readonly #result: Promise<unknown>;

  /** A request's handler's value is its reply (read by a thread agent's stand-in; on the prototype, no cost per request). */
  get [EXPECTS_REPLY](): true {
    return true;
  }
  /** Deliveries that have not settled yet. */
  #remaining: number;
  /** Whether the delivery core reports this message's deliveries here (see `Replies`). */
  #listening = false;
  readonly #timeouts: RequestTimeouts<RequestMessage>;
  #deadline = 0;
  #slot = -1;
  #timeoutMs = 0;
  /** The signal being listened to, while the request is pending (only for a request made with `signal`). */
  #abort: AbortWatch | undefined = undefined;

  /** How the bus's {@link RequestTimeouts} keeps requests. */
  static readonly timeoutEntries: TimeoutEntries<RequestMessage> = {
    deadline: (request) => request.#deadline,
    slot: (request) => request.#slot,
    setSlot: (request, slot) => {
      request.#slot = slot;
    },
    timedOut: (request) => RequestMessage.#fail(request, requestTimedOut(request.topic, request.#timeoutMs)),
  };

  static #capture(this: void, resolve: (value: unknown) => void, reject: (error: Error) => void): void {
    const request = capturing as RequestMessage;
    request.#resolve = resolve;
    request.#reject = reject;
  }

  /**
   * @param id - the message's fields (see {@link Message})
   * @param timeouts - the bus's request timeouts
   * @param deliveries - how many subscriptions the message is queued for
   */
  constructor(id: string, topic: string, payload: unknown, timestamp: number, timeouts: RequestTimeouts<RequestMessage>, deliveries: number) {
    this.id = id;
    this.topic = topic;
    this.payload = payload;
    this.timestamp = timestamp;
    this.#timeouts = timeouts;
    this.#remaining = deliveries;
    capturing = this; // eslint-disable-line @typescript-eslint/no-this-alias -- read synchronously by the executor, then cleared
    this.#result = new Promise<unknown>(RequestMessage.#capture);
    capturing = undefined;
  }

  /** The promise `request()` returns. */
  static result(request: RequestMessage): Promise<unknown> {
    return request.#result;
  }

  /** Whether `request` has settled. */
  static done(request: RequestMessage): boolean {
    return request.#resolve === undefined;
  }

  /** Time `request` out `timeoutMs` after `now` (the clock's time), unless it has settled already. */
  static startTimeout(request: RequestMessage, timeoutMs: number, now: number): void {
    if (request.#resolve === undefined) return;
    request.#timeoutMs = timeoutMs;
    request.#deadline = request.#timeouts.deadline(now, timeoutMs);
    request.#timeouts.add(request);
  }

  /**
   * Reject `request` with `REQUEST_ABORTED` when `signal` aborts (unless it
   * has settled by then), then call `abandoned` with it: the bus stops
   * reporting its deliveries, so a reply arriving later is ignored. The
   * listener is removed as soon as the request settles, whichever way.
   */
  static abortOn(request: RequestMessage, signal: AbortSignal, abandoned: (request: RequestMessage) => void): void {
    if (request.#resolve === undefined) return;
    const listener = (): void => {
      if (request.#reject === undefined) return;
      RequestMessage.#fail(request, requestAborted(request.topic, signal.reason, true));
      abandoned(request);
    };
    request.#abort = { signal, listener };
    signal.addEventListener("abort", listener);
  }

  /**
   * One delivery of `request` settled with `value` (`undefined`: no reply).
   * Returns true once the request needs to hear no more (see `ReplyWaiter.settle`).
   */
  static settle(request: RequestMessage, value: unknown): boolean {
    if (request.#resolve === undefined) return true;
    if (value !== undefined) {
      const resolve = request.#resolve;
      RequestMessage.#end(request);
      resolve(value);
      return true;
    }
    request.#remaining--;
    if (request.#remaining > 0) return false;
    RequestMessage.#fail(request, noReply(request.topic));
    return true;
  }

  /** Whether the delivery core reports `request`'s deliveries. */
  static listening(request: RequestMessage): boolean {
    return request.#listening;
  }

  /** Mark whether the delivery core reports `request`'s deliveries; returns whether that changed. */
  static listen(request: RequestMessage, listening: boolean): boolean {
    if (request.#listening === listening) return false;
    request.#listening = listening;
    return true;
  }

  static #fail(request: RequestMessage, error: Error): void {
    const reject = request.#reject;
    if (reject === undefined) return;
    RequestMessage.#end(request);
    reject(error);
  }

  static #end(request: RequestMessage): void {
    request.#resolve = undefined;
    request.#reject = undefined;
    request.#timeouts.remove(request);
    const abort = request.#abort;
    if (abort === undefined) return;
    request.#abort = undefined;
    abort.signal.removeEventListener("abort", abort.listener);
  }
}
