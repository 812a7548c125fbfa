import type { NatsConnection, Status } from "@nats-io/transport-node";

/**
 * Follows a NATS connection's status stream: whether it is connected now and
 * how many times it has reconnected since the watch began.
 */
export class ConnectionWatch {
  #connected: boolean;
  #reconnects = 0;
  #stopped = false;
  readonly #statuses: AsyncIterable<Status>;
  readonly #onDown: (() => void) | undefined;

  /**
   * @param connection - the connection to follow
   * @param onDown - called each time the connection is seen to drop or close (status `disconnect` or
   *   `close`, or `closed()` settling), after `connected` has become false; it must not throw
   */
  constructor(
    readonly connection: NatsConnection,
    onDown?: () => void,
  ) {
    this.#onDown = onDown;
    this.#connected = !connection.isClosed();
    this.#statuses = connection.status();
    void this.#follow();
    const closed = (): void => this.#down();
    connection.closed().then(closed, closed);
  }

  /** Whether the connection is up now (false while reconnecting and once closed). */
  get connected(): boolean {
    return this.#connected && !this.connection.isClosed();
  }

  /** Reconnections since the watch began. */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** Stop following the connection (its status stream is released). Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const stoppable = this.#statuses as Partial<{ stop(): void }>;
    if (typeof stoppable.stop === "function") stoppable.stop();
  }

  async #follow(): Promise<void> {
    try {
      for await (const status of this.#statuses) {
        if (this.#stopped) break;
        if (status.type === "disconnect" || status.type === "close") this.#down();
        else if (status.type === "reconnect") {
          this.#connected = true;
          this.#reconnects++;
        }
      }
    } catch {
      // the stream ends with the connection; `connected` already follows `closed()`
    }
  }

  #down(): void {
    this.#connected = false;
    this.#onDown?.();
  }
}
