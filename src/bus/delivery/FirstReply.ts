import { noReply } from "./deliveryErrors.js";
import type { PendingRequest } from "./PendingRequest.js";
import type { ReplyWaiter } from "./ReplyWaiter.js";

/**
 * The waiter of a request delivered to a known number of subscriptions: the
 * first value other than `undefined` is the reply; once every delivery has
 * settled without one, the request rejects with `NO_REPLY`.
 */
export class FirstReply implements ReplyWaiter {
  readonly #request: PendingRequest;
  #remaining: number;

  /**
   * @param request - the request to settle
   * @param deliveries - how many subscriptions the message was queued for
   */
  constructor(request: PendingRequest, deliveries: number) {
    this.#request = request;
    this.#remaining = deliveries;
  }

  settle(value: unknown): boolean {
    const request = this.#request;
    if (request.done) return true;
    if (value !== undefined) {
      request.resolve(value);
      return true;
    }
    this.#remaining--;
    if (this.#remaining > 0) return false;
    request.reject(noReply(request.topic));
    return true;
  }
}
