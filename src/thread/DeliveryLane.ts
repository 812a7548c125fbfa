import type { Message } from "../bus/Bus.js";
import { expectsReply } from "../bus/expectsReply.js";
import { SEAL, SPLIT } from "./FrameBatcher.js";
import type { PendingCalls } from "./PendingCalls.js";
import type { LaneReport, ToThread, WireError, WireMessages, WireOneMessage } from "./protocol.js";
import { fromWireError } from "./wireError.js";

/** What a {@link DeliveryLane} sends through: the main thread's side of the port. */
export interface LanePort {
  /** Send a frame to the thread (batched per turn). */
  send(frame: ToThread): void;
  /** The main thread's calls to the thread: the lane's channel, and its end when the port closes. */
  readonly calls: PendingCalls;
}

const PENDING = 0;
const HANDLED = 1;
const FAILED = 2;

/**
 * One message in flight to the thread: the thenable the subscription's
 * handler returns to the bus (no promise of its own: the bus calls `then`
 * once, and the lane settles it when the thread's report arrives).
 */
class InFlight {
  #state = PENDING;
  #result: unknown = undefined;
  #onValue: ((value: unknown) => void) | undefined = undefined;
  #onError: ((error: unknown) => void) | undefined = undefined;
  /** Split out of its batch: settled by its own call, not by the lane's reports. */
  alone = false;

  then(onValue?: (value: unknown) => void, onError?: (error: unknown) => void): void {
    if (this.#state === HANDLED) onValue?.(this.#result);
    else if (this.#state === FAILED) onError?.(this.#result);
    else {
      this.#onValue = onValue;
      this.#onError = onError;
    }
  }

  /** Settle (once): returns whether it was still pending. */
  settle(ok: boolean, value: unknown): boolean {
    if (this.#state !== PENDING) return false;
    this.#state = ok ? HANDLED : FAILED;
    this.#result = value;
    const callback = ok ? this.#onValue : this.#onError;
    this.#onValue = undefined;
    this.#onError = undefined;
    callback?.(value);
    return true;
  }
}

/**
 * The messages of one turn for one subscription, gathered until the frame is
 * posted: then it gives the frame itself ({@link SEAL}), a `message` frame for
 * one message, a `messages` frame (columns) for more. When that cannot be
 * posted whole (a payload changed since its admission at publish and cannot
 * be copied any more), it splits into one `deliver` frame per message, each a
 * call of its own (see `FrameBatcher`).
 */
class PendingMessages {
  readonly #lane: DeliveryLane;
  readonly #sub: number;
  readonly #channel: number;
  readonly first: number;
  readonly messages: Message[] = [];
  #open = true;

  constructor(lane: DeliveryLane, sub: number, channel: number, first: number) {
    this.#lane = lane;
    this.#sub = sub;
    this.#channel = channel;
    this.first = first;
  }

  get open(): boolean {
    return this.#open;
  }

  [SEAL](): ToThread {
    this.#open = false;
    const messages = this.messages;
    if (messages.length === 1) return one(this.#sub, this.#channel, this.first, messages[0] as Message);
    return columns(this.#sub, this.#channel, this.first, messages);
  }

  [SPLIT](): ToThread[] {
    return this.#lane.split(this);
  }
}

/** The `message` frame of `message`, number `seq`. */
function one(sub: number, channel: number, seq: number, message: Message): WireOneMessage {
  const { id, topic, payload, timestamp, source, headers } = message;
  const frame: { -readonly [K in keyof WireOneMessage]: WireOneMessage[K] } = { t: "message", sub, channel, seq, id, topic, payload, timestamp, request: expectsReply(message) };
  if (source !== undefined) frame.source = source;
  if (headers !== undefined) frame.headers = headers;
  return frame;
}

/** The `messages` frame of `messages` (two or more), numbered from `first`. */
function columns(sub: number, channel: number, first: number, messages: readonly Message[]): WireMessages {
  const count = messages.length;
  const ids = new Array<string>(count);
  const payloads = new Array<unknown>(count);
  const timestamps = new Array<number>(count);
  const topic = (messages[0] as Message).topic;
  let topics: string | string[] = topic;
  let requests: number[] | undefined;
  let sources: Array<string | undefined> | undefined;
  let headers: Array<Readonly<Record<string, string>> | undefined> | undefined;
  for (let index = 0; index < count; index++) {
    const message = messages[index] as Message;
    ids[index] = message.id;
    payloads[index] = message.payload;
    timestamps[index] = message.timestamp;
    if (typeof topics !== "string") topics[index] = message.topic;
    else if (message.topic !== topic) {
      topics = new Array<string>(count).fill(topic, 0, index);
      topics[index] = message.topic;
    }
    if (expectsReply(message)) (requests ??= []).push(index);
    if (message.source !== undefined) (sources ??= new Array<string | undefined>(count))[index] = message.source;
    if (message.headers !== undefined) (headers ??= new Array<Readonly<Record<string, string>> | undefined>(count))[index] = message.headers;
  }
  const frame: { -readonly [K in keyof WireMessages]: WireMessages[K] } = { t: "messages", sub, channel, first, ids, topics, payloads, timestamps };
  if (requests !== undefined) frame.requests = requests;
  if (sources !== undefined) frame.sources = sources;
  if (headers !== undefined) frame.headers = headers;
  return frame;
}

/**
 * The main thread's side of one thread-agent subscription's deliveries:
 * {@link DeliveryLane.handler} is what the bus calls for each message. The
 * messages of a turn go across as one `messages` frame (columns, not one
 * object per message); each handler call returns a small thenable the lane
 * settles when the thread reports on the subscription's channel (a
 * `PendingCalls.listen` call): one report per turn acknowledges every message
 * handled up to a number, and only a reply or a failure is reported per
 * message. So the bus's `flush()` still waits for the thread's handler calls,
 * a failure is still the handler's (the agent's crash), and the bus's
 * `concurrency` for the subscription still bounds what is in flight.
 *
 * When the port closes, every message in flight fails with its error.
 */
export class DeliveryLane {
  readonly #sub: number;
  readonly #port: LanePort;
  readonly #channel: number;
  /** The number of the next message. */
  #next = 1;
  /** Messages sent and not yet acknowledged, oldest first: `#ring[#head]` is message number `#base`. */
  #ring: InFlight[] = [];
  #head = 0;
  #base = 1;
  #frame: PendingMessages | undefined = undefined;
  /** Messages whose thenable is not settled yet. */
  #unsettled = 0;
  #ended = false;
  #failure: Error | undefined = undefined;

  constructor(sub: number, port: LanePort) {
    this.#sub = sub;
    this.#port = port;
    this.#channel = port.calls.listen(
      (report) => this.#report(report as LaneReport),
      (error) => this.#fail(error instanceof Error ? error : new Error(String(error))),
    );
    port.calls.onClose((error) => this.#fail(error));
  }

  /** The subscription's handler on the main thread's bus. */
  readonly handler = (message: Message): unknown => {
    const failure = this.#failure;
    if (failure !== undefined) return Promise.reject(failure);
    const seq = this.#next++;
    let frame = this.#frame;
    if (frame === undefined || !frame.open) {
      frame = new PendingMessages(this, this.#sub, this.#channel, seq);
      this.#frame = frame;
      this.#port.send(frame as unknown as ToThread);
    }
    frame.messages.push(message);
    const entry = new InFlight();
    this.#ring.push(entry);
    this.#unsettled++;
    return entry;
  };

  /** The subscription ended on the main thread: forget the channel once nothing is in flight. */
  end(): void {
    this.#ended = true;
    this.#release();
  }

  /** Messages in flight (sent, not yet reported handled). */
  get inFlight(): number {
    return this.#unsettled;
  }

  /** `frame` could not be posted whole: one `deliver` call per message instead, each settling its message. */
  split(frame: PendingMessages): ToThread[] {
    const frames: ToThread[] = [];
    const { first, messages } = frame;
    for (let index = 0; index < messages.length; index++) {
      const entry = this.#entry(first + index);
      if (entry === undefined) continue;
      entry.alone = true;
      const { call, result } = this.#port.calls.open();
      result.then(
        (value) => this.#settle(entry, true, value),
        (error: unknown) => this.#settle(entry, false, error),
      );
      const message = messages[index] as Message;
      frames.push({ t: "deliver", call, sub: this.#sub, message, request: expectsReply(message) });
    }
    return frames;
  }

  #entry(seq: number): InFlight | undefined {
    if (seq < this.#base) return undefined;
    return this.#ring[this.#head + (seq - this.#base)];
  }

  #settle(entry: InFlight, ok: boolean, value: unknown): void {
    if (entry.settle(ok, value)) {
      this.#unsettled--;
      if (this.#ended) this.#release();
    }
  }

  #report(report: LaneReport): void {
    if (typeof report === "number") return this.#acknowledge(report);
    if (Array.isArray(report)) {
      const [seq, value, upTo] = report as readonly [number, unknown, number | undefined];
      const entry = this.#entry(seq < 0 ? -seq : seq);
      if (entry !== undefined && !entry.alone) {
        if (seq > 0) this.#settle(entry, true, value);
        else this.#settle(entry, false, fromWireError(value as WireError));
      }
      if (upTo !== undefined) this.#acknowledge(upTo);
      return;
    }
    const { first, count } = report as { readonly first: number; readonly count: number };
    for (let seq = first; seq < first + count; seq++) {
      const entry = this.#entry(seq);
      if (entry !== undefined && !entry.alone) this.#settle(entry, true, undefined);
    }
  }

  /** Every message up to `upTo` not reported otherwise is handled. */
  #acknowledge(upTo: number): void {
    const ring = this.#ring;
    let head = this.#head;
    let base = this.#base;
    while (base <= upTo && head < ring.length) {
      const entry = ring[head] as InFlight;
      head++;
      base++;
      if (!entry.alone) this.#settle(entry, true, undefined);
    }
    this.#base = base;
    if (head === ring.length) {
      ring.length = 0;
      head = 0;
    } else if (head >= 1_024 && head * 2 >= ring.length) {
      this.#ring = ring.slice(head);
      head = 0;
    }
    this.#head = head;
  }

  /** The port closed (or the channel failed): every message in flight fails with `error`. */
  #fail(error: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    const ring = this.#ring;
    this.#ring = [];
    const head = this.#head;
    this.#head = 0;
    this.#base = this.#next;
    for (let index = head; index < ring.length; index++) {
      const entry = ring[index] as InFlight;
      if (!entry.alone) this.#settle(entry, false, error);
    }
    this.#port.calls.unlisten(this.#channel);
  }

  #release(): void {
    if (this.#unsettled === 0) this.#port.calls.unlisten(this.#channel);
  }
}
