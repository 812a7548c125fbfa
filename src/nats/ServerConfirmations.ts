import type { NatsConnection } from "@nats-io/transport-node";
import { describeThrown } from "../errors/describeThrown.js";
import { NatsError } from "./NatsError.js";

/** Messages written to the connection in one turn of the event loop: one round trip confirms them all. */
class Batch {
  /** Publishes in the batch (their callers hold {@link Batch.promise}). */
  publishes = 0;
  /** Reply subjects of the requests in the batch. */
  requests: string[] | undefined;
  /** The topic of the first publish, and whether others had other topics: for the error message. */
  topic: string | undefined;
  mixed = false;
  settled = false;
  promise: Promise<void> | undefined;
  resolve: (() => void) | undefined;
  reject: ((error: Error) => void) | undefined;
}

/**
 * Confirms what a bus publishes with server round trips, so that a `publish`
 * resolves only once the server has processed the message.
 *
 * Every message written to the connection during one turn of the event loop
 * joins one batch; when the turn is over the batch sends one PING (the
 * connection's `flush()`). The server handles a connection's protocol in
 * order, so its PONG confirms every message written before the PING. A burst
 * of publishes therefore costs one round trip, however long it is. A batch
 * settles once, whichever comes first:
 *
 * - **confirmed**: the PONG came; the batch's publishes resolve and its
 *   messages count as {@link ServerConfirmations.confirmed};
 * - **lost**: the connection dropped or closed before the PONG (the client
 *   discards what it had not written, and a server that died took what it had
 *   not handled with it); the batch's publishes reject with `NatsError`
 *   `DISCONNECTED`, its pending requests likewise, and its messages count as
 *   {@link ServerConfirmations.lost}.
 *
 * The owner calls {@link ServerConfirmations.connectionLost} as soon as it
 * learns that the connection is down: batches still waiting then are lost,
 * even when the client would otherwise carry their PING over to the next
 * connection.
 */
export class ServerConfirmations {
  readonly #connection: NatsConnection;
  readonly #loseRequest: (reply: string, cause: unknown) => boolean;
  /** The batch of the current turn, whose PING is not sent yet. */
  #open: Batch | undefined;
  /** Batches whose PING is sent, waiting for their PONG. */
  readonly #inFlight = new Set<Batch>();
  #confirmed = 0;
  #lost = 0;

  /**
   * @param connection - the connection the messages are written to
   * @param loseRequest - rejects the pending request behind a reply subject with `DISCONNECTED`; returns
   *   false when the request had already settled (answered: the server had it)
   */
  constructor(connection: NatsConnection, loseRequest: (reply: string, cause: unknown) => boolean) {
    this.#connection = connection;
    this.#loseRequest = loseRequest;
  }

  /** Messages (publishes and requests) the server confirmed. */
  get confirmed(): number {
    return this.#confirmed;
  }

  /** Messages sent whose connection was lost before the server confirmed them: they may not have reached it. */
  get lost(): number {
    return this.#lost;
  }

  /** Batches not settled yet (for tests and diagnostics). */
  get waiting(): number {
    return this.#inFlight.size + (this.#open === undefined ? 0 : 1);
  }

  /**
   * A message is about to be written to the connection: open the turn's batch
   * first, so that its PING is queued before the client's own write of the
   * turn and travels in the same socket write as the messages (one write and
   * an earlier PONG, instead of a second write for the PING alone). A batch
   * that ends up empty (the write failed) sends no PING.
   */
  open(): void {
    this.#batch();
  }

  /** A publish on `topic` was written to the connection: resolves once confirmed, rejects when lost. */
  publish(topic: string): Promise<void> {
    const batch = this.#batch();
    if (batch.topic === undefined) batch.topic = topic;
    else if (batch.topic !== topic) batch.mixed = true;
    batch.publishes++;
    batch.promise ??= new Promise<void>((resolve, reject) => {
      batch.resolve = resolve;
      batch.reject = reject;
    });
    return batch.promise;
  }

  /** A request with reply subject `reply` was written to the connection. */
  request(reply: string): void {
    const batch = this.#batch();
    (batch.requests ??= []).push(reply);
  }

  /** The connection is down (or closed): every batch not confirmed yet is lost. Idempotent. */
  connectionLost(cause?: unknown): void {
    const open = this.#open;
    this.#open = undefined;
    if (open !== undefined) this.#lose(open, cause);
    for (const batch of [...this.#inFlight]) this.#lose(batch, cause);
  }

  #batch(): Batch {
    let batch = this.#open;
    if (batch === undefined) {
      batch = new Batch();
      this.#open = batch;
      queueMicrotask(this.#ping);
    }
    return batch;
  }

  /** End of the turn: send the open batch's PING. */
  readonly #ping = (): void => {
    const batch = this.#open;
    this.#open = undefined;
    if (batch === undefined || batch.settled || (batch.publishes === 0 && batch.requests === undefined)) return;
    this.#inFlight.add(batch);
    let pong: Promise<void>;
    try {
      pong = this.#connection.flush();
    } catch (error) {
      this.#lose(batch, error);
      return;
    }
    pong.then(
      () => this.#confirm(batch),
      (error: unknown) => this.#lose(batch, error),
    );
  };

  #confirm(batch: Batch): void {
    if (batch.settled) return;
    batch.settled = true;
    this.#inFlight.delete(batch);
    this.#confirmed += batch.publishes + (batch.requests?.length ?? 0);
    batch.resolve?.();
  }

  #lose(batch: Batch, cause: unknown): void {
    if (batch.settled) return;
    batch.settled = true;
    this.#inFlight.delete(batch);
    this.#lost += batch.publishes;
    if (batch.requests !== undefined) {
      for (const reply of batch.requests) {
        if (this.#loseRequest(reply, cause)) this.#lost++;
        else this.#confirmed++;
      }
    }
    if (batch.reject !== undefined) batch.reject(lostError(batch, cause));
  }
}

function lostError(batch: Batch, cause: unknown): NatsError {
  const on = batch.mixed || batch.topic === undefined ? "" : ` on ${JSON.stringify(batch.topic)}`;
  const others = batch.publishes === 1 ? "" : ` (one of ${batch.publishes} messages sent in the same turn${batch.mixed ? ", on several topics" : ""})`;
  const why = cause === undefined ? "" : ` (${describeThrown(cause)})`;
  return new NatsError(
    "DISCONNECTED",
    `Cannot confirm the publish${on}: the NATS connection was lost before the server confirmed the message${others}${why}; the message may not have reached the server and is treated as lost (delivery is at-most-once across a disconnect)`,
    cause === undefined ? {} : { cause },
  );
}
