import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { createInbox } from "@nats-io/transport-node";
import type { Clock } from "../clock.js";
import { BusError } from "../errors/BusError.js";
import { describeThrown } from "../errors/describeThrown.js";
import { NatsError } from "./NatsError.js";
import { REPLY_STATUS, WIRE_HEADERS } from "./wireHeaders.js";

/** The NATS server's status code for a request nobody is subscribed to. */
const NO_RESPONDERS_STATUS = 503;

/** A request waiting for its first reply. */
interface PendingRequest {
  readonly topic: string;
  /** Responding subscriptions that announced themselves (`accepted`). */
  accepted: number;
  /** Responding subscriptions that settled without replying (`no-reply`). */
  declined: number;
  timer: unknown;
  grace: ReturnType<typeof setTimeout> | undefined;
  resolve(value: unknown): void;
  reject(error: Error): void;
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
 * - `REQUEST_TIMEOUT` after its timeout, on the bus's clock.
 */
export class ReplyInbox {
  readonly #connection: NatsConnection;
  readonly #clock: Clock;
  readonly #graceMs: number;
  readonly #decode: (bytes: Uint8Array) => unknown;
  readonly #base: string;
  readonly #pending = new Map<string, PendingRequest>();
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
   * Register a request on `topic` and start its timeout; publish the request
   * with the returned reply subject right after.
   */
  open(topic: string, timeoutMs: number): OpenedRequest {
    this.#subscription ??= this.#connection.subscribe(`${this.#base}.*`, { callback: (error, msg) => this.#receive(error, msg) });
    const token = (this.#next++).toString(36);
    const reply = `${this.#base}.${token}`;
    const result = new Promise<unknown>((resolve, reject) => {
      const pending: PendingRequest = { topic, accepted: 0, declined: 0, timer: undefined, grace: undefined, resolve, reject };
      pending.timer = this.#clock.setTimeout(() => {
        this.#settle(token, pending);
        reject(new BusError("REQUEST_TIMEOUT", `No reply to request on ${JSON.stringify(topic)} within ${timeoutMs} ms`, { topic }));
      }, timeoutMs);
      this.#pending.set(token, pending);
    });
    return { reply, result };
  }

  /** Settle the request behind `reply` with `error` (its publish failed). */
  fail(reply: string, error: Error): void {
    const token = reply.slice(this.#base.length + 1);
    const pending = this.#pending.get(token);
    if (pending === undefined) return;
    this.#settle(token, pending);
    pending.reject(error);
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
    const pending = this.#pending.get(token);
    if (pending === undefined) return false;
    this.#settle(token, pending);
    const why = cause === undefined ? "" : ` (${describeThrown(cause)})`;
    pending.reject(
      new NatsError(
        "DISCONNECTED",
        `Request on ${JSON.stringify(pending.topic)} abandoned: the NATS connection was lost before the server confirmed the request${why}; it may not have reached the server and is treated as lost`,
        cause === undefined ? {} : { cause },
      ),
    );
    return true;
  }

  /** Reject every waiting request with `BUS_CLOSED` and drop the inbox subscription. */
  close(): void {
    for (const [token, pending] of [...this.#pending]) {
      this.#settle(token, pending);
      pending.reject(new BusError("BUS_CLOSED", `Request on ${JSON.stringify(pending.topic)} abandoned: the bus closed before a reply came`, { topic: pending.topic }));
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
    const pending = this.#pending.get(token);
    if (pending === undefined) return; // a late reply: the first one already won
    const headers = msg.headers;
    if (headers !== undefined) {
      if (headers.code === NO_RESPONDERS_STATUS) {
        this.#settle(token, pending);
        pending.reject(new BusError("NO_RESPONDERS", `No responders for request on ${JSON.stringify(pending.topic)}: no subscription matches it on the NATS server`, { topic: pending.topic }));
        return;
      }
      const status = headers.get(WIRE_HEADERS.status);
      if (status === REPLY_STATUS.accepted) {
        pending.accepted++;
        if (pending.grace !== undefined) {
          clearTimeout(pending.grace);
          pending.grace = undefined;
        }
        return;
      }
      if (status === REPLY_STATUS.noReply) {
        pending.declined++;
        if (pending.declined >= pending.accepted && pending.grace === undefined) {
          pending.grace = setTimeout(() => this.#noReply(token, pending), this.#graceMs);
          pending.grace.unref();
        }
        return;
      }
    }
    let value: unknown;
    try {
      value = this.#decode(msg.data);
    } catch (cause) {
      this.#settle(token, pending);
      pending.reject(new BusError("PAYLOAD_INVALID", `The reply to a request on ${JSON.stringify(pending.topic)} could not be decoded: ${describeThrown(cause)}`, { topic: pending.topic, cause }));
      return;
    }
    this.#settle(token, pending);
    pending.resolve(value);
  }

  #noReply(token: string, pending: PendingRequest): void {
    pending.grace = undefined;
    if (this.#pending.get(token) !== pending || pending.declined < pending.accepted) return;
    this.#settle(token, pending);
    pending.reject(new BusError("NO_REPLY", `No reply to request on ${JSON.stringify(pending.topic)}: every responding handler settled (or was dropped) without replying`, { topic: pending.topic }));
  }

  #settle(token: string, pending: PendingRequest): void {
    this.#pending.delete(token);
    this.#clock.clearTimeout(pending.timer);
    if (pending.grace !== undefined) clearTimeout(pending.grace);
    pending.grace = undefined;
  }
}
