import type { Clock } from "../clock.js";

/**
 * A {@link Clock} that remembers the timers set through it, so that they can all
 * be cleared when an agent's incarnation ends: no timer of a dead incarnation
 * ever fires.
 */
export class ScopedClock implements Clock {
  readonly #inner: Clock;
  readonly #handles = new Set<unknown>();
  #closed = false;

  constructor(inner: Clock) {
    this.#inner = inner;
  }

  now(): number {
    return this.#inner.now();
  }

  /** Like the inner clock's; after {@link ScopedClock.close} it sets nothing and returns `undefined`. */
  setTimeout(fn: () => void, ms: number): unknown {
    if (this.#closed) return undefined;
    const handle = this.#inner.setTimeout(() => {
      this.#handles.delete(handle);
      fn();
    }, ms);
    this.#handles.add(handle);
    return handle;
  }

  clearTimeout(handle: unknown): void {
    if (this.#handles.delete(handle)) this.#inner.clearTimeout(handle);
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.#handles.size;
  }

  /** Clear every pending timer and refuse new ones. */
  close(): void {
    this.#closed = true;
    for (const handle of this.#handles) this.#inner.clearTimeout(handle);
    this.#handles.clear();
  }
}
