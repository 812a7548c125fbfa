import type { Clock } from "../../clock.js";
import { requestAborted, requestTimedOut } from "./deliveryErrors.js";

/**
 * A request waiting for its outcome: the promise `request()` returns, settled
 * once (the first of a reply, an error or the timeout), and its timeout on the
 * bus's clock. Every Bus keeps its requests in these; what counts as a reply
 * (local deliveries, messages on a reply inbox) is the bus's business.
 */
export class PendingRequest {
  /** The topic requested, for error messages. */
  readonly topic: string;
  /** Settles with the reply or the request's error. */
  readonly result: Promise<unknown>;
  readonly #clock: Clock;
  readonly #onEnd: () => void;
  #resolve!: (value: unknown) => void;
  #reject!: (error: Error) => void;
  #timer: unknown = undefined;
  #done = false;
  /** The signal being listened to and the listener, while pending (only for a request made with `signal`). */
  #abort: { readonly signal: AbortSignal; readonly listener: () => void } | undefined = undefined;

  /**
   * @param topic - the topic requested
   * @param clock - the bus's clock, for the timeout
   * @param onEnd - called once, when the request settles (whichever way): the bus forgets it
   */
  constructor(topic: string, clock: Clock, onEnd: () => void) {
    this.topic = topic;
    this.#clock = clock;
    this.#onEnd = onEnd;
    this.result = new Promise<unknown>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Whether the request has settled. */
  get done(): boolean {
    return this.#done;
  }

  /** Reject with `REQUEST_TIMEOUT` after `timeoutMs` on the clock, unless settled by then (or already). */
  startTimeout(timeoutMs: number): void {
    if (this.#done) return;
    this.#timer = this.#clock.setTimeout(() => this.reject(requestTimedOut(this.topic, timeoutMs)), timeoutMs);
  }

  /**
   * Reject with `REQUEST_ABORTED` (the signal's `reason` as `cause`) when
   * `signal` aborts, unless settled by then; the listener is removed as the
   * request settles, whichever way.
   */
  abortOn(signal: AbortSignal): void {
    if (this.#done) return;
    const listener = (): void => this.reject(requestAborted(this.topic, signal.reason, true));
    this.#abort = { signal, listener };
    signal.addEventListener("abort", listener);
  }

  /** Settle with the reply `value` (ignored once settled). */
  resolve(value: unknown): void {
    if (this.#end()) this.#resolve(value);
  }

  /** Settle with `error` (ignored once settled). */
  reject(error: Error): void {
    if (this.#end()) this.#reject(error);
  }

  #end(): boolean {
    if (this.#done) return false;
    this.#done = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    const abort = this.#abort;
    if (abort !== undefined) {
      this.#abort = undefined;
      abort.signal.removeEventListener("abort", abort.listener);
    }
    this.#onEnd();
    return true;
  }
}
