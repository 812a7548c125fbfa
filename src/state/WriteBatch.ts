import type { TriggerRecord } from "./TriggerStore.js";

/** One `apply()` waiting for the write that makes its changes durable. */
interface Waiter {
  readonly results: boolean[];
  readonly resolve: (results: boolean[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The changes a file store decided since its last write started: they go to
 * disk together, in one write. Remembers each changed key's record from
 * before the batch, so a failed write can be undone in memory.
 */
export class WriteBatch {
  readonly #waiters: Waiter[] = [];
  readonly #before = new Map<string, TriggerRecord | undefined>();

  /** True when some change of the batch was accepted: there is something to write. */
  get changed(): boolean {
    return this.#before.size > 0;
  }

  /** Note that `key` changes; `previous` is its record before (kept for the first change of the key only). */
  changing(key: string, previous: TriggerRecord | undefined): void {
    if (!this.#before.has(key)) this.#before.set(key, previous);
  }

  /** A promise of `results`, settled with the batch. */
  wait(results: boolean[]): Promise<boolean[]> {
    return new Promise((resolve, reject) => this.#waiters.push({ results, resolve, reject }));
  }

  /** Put every changed key of `records` back as it was before the batch; `forget` is called for each key. */
  undo(records: Map<string, TriggerRecord>, forget: (key: string) => void): void {
    for (const [key, record] of this.#before) {
      if (record === undefined) records.delete(key);
      else records.set(key, record);
      forget(key);
    }
  }

  /** Resolve every `apply()` of the batch, in the order they were made. */
  resolve(): void {
    for (const waiter of this.#waiters) waiter.resolve(waiter.results);
  }

  /** Reject every `apply()` of the batch with `error`. */
  reject(error: unknown): void {
    for (const waiter of this.#waiters) waiter.reject(error);
  }
}
