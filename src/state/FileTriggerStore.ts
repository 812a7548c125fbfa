import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { OptionCheck } from "../check.js";
import { systemClock, type Clock } from "../clock.js";
import { optionError, invalidOption } from "../errors/invalidOption.js";
import { StoreError } from "../errors/StoreError.js";
import { applyChange } from "./applyChange.js";
import { atomicWrite } from "./atomicWrite.js";
import { acquireLock, releaseLock, type LockHolder } from "./fileLock.js";
import { readStateFile, reasonOf } from "./readStateFile.js";
import { encodeRecordEntry, encodeStateFile } from "./triggerStateFile.js";
import type { StoreProblem, StoreSnapshot, TriggerChange, TriggerRecord, TriggerStore } from "./TriggerStore.js";
import { WriteBatch } from "./WriteBatch.js";

/** Options of a {@link FileTriggerStore}. */
export interface FileTriggerStoreOptions {
  /**
   * The clock for the file's `savedAt`, the lock's time and the name of a
   * corrupt file moved aside.
   * @default the system clock
   */
  readonly clock?: Clock;
}

type Phase = "new" | "opening" | "open" | "closing" | "closed";

/**
 * A {@link TriggerStore} in one JSON file, for one host (`state: { file }` in
 * the configuration). Each change is decided in memory by `applyChange()` at
 * once; `apply()` resolves once a write that contains it is on disk. Writes
 * are atomic (a temporary file in the same directory, fsync, rename, fsync of
 * the directory), so the file survives `kill -9` or a power loss at any
 * instant, and coalesced: one write at a time, and the changes that arrive
 * meanwhile go together into the next one.
 *
 * A lock file `<path>.lock` keeps a second store (another process, or another
 * object in this process) off the file while this one is open; a lock left by
 * a process of this host that no longer runs is taken over. A file that is
 * not valid is moved aside and reported (`problem` of `load()`); a file that
 * cannot be read makes `load()` reject: the store never overwrites data it
 * could not read. See docs/trigger-state.md.
 *
 * @example
 * ```ts
 * const store = new FileTriggerStore("./var/orchestrator-state.json");
 * const orch = createOrchestrator({ agents, config, store });
 * ```
 */
export class FileTriggerStore implements TriggerStore {
  /** `file <path>`, the path as given. */
  readonly description: string;
  /** Always false: the lock lets one store at a time use the file. */
  readonly shared = false;
  /** The file, as given. */
  readonly path: string;
  readonly #lockPath: string;
  readonly #temporary: string;
  readonly #clock: Clock;
  readonly #records = new Map<string, TriggerRecord>();
  /** Each record's text in the file, kept until the record changes: a write serialises only what changed. */
  readonly #entries = new Map<string, string>();
  #phase: Phase = "new";
  #opening: Promise<StoreProblem | undefined> | undefined;
  #closing: Promise<void> | undefined;
  #lock: LockHolder | undefined;
  #sequence = 0;
  /** `apply()` calls made before the store was open, still to be decided (in order) once it is. */
  #waitingForOpen = 0;
  #pending: WriteBatch | undefined;
  #inFlight: WriteBatch | undefined;

  /**
   * @param path - the state file; its directory is created when the store opens
   * @throws ConfigError `INVALID_OPTION` for a `path` that is not a non-empty string, or a bad option
   */
  constructor(path: string, options: FileTriggerStoreOptions = {}) {
    if (typeof path !== "string" || path.trim() === "") throw optionError("path", "a non-empty string (the trigger state file)", path);
    const check = new OptionCheck("FileTriggerStore", invalidOption);
    check.knownKeys(check.object(options), ["clock"]);
    this.#clock = check.optionalClock(options.clock) ?? systemClock;
    this.path = path;
    this.description = `file ${path}`;
    const absolute = resolve(path);
    this.#lockPath = `${absolute}.lock`;
    this.#temporary = `${absolute}.tmp-${process.pid}`;
  }

  /**
   * Take the lock and read the file (the first time, or after `close()`);
   * later calls return the records as the store has them now.
   *
   * @throws StoreError `STORE_LOCKED` (another store holds the file), `STORE_READ_FAILED`, `STORE_VERSION_UNSUPPORTED`
   */
  async load(): Promise<StoreSnapshot> {
    if (this.#phase === "closing") await this.#closing;
    const reopened = this.#phase !== "open";
    const problem = await this.#open();
    // the problem is told once, by the load() that found it
    return problem === undefined || !reopened ? { records: new Map(this.#records) } : { records: new Map(this.#records), problem };
  }

  /**
   * Decide `changes` in order against the records in memory (at once, so a
   * change sees every change applied before it), and resolve once a write
   * that contains them is durable.
   *
   * @throws StoreError (as a rejection) `STORE_WRITE_FAILED` when that write failed: the changes of
   *   that write, and of any decided after it, are undone in memory and count as not done;
   *   `STORE_CLOSED` after `close()`; the errors of {@link FileTriggerStore.load} when the store was not open yet
   */
  apply(changes: readonly TriggerChange[]): Promise<boolean[]> {
    if (this.#phase === "closing" || this.#phase === "closed") return Promise.reject(this.#closedError());
    if (this.#phase === "open" && this.#waitingForOpen === 0) return this.#decide(changes);
    this.#waitingForOpen++;
    return this.#open().then(
      () => {
        this.#waitingForOpen--;
        return this.#decide(changes);
      },
      (error: unknown) => {
        this.#waitingForOpen--;
        throw error;
      },
    );
  }

  /**
   * {@link FileTriggerStore.apply} without waiting: decided at once against
   * the records in memory, written by the next write (shared by every change
   * of the turn); {@link FileTriggerStore.durable} resolves once it is on
   * disk. The orchestrator uses it so a slot costs no promise.
   *
   * @throws StoreError `STORE_CLOSED` unless the store is open (after `load()`, before `close()`)
   */
  applyNow(changes: readonly TriggerChange[]): boolean[] {
    if (this.#phase !== "open" || this.#waitingForOpen !== 0) throw this.#closedError();
    return this.#decideNow(changes);
  }

  /**
   * Resolves once every change decided so far is on disk; rejects with the
   * `STORE_WRITE_FAILED` of a write that failed (its changes are undone).
   */
  durable(): Promise<void> {
    const batch = this.#pending ?? this.#inFlight;
    return batch === undefined ? Promise.resolve() : batch.wait([]).then(() => undefined);
  }

  /**
   * The record of `key` as the store has it now (changes decided and not yet durable included).
   *
   * @throws StoreError (as a rejection) `STORE_CLOSED` after `close()`
   */
  async get(key: string): Promise<TriggerRecord | undefined> {
    if (this.#phase === "closing" || this.#phase === "closed") throw this.#closedError();
    await this.#open();
    return this.#records.get(key);
  }

  /** Wait for the pending writes, then release the lock. Idempotent; `load()` opens the store again. */
  close(): Promise<void> {
    if (this.#phase === "closed" || this.#phase === "new") {
      this.#phase = "closed";
      return Promise.resolve();
    }
    this.#closing ??= this.#shut();
    return this.#closing;
  }

  async #shut(): Promise<void> {
    const wasOpening = this.#phase === "opening";
    this.#phase = "closing";
    if (wasOpening) await this.#opening?.catch(() => undefined);
    const last = this.#pending ?? this.#inFlight;
    if (last !== undefined) await last.wait([]).catch(() => undefined);
    try {
      if (this.#lock !== undefined) await releaseLock(this.#lockPath, this.#lock).catch(() => undefined);
    } finally {
      this.#lock = undefined;
      this.#opening = undefined;
      this.#closing = undefined;
      this.#phase = "closed";
    }
  }

  #open(): Promise<StoreProblem | undefined> {
    if (this.#phase === "new" || this.#phase === "closed") {
      this.#phase = "opening";
      this.#opening = this.#read().then(
        (problem) => {
          if (this.#phase === "opening") this.#phase = "open";
          return problem;
        },
        (error: unknown) => {
          if (this.#phase === "opening") this.#phase = "new";
          this.#opening = undefined;
          throw error;
        },
      );
    }
    return this.#opening ?? Promise.reject(this.#closedError());
  }

  async #read(): Promise<StoreProblem | undefined> {
    const now = this.#clock.now();
    let lock;
    try {
      await mkdir(dirname(resolve(this.path)), { recursive: true });
      lock = await acquireLock(this.#lockPath, now);
    } catch (error) {
      throw new StoreError("STORE_READ_FAILED", this.description, `could not open the trigger state file ${this.path}: its directory or lock file ${this.#lockPath} is not usable (${reasonOf(error)})`, { cause: error });
    }
    if (!lock.acquired) throw this.#lockedError(lock.holder);
    this.#lock = lock.holder;
    try {
      const state = await readStateFile(this.path, this.description, now);
      this.#records.clear();
      this.#entries.clear();
      for (const [key, record] of state.records) this.#records.set(key, record);
      this.#sequence = state.sequence;
      return state.problem;
    } catch (error) {
      await releaseLock(this.#lockPath, lock.holder).catch(() => undefined);
      this.#lock = undefined;
      throw error;
    }
  }

  #decide(changes: readonly TriggerChange[]): Promise<boolean[]> {
    const results = this.#decideNow(changes);
    return (this.#pending as WriteBatch).wait(results);
  }

  /** Decide `changes` against the records in memory and put them in the pending write (made when needed). */
  #decideNow(changes: readonly TriggerChange[]): boolean[] {
    const batch = this.#pending ?? this.#newBatch();
    const results = new Array<boolean>(changes.length);
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i] as TriggerChange;
      const previous = this.#records.get(change.key);
      const next = applyChange(previous, change);
      results[i] = next !== undefined;
      if (next === undefined) continue;
      batch.changing(change.key, previous);
      this.#records.set(change.key, next);
      this.#entries.delete(change.key);
    }
    return results;
  }

  #newBatch(): WriteBatch {
    const batch = new WriteBatch();
    this.#pending = batch;
    // the first change of a turn waits for the end of the turn, so every trigger firing in it shares the write
    if (this.#inFlight === undefined) setImmediate(() => this.#flush());
    return batch;
  }

  #flush(): void {
    const batch = this.#pending;
    if (batch === undefined || this.#inFlight !== undefined) return;
    this.#pending = undefined;
    if (!batch.changed) {
      batch.resolve();
      this.#flush();
      return;
    }
    this.#inFlight = batch;
    const sequence = this.#sequence + 1;
    const text = encodeStateFile(sequence, new Date(this.#clock.now()).toISOString(), this.#serialisedEntries());
    atomicWrite(this.path, this.#temporary, text).then(
      () => {
        this.#sequence = sequence;
        this.#inFlight = undefined;
        batch.resolve();
        this.#flush();
      },
      (error: unknown) => this.#failed(batch, error),
    );
  }

  /** A write failed: undo its changes and those decided on top of them, and reject both batches' applies. */
  #failed(batch: WriteBatch, cause: unknown): void {
    const later = this.#pending;
    this.#pending = undefined;
    this.#inFlight = undefined;
    const forget = (key: string): void => void this.#entries.delete(key);
    later?.undo(this.#records, forget);
    batch.undo(this.#records, forget);
    const error = new StoreError(
      "STORE_WRITE_FAILED",
      this.description,
      `could not write the trigger state file ${this.path} (${reasonOf(cause)}); the file keeps its previous content and the changes of this write are undone`,
      { cause },
    );
    batch.reject(error);
    later?.reject(error);
  }

  #serialisedEntries(): string[] {
    const entries: string[] = [];
    for (const [key, record] of this.#records) {
      let entry = this.#entries.get(key);
      if (entry === undefined) {
        entry = encodeRecordEntry(key, record);
        this.#entries.set(key, entry);
      }
      entries.push(entry);
    }
    return entries;
  }

  #lockedError(holder: LockHolder): StoreError {
    const who = holder.pid === process.pid && holder.processStart === performance.timeOrigin ? "another FileTriggerStore in this process" : `process ${holder.pid} on host ${holder.hostname}`;
    return new StoreError(
      "STORE_LOCKED",
      this.description,
      `the trigger state file ${this.path} is in use by ${who} since ${new Date(holder.since).toISOString()} (lock file ${this.#lockPath}); ` +
        "close that store first, or, if that process no longer runs on that host, delete the lock file",
    );
  }

  #closedError(): StoreError {
    return new StoreError("STORE_CLOSED", this.description, `the trigger store ${this.description} is closed: call load() to open it again`);
  }
}
