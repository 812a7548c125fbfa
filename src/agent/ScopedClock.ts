import type { Clock } from "../clock.js";

/**
 * A {@link Clock} that remembers the timers set through it, so that they can all
 * be cleared when an agent's incarnation ends: no timer of a dead incarnation
 * ever fires. The set of pending timers is created with the first timer, so an
 * incarnation that sets none pays for none.
 */
export class ScopedClock implements Clock {
  readonly #inner: Clock;
  #handles: Set<unknown> | undefined;
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
    const handles = (this.#handles ??= new Set<unknown>());
    const handle = this.#inner.setTimeout(() => {
      handles.delete(handle);
      fn();
    }, ms);
    handles.add(handle);
    return handle;
  }

  clearTimeout(handle: unknown): void {
    if (this.#handles?.delete(handle) === true) this.#inner.clearTimeout(handle);
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.#handles?.size ?? 0;
  }

  /** Clear every pending timer and refuse new ones. */
  close(): void {
    this.#closed = true;
    const handles = this.#handles;
    if (handles === undefined) return;
    for (const handle of handles) this.#inner.clearTimeout(handle);
    handles.clear();
  }
}
