/**
 * A value read once per scrape: the registry (or the text render) asks every
 * metric for its samples in one synchronous pass, so the first reader of the
 * pass reads the value and a microtask drops it. Every metric of the pass sees
 * the same value, and a value that is costly to read (every agent's status,
 * the bus's counters summed over its subscriptions) is read once.
 *
 * @example
 * ```ts
 * const agents = new PassSnapshot(() => source.agents());
 * const read = (out: SampleSink) => { for (const agent of agents.get()) out.add(...) };
 * ```
 */
export class PassSnapshot<T> {
  readonly #read: () => T;
  #value: { readonly current: T } | undefined;

  /** @param read reads the value; called at most once per pass */
  constructor(read: () => T) {
    this.#read = read;
  }

  /** The value of the pass under way, read by its first caller. */
  get(): T {
    let value = this.#value;
    if (value === undefined) {
      value = { current: this.#read() };
      this.#value = value;
      queueMicrotask(() => {
        this.#value = undefined;
      });
    }
    return value.current;
  }
}
