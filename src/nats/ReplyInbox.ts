import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { createInbox } from "@nats-io/transport-node";
import { noReply } from "../bus/delivery/deliveryErrors.js";
import { PendingRequest } from "../bus/delivery/PendingRequest.js";
import type { Clock } from "../clock.js";
import { BusError } from "../errors/BusError.js";
import { describeThrown } from "../errors/describeThrown.js";
import { NatsError } from "./NatsError.js";
import { REPLY_STATUS, WIRE_HEADERS } from "./wireHeaders.js";

/** The NATS server's status code for a request nobody is subscribed to. */
const NO_RESPONDERS_STATUS = 503;

/** A request waiting for its first reply, with what the responders have said so far. */
interface Waiting {
  readonly request: PendingRequest;
  /** Responding subscriptions that announced themselves (`accepted`). */
  accepted: number;
  /** Responding subscriptions that settled without replying (`no-reply`). */
  declined: number;
  grace: ReturnType<typeof setTimeout> | undefined;
}

/** What {@link ReplyInbox.open} returns. */
export interface OpenedRequest {
  /** The reply subject to publish the request with. */
  readonly reply: string;
  /** Settles with the first reply or the request's error. */
  readonly result: Promise<unknown>;
}

/**
 * The requester's side of the bus's request/reply over NATS: one wildcard
 * subscription (`<inbox>.*`) shared by every request of a bus, one reply
 * subject per request. The bus's requests announce that they read reply
 * statuses (`Ao-Reply: status`, or `rstatus` in an envelope), so bus
 * responders send them; plain NATS responders just reply.
 *
 * A request settles with
 * - the first reply (a message without a status header), decoded;
 * - `NO_RESPONDERS` when the server answers with its no-responders status
 *   (nothing was subscribed to the subject when it got the request);
 * - `NO_REPLY` when every responding subscription that announced itself
 *   (`accepted`) has settled without replying (`no-reply`) and no further one
 *   has announced itself within the grace period: the server does not say how
 *   many subscribers got the request, so the grace period covers the network
 *   latency of the other processes' announcements;
 * - `REQUEST_TIMEOUT` after its timeout, on the bus's clock (see `PendingRequest`);
 * - `REQUEST_ABORTED` when its signal aborts.
 *
 * A request that settled is forgotten at once (its entry, its grace timer): a
 * reply that arrives afterwards finds nothing waiting and is ignored.
 */
export class ReplyInbox {
  readonly #connection: NatsConnection;
  readonly #clock: Clock;
  readonly #graceMs: number;
  readonly #decode: (bytes: Uint8Array) => unknown;
  readonly #base: string;
  readonly #pending = new Map<string, Waiting>();
  #subscription: Subscription | undefined;
  #next = 0;

  constructor(init: { connection: NatsConnection; clock: Clock; graceMs: number; inboxPrefix: string; decode: (bytes: Uint8Array) => unknown }) {
    this.#connection = init.connection;
    this.#clock = init.clock;
    this.#graceMs = init.graceMs;
    this.#decode = init.decode;
    this.#base = createInbox(init.inboxPrefix);
  }

  /** Requests waiting for a reply now. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Register a request on `topic` and start its timeout (and listen to its
   * `signal`, when given); publish the request with the returned reply subject right after.
   */
  open(topic: string, timeoutMs: number, signal?: AbortSignal): OpenedRequest {
    this.#subscription ??= this.#connection.subscribe(`${this.#base}.*`, { callback: (error, msg) => this.#receive(error, msg) });
    const token = (this.#next++).toString(36);
    const reply = `${this.#base}.${token}`;
    const waiting: Waiting = {
      request: new PendingRequest(topic, this.#clock, () => this.#forget(token, waiting)),
      accepted: 0,
      declined: 0,
      grace: undefined,
    };
    this.#pending.set(token, waiting);
    waiting.request.startTimeout(timeoutMs);
    if (signal !== undefined) waiting.request.abortOn(signal);
    return { reply, result: waiting.request.result };
  }

  /** Settle the request behind `reply` with `error` (its publish failed). */
  fail(reply: string, error: Error): void {
    const token = reply.slice(this.#base.length + 1);
    this.#pending.get(token)?.request.reject(error);
  }

  /**
   * The connection was lost before the server confirmed the request behind
   * `reply`: reject it with `NatsError` `DISCONNECTED`, unless it has settled
   * already (answered).
   *
   * @returns whether a waiting request was rejected
   */
  lose(reply: string, cause: unknown): boolean {
    const token = reply.slice(this.#base.length + 1);
    const request = this.#pending.get(token)?.request;
    if (request === undefined) return false;
    const why = cause === undefined ? "" : ` (${describeThrown(cause)})`;
    request.reject(
      new NatsError(
        "DISCONNECTED",
        `Request on ${JSON.stringify(request.topic)} abandoned: the NATS connection was lost before the server confirmed the request${why}; it may not have reached the server and is treated as lost`,
        cause === undefined ? {} : { cause },
      ),
    );
    return true;
  }

  /** Reject every waiting request with `BUS_CLOSED` and drop the inbox subscription. */
  close(): void {
    for (const { request } of [...this.#pending.values()]) {
      request.reject(new BusError("BUS_CLOSED", `Request on ${JSON.stringify(request.topic)} abandoned: the bus closed before a reply came`, { topic: request.topic }));
    }
    const subscription = this.#subscription;
    this.#subscription = undefined;
    if (subscription !== undefined && !this.#connection.isClosed()) subscription.unsubscribe();
  }

  #receive(error: Error | null, msg: Msg): void {
    if (error !== null) {
      // the inbox subscription itself failed (a permissions error): waiting requests time out
      console.error("[agent-orchestrator] the NATS bus's reply inbox subscription failed; requests will time out:", error);
      this.#subscription = undefined;
      return;
    }
    const token = msg.subject.slice(this.#base.length + 1);
    const waiting = this.#pending.get(token);
    if (waiting === undefined) return; // a late reply: the first one already won
    const request = waiting.request;
    const headers = msg.headers;
    if (headers !== undefined) {
      if (headers.code === NO_RESPONDERS_STATUS) {
        request.reject(new BusError("NO_RESPONDERS", `No responders for request on ${JSON.stringify(request.topic)}: no subscription matches it on the NATS server`, { topic: request.topic }));
        return;
      }
      const status = headers.get(WIRE_HEADERS.status);
      if (status === REPLY_STATUS.accepted || status === REPLY_STATUS.noReply) {
        this.#statusOf(waiting, status);
        return;
      }
    }
    let value: unknown;
    try {
      value = this.#decode(msg.data);
    } catch (cause) {
      request.reject(new BusError("PAYLOAD_INVALID", `The reply to a request on ${JSON.stringify(request.topic)} could not be decoded: ${describeThrown(cause)}`, { topic: request.topic, cause }));
      return;
    }
    request.resolve(value);
  }

  /** A responder announced itself (`accepted`) or settled without replying (`no-reply`). */
  #statusOf(waiting: Waiting, status: string): void {
    if (status === REPLY_STATUS.accepted) {
      waiting.accepted++;
      if (waiting.grace !== undefined) {
        clearTimeout(waiting.grace);
        waiting.grace = undefined;
      }
      return;
    }
    waiting.declined++;
    if (waiting.declined >= waiting.accepted && waiting.grace === undefined) {
      waiting.grace = setTimeout(() => this.#noReply(waiting), this.#graceMs);
      waiting.grace.unref();
    }
  }

  #noReply(waiting: Waiting): void {
    waiting.grace = undefined;
    if (waiting.declined < waiting.accepted) return;
    waiting.request.reject(noReply(waiting.request.topic));
  }

  /** The request settled (whichever way): forget it and its grace timer. */
  #forget(token: string, waiting: Waiting): void {
    this.#pending.delete(token);
    if (waiting.grace !== undefined) clearTimeout(waiting.grace);
    waiting.grace = undefined;
  }
}
