import type { Message } from "../Bus.js";
import type { ReplyWaiter } from "./ReplyWaiter.js";

/**
 * A request message of the in-process bus: a {@link Message} like any other to
 * its handlers (the same own fields, in the same order; `source` and `headers`
 * only when given), that also carries the waiter of its deliveries in a
 * private field, so the delivery core finds it without a map entry per request.
 */
export class RequestMessage implements Message {
  readonly id: string;
  readonly topic: string;
  readonly payload: unknown;
  readonly timestamp: number;
  declare readonly source?: string;
  declare readonly headers?: Readonly<Record<string, string>>;
  #waiter: ReplyWaiter | undefined = undefined;

  constructor(id: string, topic: string, payload: unknown, timestamp: number) {
    this.id = id;
    this.topic = topic;
    this.payload = payload;
    this.timestamp = timestamp;
  }

  /** The waiter registered on `message`, when it is a request message with one. */
  static waiterOf(message: Message): ReplyWaiter | undefined {
    return #waiter in message ? message.#waiter : undefined;
  }

  /** Register (or, with `undefined`, remove) the waiter of `message`'s deliveries. */
  static setWaiter(message: RequestMessage, waiter: ReplyWaiter | undefined): void {
    message.#waiter = waiter;
  }
}
