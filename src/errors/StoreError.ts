import { OrchestratorError } from "./OrchestratorError.js";

/**
 * Codes of {@link StoreError}:
 * - `STORE_CLOSED`: `apply()` or `get()` on a store after `close()`;
 * - `STORE_READ_FAILED`: the store's data exists but could not be read (a file
 *   without read permission, a directory where the file should be), or data
 *   that could not be read could not be moved aside either; the data is left
 *   as it is;
 * - `STORE_WRITE_FAILED`: changes could not be made durable (the disk is full,
 *   the directory is not writable); none of them counts as done;
 * - `STORE_LOCKED`: another store (another process, or another store object in
 *   this process) holds the data; the message names the holder;
 * - `STORE_VERSION_UNSUPPORTED`: the data was written in a newer format than
 *   this version of the library reads; it is left as it is.
 */
export type StoreErrorCode = "STORE_CLOSED" | "STORE_READ_FAILED" | "STORE_WRITE_FAILED" | "STORE_LOCKED" | "STORE_VERSION_UNSUPPORTED";

/**
 * An error of a trigger store (`MemoryTriggerStore`, `FileTriggerStore`, or a
 * store of your own); `code` says which kind and `store` names the store.
 *
 * @example
 * ```ts
 * try { await store.load(); }
 * catch (error) {
 *   if (error instanceof StoreError && error.code === "STORE_LOCKED") console.error(error.message);
 * }
 * ```
 */
export class StoreError extends OrchestratorError {
  override name = "StoreError";
  declare readonly code: StoreErrorCode;
  /** The store's `description`, e.g. `file ./var/state.json`. */
  readonly store: string;

  constructor(code: StoreErrorCode, store: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.store = store;
  }
}
