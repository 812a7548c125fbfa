import type { Clock } from "../../clock.js";
import type { Message } from "../Bus.js";
import { noReply } from "./deliveryErrors.js";
import { PendingRequest } from "./PendingRequest.js";
import type { ReplyWaiter } from "./ReplyWaiter.js";
import type { RequestTimeouts } from "./RequestTimeouts.js";

/**
 * An in-process request, and the waiter of its deliveries to a known number of
 * subscriptions: the first value other than `undefined` is the reply; once
 * every delivery has settled without one, the request rejects with `NO_REPLY`.
 * One object per request: the pending request and its waiter. The request
 * message carries it (see `RequestMessage`), so nothing is left to forget when
 * it times out: deliveries that settle later find it settled.
 */
export class FirstReply extends PendingRequest implements ReplyWaiter {
  /** The request message, the key its deliveries report under. */
  readonly message: Message;
  #remaining: number;

  /**
   * @param message - the request message
   * @param timing - the bus's shared {@link RequestTimeouts}, or its clock
   * @param deliveries - how many subscriptions the message was queued for
   * @param onEnd - called once when the request settles (whichever way)
   */
  constructor(message: Message, timing: Clock | RequestTimeouts, deliveries: number, onEnd?: () => void) {
    super(message.topic, timing, onEnd);
    this.message = message;
    this.#remaining = deliveries;
  }

  settle(value: unknown): boolean {
    if (this.done) return true;
    if (value !== undefined) {
      this.resolve(value);
      return true;
    }
    this.#remaining--;
    if (this.#remaining > 0) return false;
    this.reject(noReply(this.topic));
    return true;
  }
}
