import type { DisposableSubscription, Message, MessageHandler } from "../bus/Bus.js";
import { isThenable } from "../check.js";
import { BusError } from "../errors/BusError.js";
import { cloneRefusal } from "./cloneRefusal.js";
import { SEAL } from "./FrameBatcher.js";
import type { FromThread, ToThread, WireMessages, WireOneMessage } from "./protocol.js";
import { toWireError } from "./wireError.js";

/** A `deliver` frame (one message, answered by `done` with its call: what the main thread sends when a batch cannot cross whole). */
export type DeliverFrame = Extract<ToThread, { t: "deliver" }>;

/** Messages handled between two early posts of the acknowledgements while a large `messages` frame runs. */
export const ACK_CHUNK = 128;

/** What a {@link ThreadSubscription} reports to. */
export interface SubscriptionPort {
  /** Send a frame to the main thread. */
  send(frame: FromThread): void;
  /** The subscription ended: forget it. */
  ended(sub: number): void;
  /** Post what is queued now, without waiting for the end of the turn (optional). */
  flush?(): void;
  /** The agent's name, for error messages. */
  readonly agent: string;
}

/**
 * A report frame on a channel (a `done` frame carrying a `LaneReport`): an
 * acknowledgement (`value` a number) or the report of one message
 * (`[seq, reply]`, `[-seq, error]`); until it is posted, the messages handled
 * after it in the turn raise its acknowledgement.
 */
export class ReportFrame {
  readonly t = "done";
  readonly call: number;
  readonly ok = true;
  value: number | unknown[];
  #open = true;

  constructor(call: number, value: number | unknown[]) {
    this.call = call;
    this.value = value;
  }

  get open(): boolean {
    return this.#open;
  }

  /** Everything up to `upTo` is handled. */
  acknowledge(upTo: number): void {
    if (typeof this.value === "number") this.value = upTo;
    else this.value[2] = upTo;
  }

  [SEAL](): undefined {
    this.#open = false;
    return undefined;
  }
}

/** A message waiting for a free handler call. */
interface Waiting {
  readonly message: Message;
  readonly request: boolean;
  /** Its number in the subscription's `messages` frames, or 0 for a `deliver` frame. */
  readonly seq: number;
  /** The call of its `deliver` frame, or its channel for a message of a `messages` frame. */
  readonly call: number;
}

/**
 * One subscription of the agent in its thread. The main thread subscribes
 * for it and sends its messages a turn at a time (a `messages` frame, see
 * `DeliveryLane`); here the subscription's own `concurrency` is kept: at most
 * that many handler calls run, the others wait in order in this queue.
 *
 * Handled messages are acknowledged together, one `done` frame on the
 * subscription's channel per turn carrying the highest number below which
 * everything received is handled (every {@link ACK_CHUNK} messages of a
 * large frame the acknowledgement is posted early, so that the main thread
 * sends more while this thread works). A request's reply and a handler's
 * failure are reported per message, before the acknowledgement covering it.
 * A handler error goes to the subscription's own `onError`, run here, else
 * back to the main thread as the agent's crash.
 */
export class ThreadSubscription implements DisposableSubscription {
  /** Its number on the port. */
  readonly sub: number;
  readonly #handler: MessageHandler;
  readonly #onError: ((error: unknown, message: Message) => void) | undefined;
  readonly #concurrency: number;
  readonly #port: SubscriptionPort;
  readonly #waiting: Waiting[] = [];
  #head = 0;
  #running = 0;
  #ended = false;
  /** Numbers of the messages received in `messages` frames and not yet acknowledged, in order (from `#receivedHead`). */
  #received: number[] = [];
  #receivedHead = 0;
  /** Messages handled out of order (concurrency above 1), not yet acknowledged. */
  readonly #handledAhead = new Set<number>();
  #report: ReportFrame | undefined = undefined;

  constructor(sub: number, handler: MessageHandler, onError: ((error: unknown, message: Message) => void) | undefined, concurrency: number, port: SubscriptionPort) {
    this.sub = sub;
    this.#handler = handler;
    this.#onError = onError;
    this.#concurrency = concurrency;
    this.#port = port;
  }

  /** A message sent alone (`deliver`): run it now, or queue it behind the running calls. */
  deliver(frame: DeliverFrame): void {
    const message = frame.message as Message;
    if (this.#ended) return this.#answer(message, frame.request, 0, frame.call, true, undefined);
    if (this.#running < this.#concurrency) return this.#run(message, frame.request, 0, frame.call);
    this.#waiting.push({ message, request: frame.request, seq: 0, call: frame.call });
  }

  /** The message of a `message` frame. */
  deliverOne(frame: WireOneMessage): void {
    if (this.#ended) return skipped(this.#port, frame.channel, frame.seq, 1);
    const { seq, channel, request, source, headers } = frame;
    this.#received.push(seq);
    const message: { id: string; topic: string; payload: unknown; timestamp: number; source?: string; headers?: Readonly<Record<string, string>> } = {
      id: frame.id,
      topic: frame.topic,
      payload: frame.payload,
      timestamp: frame.timestamp,
    };
    if (source !== undefined) message.source = source;
    if (headers !== undefined) message.headers = headers;
    if (this.#running < this.#concurrency && this.#head === this.#waiting.length) this.#run(message, request, seq, channel);
    else this.#waiting.push({ message, request, seq, call: channel });
  }

  /** The messages of a `messages` frame, in order. */
  deliverMessages(frame: WireMessages): void {
    const { first, channel, ids, topics, payloads, timestamps, requests, sources, headers } = frame;
    const count = ids.length;
    if (this.#ended) return skipped(this.#port, channel, first, count);
    const received = this.#received;
    let nextRequest = requests === undefined ? -1 : (requests[0] as number);
    let requestAt = 0;
    for (let index = 0; index < count; index++) {
      const seq = first + index;
      received.push(seq);
      const message: { id: string; topic: string; payload: unknown; timestamp: number; source?: string; headers?: Readonly<Record<string, string>> } = {
        id: ids[index] as string,
        topic: typeof topics === "string" ? topics : (topics[index] as string),
        payload: payloads[index],
        timestamp: timestamps[index] as number,
      };
      if (sources !== undefined) {
        const source = sources[index];
        if (source !== undefined) message.source = source;
      }
      if (headers !== undefined) {
        const header = headers[index];
        if (header !== undefined) message.headers = header;
      }
      let request = false;
      if (index === nextRequest) {
        request = true;
        nextRequest = (requests as readonly number[])[++requestAt] ?? -1;
      }
      if (this.#running < this.#concurrency && this.#head === this.#waiting.length) this.#run(message, request, seq, channel);
      else this.#waiting.push({ message, request, seq, call: channel });
      if ((index + 1) % ACK_CHUNK === 0 && index + 1 < count) this.#port.flush?.();
      // a handler may end its own subscription: what follows reaches none
      if (this.#ended) {
        if (index + 1 < count) skipped(this.#port, channel, seq + 1, count - index - 1);
        return;
      }
    }
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
    for (const item of waiting) this.#answer(item.message, item.request, item.seq, item.call, true, undefined);
  }

  [Symbol.dispose](): void {
    this.unsubscribe();
  }

  #run(message: Message, request: boolean, seq: number, call: number): void {
    this.#running++;
    let result: unknown;
    try {
      result = this.#handler(message);
    } catch (error) {
      return this.#settled(message, request, seq, call, false, error);
    }
    if (!isThenable(result)) return this.#settled(message, request, seq, call, true, result);
    Promise.resolve(result).then(
      (value) => this.#settled(message, request, seq, call, true, value),
      (error: unknown) => this.#settled(message, request, seq, call, false, error),
    );
  }

  #settled(message: Message, request: boolean, seq: number, call: number, ok: boolean, value: unknown): void {
    this.#running--;
    if (ok) this.#answer(message, request, seq, call, true, value);
    else if (this.#onError === undefined) this.#answer(message, request, seq, call, false, value);
    else {
      try {
        this.#onError(value, message);
        this.#answer(message, request, seq, call, true, undefined);
      } catch (error) {
        this.#answer(message, request, seq, call, false, error);
      }
    }
    this.#next();
  }

  #next(): void {
    if (this.#head >= this.#waiting.length || this.#running >= this.#concurrency) return;
    const item = this.#waiting[this.#head] as Waiting;
    this.#head++;
    if (this.#head === this.#waiting.length) {
      this.#waiting.length = 0;
      this.#head = 0;
    }
    this.#run(item.message, item.request, item.seq, item.call);
  }

  /** Message `seq` (or the `deliver` call `call` when `seq` is 0) settled. */
  #answer(message: Message, request: boolean, seq: number, call: number, ok: boolean, value: unknown): void {
    if (ok && request && value !== undefined) {
      const why = cloneRefusal(value, "the reply");
      if (why !== undefined) {
        ok = false;
        value = new BusError("PAYLOAD_INVALID", `agent "${this.#port.agent}" (isolation: thread): a handler's reply to a request on "${message.topic}" cannot be copied out of its thread: ${why}`, { topic: message.topic });
      }
    }
    if (seq === 0) {
      if (!ok) this.#port.send({ t: "done", call, ok: false, error: toWireError(value) });
      else if (request && value !== undefined) this.#port.send({ t: "done", call, ok: true, value });
      else this.#port.send({ t: "done", call, ok: true });
      return;
    }
    if (!ok || (request && value !== undefined)) {
      // reported before any acknowledgement covering it: the report of this turn so far is closed, this
      // one carries the acknowledgements that follow
      this.#report?.[SEAL]();
      const report = new ReportFrame(call, ok ? [seq, value] : [-seq, toWireError(value)]);
      this.#report = report;
      this.#port.send(report);
    }
    this.#handled(seq, call);
  }

  /** Message `seq` is handled: acknowledge it and what follows it, handled ahead, in order. */
  #handled(seq: number, channel: number): void {
    const received = this.#received;
    let head = this.#receivedHead;
    if (received[head] !== seq) {
      this.#handledAhead.add(seq);
      return;
    }
    let upTo = seq;
    head++;
    const ahead = this.#handledAhead;
    while (ahead.size > 0 && head < received.length && ahead.delete(received[head] as number)) upTo = received[head++] as number;
    if (head === received.length) {
      received.length = 0;
      head = 0;
    } else if (head >= 1_024 && head * 2 >= received.length) {
      this.#received = received.slice(head);
      head = 0;
    }
    this.#receivedHead = head;
    const report = this.#report;
    if (report !== undefined && report.open && report.call === channel) report.acknowledge(upTo);
    else {
      const frame = new ReportFrame(channel, upTo);
      this.#report = frame;
      this.#port.send(frame);
    }
  }
}

/** Answer `count` messages on `channel` from number `first` on as reaching no subscription. */
export function skipped(port: { send(frame: FromThread): void }, channel: number, first: number, count: number): void {
  port.send({ t: "done", call: channel, ok: true, value: { first, count } });
}
