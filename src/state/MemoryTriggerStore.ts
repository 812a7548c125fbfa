import { StoreError } from "../errors/StoreError.js";
import { LiveRecord } from "./LiveRecord.js";
import type { StoreSnapshot, TriggerChange, TriggerRecord, TriggerStore } from "./TriggerStore.js";

/**
 * A {@link TriggerStore} that keeps every record in memory, in the store
 * object (without any store, the default, nothing is kept). Records last as long as
 * the object, so the same object handed to a second orchestrator after the
 * first one shut down is how a test simulates a restart: `close()` ends one
 * use and keeps the records, the next `load()` opens the store again and
 * returns them.
 *
 * Every change is decided by the same rules as `applyChange()`, applied in
 * place to the store's own copy of each record: a live slot's begin and end
 * allocate no record, so 10,000 triggers firing in the same second cost the
 * garbage collector little. `load()` and `get()` hand out copies. Besides the
 * `apply()` of every store it has {@link MemoryTriggerStore.applyNow}, the
 * same decision made synchronously, without a promise.
 *
 * @example
 * ```ts
 * const store = new MemoryTriggerStore();
 * const first = createOrchestrator({ agents, config, store });
 * await first.start();
 * await first.shutdown();
 * const second = createOrchestrator({ agents, config, store });   // sees the slots the first one ran
 * await second.start();
 * ```
 */
export class MemoryTriggerStore implements TriggerStore {
  /** Always `memory`. */
  readonly description = "memory";
  /** Always false: one orchestrator at a time uses a memory store. */
  readonly shared = false;
  readonly #records = new Map<string, LiveRecord>();
  #closed = false;

  /**
   * Every record, as a snapshot (later changes do not show in it); never a
   * `problem`. Opens the store again after `close()`.
   */
  async load(): Promise<StoreSnapshot> {
    this.#closed = false;
    const records = new Map<string, TriggerRecord>();
    for (const [key, live] of this.#records) records.set(key, live.toRecord());
    return { records };
  }

  /**
   * {@link MemoryTriggerStore.applyNow}, as a promise.
   *
   * @throws StoreError `STORE_CLOSED` (as a rejection) after `close()`
   */
  async apply(changes: readonly TriggerChange[]): Promise<boolean[]> {
    return this.applyNow(changes);
  }

  /**
   * Apply `changes` in order, at once: each is decided by the rules of
   * `applyChange()` against the latest record of its key, so a change sees the
   * ones before it.
   *
   * @returns whether each change was accepted
   * @throws StoreError `STORE_CLOSED` after `close()`
   */
  applyNow(changes: readonly TriggerChange[]): boolean[] {
    if (this.#closed) throw closedError();
    const results = new Array<boolean>(changes.length);
    const records = this.#records;
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i] as TriggerChange;
      const live = records.get(change.key);
      if (live !== undefined) {
        results[i] = live.apply(change);
        continue;
      }
      const made = new LiveRecord();
      results[i] = made.apply(change);
      if (results[i] === true) records.set(change.key, made);
    }
    return results;
  }

  /**
   * The record of `key` (a copy: later changes do not show in it), or `undefined` when it has none.
   *
   * @throws StoreError `STORE_CLOSED` (as a rejection) after `close()`
   */
  async get(key: string): Promise<TriggerRecord | undefined> {
    if (this.#closed) throw closedError();
    return this.#records.get(key)?.toRecord();
  }

  /** End this use of the store: `apply()` and `get()` refuse until the next `load()`. Keeps the records. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
  }
}

function closedError(): StoreError {
  return new StoreError("STORE_CLOSED", "memory", "the memory trigger store is closed: call load() to use it again (its records are kept)");
}
