import type { DisposableSubscription, Message, MessageHandler } from "../bus/Bus.js";
import { isThenable } from "../check.js";
import type { FromThread, ToThread } from "./protocol.js";
import { toWireError } from "./wireError.js";

/** A `deliver` frame. */
export type DeliverFrame = Extract<ToThread, { t: "deliver" }>;

/** What a {@link ThreadSubscription} reports to. */
export interface SubscriptionPort {
  /** Send a frame to the main thread. */
  send(frame: FromThread): void;
  /** The subscription ended: forget it. */
  ended(sub: number): void;
}

/**
 * One subscription of the agent in its thread. The main thread subscribes
 * for it and sends each message as a `deliver` frame, many at a time (see
 * `ThreadAgent`'s delivery window); here the subscription's own `concurrency`
 * is kept: at most that many handler calls run, the others wait in order in
 * this queue. Every delivery is answered with `done` (a request's reply as its
 * value); a handler error goes to the subscription's own `onError`, run here,
 * else back to the main thread as the agent's crash.
 */
export class ThreadSubscription implements DisposableSubscription {
  /** Its number on the port. */
  readonly sub: number;
  readonly #handler: MessageHandler;
  readonly #onError: ((error: unknown, message: Message) => void) | undefined;
  readonly #concurrency: number;
  readonly #port: SubscriptionPort;
  readonly #waiting: DeliverFrame[] = [];
  #head = 0;
  #running = 0;
  #ended = false;

  constructor(sub: number, handler: MessageHandler, onError: ((error: unknown, message: Message) => void) | undefined, concurrency: number, port: SubscriptionPort) {
    this.sub = sub;
    this.#handler = handler;
    this.#onError = onError;
    this.#concurrency = concurrency;
    this.#port = port;
  }

  /** A message for this subscription: run it now, or queue it behind the running calls. */
  deliver(frame: DeliverFrame): void {
    if (this.#ended) return this.#answer(frame, true, undefined);
    if (this.#running < this.#concurrency) return this.#run(frame);
    this.#waiting.push(frame);
  }

  unsubscribe(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#port.send({ t: "unsubscribe", sub: this.sub });
    this.#port.ended(this.sub);
    // what was waiting is answered unhandled: the main thread counts it delivered and moves on
    const waiting = this.#waiting.splice(this.#head);
    this.#waiting.length = 0;
    this.#head = 0;
    for (const frame of waiting) this.#answer(frame, true, undefined);
  }

  [Symbol.dispose](): void {
    this.unsubscribe();
  }

  #run(frame: DeliverFrame): void {
    this.#running++;
    const message = frame.message as Message;
    let result: unknown;
    try {
      result = this.#handler(message);
    } catch (error) {
      return this.#settled(frame, false, error);
    }
    if (!isThenable(result)) return this.#settled(frame, true, result);
    Promise.resolve(result).then(
      (value) => this.#settled(frame, true, value),
      (error: unknown) => this.#settled(frame, false, error),
    );
  }

  #settled(frame: DeliverFrame, ok: boolean, value: unknown): void {
    this.#running--;
    if (ok) this.#answer(frame, true, value);
    else if (this.#onError === undefined) this.#answer(frame, false, value);
    else {
      try {
        this.#onError(value, frame.message as Message);
        this.#answer(frame, true, undefined);
      } catch (error) {
        this.#answer(frame, false, error);
      }
    }
    this.#next();
  }

  #next(): void {
    if (this.#head >= this.#waiting.length || this.#running >= this.#concurrency) return;
    const frame = this.#waiting[this.#head] as DeliverFrame;
    this.#head++;
    if (this.#head === this.#waiting.length) {
      this.#waiting.length = 0;
      this.#head = 0;
    }
    this.#run(frame);
  }

  #answer(frame: DeliverFrame, ok: boolean, value: unknown): void {
    if (!ok) this.#port.send({ t: "done", call: frame.call, ok: false, error: toWireError(value) });
    else if (frame.request && value !== undefined) this.#port.send({ t: "done", call: frame.call, ok: true, value });
    else this.#port.send({ t: "done", call: frame.call, ok: true });
  }
}
