import type { Clock } from "../../clock.js";
import { requestTimedOut } from "./deliveryErrors.js";
import { RequestTimeouts, type TimedRequest } from "./RequestTimeouts.js";

/** The request whose promise is being created: the one executor below fills in its settle functions. */
let capturing: PendingRequest | undefined;
/** One promise executor for every request (no closure per request). */
let capture: (resolve: (value: unknown) => void, reject: (error: Error) => void) => void;
/** The promise of `request`, its settle functions stored in it. */
let promiseOf: (request: PendingRequest) => Promise<unknown>;

/**
 * A request waiting for its outcome: the promise `request()` returns, settled
 * once (the first of a reply, an error or the timeout), and its timeout on the
 * bus's clock. Every Bus keeps its requests in these; what counts as a reply
 * (local deliveries, messages on a reply inbox) is the bus's business.
 *
 * The timeout runs on the bus's {@link RequestTimeouts} (one timer for every
 * pending request) when given one, else on a timer of its own on the clock.
 */
export class PendingRequest implements TimedRequest {
  /** The topic requested, for error messages. */
  readonly topic: string;
  /** Settles with the reply or the request's error. */
  readonly result: Promise<unknown>;
  /** When the request times out (set by {@link PendingRequest.startTimeout}). */
  deadline = 0;
  /** Position in the shared timeouts' heap; -1 when not in it. */
  slot = -1;
  readonly #timing: Clock | RequestTimeouts;
  readonly #onEnd: (() => void) | undefined;
  /** Both `undefined` once the request has settled. */
  #resolve: ((value: unknown) => void) | undefined;
  #reject: ((error: Error) => void) | undefined;
  /** The request's own timer (on a clock), when it has one. */
  #timer: unknown = undefined;
  #timeoutMs = 0;

  static {
    promiseOf = (request) => {
      capturing = request;
      const promise = new Promise<unknown>(capture);
      capturing = undefined;
      return promise;
    };
    capture = (resolve, reject) => {
      const request = capturing as PendingRequest;
      request.#resolve = resolve;
      request.#reject = reject;
    };
  }

  /**
   * @param topic - the topic requested
   * @param timing - the bus's shared {@link RequestTimeouts}, or its clock (a timer per request)
   * @param onEnd - called once, when the request settles (whichever way): the bus forgets it
   */
  constructor(topic: string, timing: Clock | RequestTimeouts, onEnd?: () => void) {
    this.topic = topic;
    this.#timing = timing;
    this.#onEnd = onEnd;
    this.result = promiseOf(this);
  }

  /** Whether the request has settled. */
  get done(): boolean {
    return this.#resolve === undefined;
  }

  /**
   * Reject with `REQUEST_TIMEOUT` after `timeoutMs` on the clock, unless settled by then (or already).
   *
   * @param now - the clock's time now, when the caller has just read it
   */
  startTimeout(timeoutMs: number, now?: number): void {
    if (this.done) return;
    this.#timeoutMs = timeoutMs;
    const timing = this.#timing;
    if (timing instanceof RequestTimeouts) {
      this.deadline = (now ?? timing.now()) + timeoutMs;
      timing.add(this);
      return;
    }
    this.#timer = timing.setTimeout(() => this.timedOut(), timeoutMs);
  }

  /** The timeout passed: reject with `REQUEST_TIMEOUT`. */
  timedOut(): void {
    this.reject(requestTimedOut(this.topic, this.#timeoutMs));
  }

  /** Settle with the reply `value` (ignored once settled). */
  resolve(value: unknown): void {
    const resolve = this.#resolve;
    if (resolve !== undefined && this.#end()) resolve(value);
  }

  /** Settle with `error` (ignored once settled). */
  reject(error: Error): void {
    const reject = this.#reject;
    if (reject !== undefined && this.#end()) reject(error);
  }

  #end(): boolean {
    if (this.#resolve === undefined) return false;
    this.#resolve = undefined;
    this.#reject = undefined;
    const timing = this.#timing;
    if (this.slot >= 0) (timing as RequestTimeouts).remove(this);
    else if (this.#timer !== undefined) (timing as Clock).clearTimeout(this.#timer);
    this.#onEnd?.();
    return true;
  }
}
