/** One call waiting for its answer. */
interface Waiting {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The numbered calls one side of a thread's port has made and not yet seen
 * answered (`done` on the main side, `reply` in the thread). Numbers start at
 * 1 and are never reused within a port's life.
 *
 * @example
 * ```ts
 * const { call, result } = calls.open();
 * out.send({ t: "stop", call });
 * await result; // settled by calls.resolve(call, value) when `done` arrives
 * ```
 */
export class PendingCalls {
  readonly #waiting = new Map<number, Waiting>();
  /** Calls answered many times (see {@link PendingCalls.listen}). */
  readonly #channels = new Map<number, Waiting>();
  #next = 0;
  #closed: Error | undefined = undefined;
  readonly #onClose: Array<(error: Error) => void> = [];

  /** A new call: its number, to put in the frame, and the promise its answer settles. */
  open(): { readonly call: number; readonly result: Promise<unknown> } {
    const call = ++this.#next;
    const closed = this.#closed;
    if (closed !== undefined) return { call, result: Promise.reject(closed) };
    const result = new Promise<unknown>((resolve, reject) => {
      this.#waiting.set(call, { resolve, reject });
    });
    return { call, result };
  }

  /** Whether `call` is still waiting. */
  has(call: number): boolean {
    return this.#waiting.has(call);
  }

  /**
   * A call answered any number of times, until {@link PendingCalls.unlisten}:
   * each answer goes to `value` (a failure to `error`). Its number is from
   * the same count as the others'. Not failed by {@link PendingCalls.close}
   * (see {@link PendingCalls.onClose}).
   */
  listen(value: (value: unknown) => void, error: (error: unknown) => void): number {
    const call = ++this.#next;
    this.#channels.set(call, { resolve: value, reject: error });
    return call;
  }

  /** Stop answering the channel `call`. */
  unlisten(call: number): void {
    this.#channels.delete(call);
  }

  /** Answer `call` with `value` (ignored when it has been answered). */
  resolve(call: number, value: unknown): void {
    const waiting = this.#waiting.get(call);
    if (waiting === undefined) return this.#channels.get(call)?.resolve(value);
    this.#waiting.delete(call);
    waiting.resolve(value);
  }

  /** Fail `call` with `error` (ignored when it has been answered). */
  reject(call: number, error: unknown): void {
    const waiting = this.#waiting.get(call);
    if (waiting === undefined) return this.#channels.get(call)?.reject(error);
    this.#waiting.delete(call);
    waiting.reject(error);
  }

  /** Fail every waiting call, and every later one, with `error`: the other side is gone. */
  close(error: Error): void {
    if (this.#closed !== undefined) return;
    this.#closed = error;
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const entry of waiting) entry.reject(error);
    this.#channels.clear();
    for (const listener of this.#onClose.splice(0)) listener(error);
  }

  /** The error every call fails with once closed, else `undefined`. */
  get closed(): Error | undefined {
    return this.#closed;
  }

  /**
   * Call `listener` with the error when {@link PendingCalls.close} is called
   * (at once when closed already): for what is answered on this port other
   * than by numbered calls (a subscription's deliveries).
   */
  onClose(listener: (error: Error) => void): void {
    if (this.#closed !== undefined) listener(this.#closed);
    else this.#onClose.push(listener);
  }

  /** Calls waiting now. */
  get size(): number {
    return this.#waiting.size;
  }
}
