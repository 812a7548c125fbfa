import type { ObservedAgent, ObservedSource } from "./ObservedSource.js";

/**
 * Reads `source.agents()` once per scrape: the registry asks every metric for
 * its samples in one synchronous pass, so the first reader takes the snapshot
 * and a microtask drops it.
 *
 * @example
 * ```ts
 * const snapshot = new AgentSnapshot(source);
 * const read = (out: Sample[]) => { for (const agent of snapshot.get()) out.push(...) };
 * ```
 */
export class AgentSnapshot {
  readonly #source: ObservedSource;
  #agents: ReadonlyArray<ObservedAgent> | undefined;

  constructor(source: ObservedSource) {
    this.#source = source;
  }

  /** The agents of the pass under way, read from the source by its first caller. */
  get(): ReadonlyArray<ObservedAgent> {
    let agents = this.#agents;
    if (agents === undefined) {
      agents = this.#source.agents();
      this.#agents = agents;
      queueMicrotask(() => {
        this.#agents = undefined;
      });
    }
    return agents;
  }
}
