import type { Message } from "../Bus.js";
import type { ReplyWaiter } from "./ReplyWaiter.js";
import { RequestMessage } from "./RequestMessage.js";

/**
 * The reply waiters a delivery core reports to, by request message: a
 * {@link RequestMessage} carries its own (no map entry, so a request
 * allocates nothing here); any other message (a networked bus's) is kept in a map.
 */
export class Replies {
  readonly #others = new Map<Message, ReplyWaiter>();
  #size = 0;

  /** Waiters registered now: deliveries look one up only when there are some. */
  get size(): number {
    return this.#size;
  }

  /** Report the deliveries of `message` to `waiter`. */
  set(message: Message, waiter: ReplyWaiter): void {
    if (this.get(message) === undefined) this.#size++;
    if (message instanceof RequestMessage) RequestMessage.setWaiter(message, waiter);
    else this.#others.set(message, waiter);
  }

  /** The waiter of `message`'s deliveries, if registered. */
  get(message: Message): ReplyWaiter | undefined {
    return message instanceof RequestMessage ? RequestMessage.waiterOf(message) : this.#others.get(message);
  }

  /** Report nothing more about `message`. */
  delete(message: Message): void {
    if (message instanceof RequestMessage) {
      if (RequestMessage.waiterOf(message) === undefined) return;
      RequestMessage.setWaiter(message, undefined);
    } else if (!this.#others.delete(message)) {
      return;
    }
    this.#size--;
  }
}
