import type { Message } from "../Bus.js";
import type { ReplyWaiter } from "./ReplyWaiter.js";
import { RequestMessage } from "./RequestMessage.js";

/**
 * The outcomes a delivery core reports, by request message: an in-process
 * {@link RequestMessage} is its own waiter (no map entry, so a request
 * allocates nothing here); any other message (a networked bus's) has a
 * {@link ReplyWaiter} kept in a map.
 */
export class Replies {
  readonly #others = new Map<Message, ReplyWaiter>();
  #size = 0;

  /** Messages whose deliveries are reported now: deliveries look one up only when there are some. */
  get size(): number {
    return this.#size;
  }

  /** Report the deliveries of `message` to itself (a `RequestMessage`) or to `waiter`. */
  set(message: RequestMessage): void;
  set(message: Message, waiter: ReplyWaiter): void;
  set(message: Message, waiter?: ReplyWaiter): void {
    if (message instanceof RequestMessage) {
      if (RequestMessage.listen(message, true)) this.#size++;
      return;
    }
    if (waiter === undefined) return; // excluded by the overloads
    if (!this.#others.has(message)) this.#size++;
    this.#others.set(message, waiter);
  }

  /**
   * A delivery of `message` settled with `value`: tell its waiter. Returns
   * whether the waiter needs to hear no more, or `undefined` when nothing
   * waits for `message`. A throw is the waiter's (the reply could not be sent).
   */
  settle(message: Message, value: unknown): boolean | undefined {
    if (message instanceof RequestMessage) return RequestMessage.listening(message) ? RequestMessage.settle(message, value) : undefined;
    return this.#others.get(message)?.settle(value);
  }

  /** Report nothing more about `message`. */
  delete(message: Message): void {
    if (message instanceof RequestMessage) {
      if (RequestMessage.listen(message, false)) this.#size--;
    } else if (this.#others.delete(message)) {
      this.#size--;
    }
  }
}
