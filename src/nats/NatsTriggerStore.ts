import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { describeThrown } from "../errors/describeThrown.js";
import { applyChange } from "../state/applyChange.js";
import type { StoreSnapshot, TriggerChange, TriggerRecord, TriggerStore } from "../state/TriggerStore.js";
import { loadBucket } from "./loadBucket.js";
import { NatsError } from "./NatsError.js";
import { readRecord } from "./readRecord.js";
import type { RecordCopy } from "./readRecord.js";
import { encodeSlotKey } from "./slotKey.js";

/** How often one change is decided again after losing a compare-and-set race before the store gives up. */
const MAX_ATTEMPTS = 32;

/**
 * A {@link TriggerStore} over a JetStream key-value bucket, shared by every
 * orchestrator of a cluster. Create one with `createNatsTriggerStore`.
 *
 * Each trigger's record is one key (`encodeSlotKey(recordKey(agent,
 * trigger))`) holding the record's JSON. Every change is decided by
 * `applyChange()` against the latest copy and written with compare-and-set
 * (a create when the key is absent, an update at the revision read
 * otherwise); when another instance wrote first, the key is read again and the
 * change decided again. So a `begin` with `mode: "next"` is the cluster-wide
 * claim of a slot: of several instances beginning the same slot, exactly one
 * is accepted. The store keeps the last (record, revision) it saw per key, to
 * skip the read when nobody else wrote; a change is refused only against a
 * fresh read.
 */
export class NatsTriggerStore implements TriggerStore {
  /** `nats kv <bucket>`. */
  readonly description: string;
  /** Always true: several orchestrators share the bucket, and a `begin` decides which one runs a slot. */
  readonly shared = true;
  /** The bucket's name. */
  readonly bucket: string;
  /** This orchestrator instance's name, for the `instance` of its `begin` changes. */
  readonly instance: string;
  readonly #kv: KV;
  readonly #connection: NatsConnection;
  readonly #owned: boolean;
  readonly #timeout: number;
  readonly #copies = new Map<string, RecordCopy>();
  /** The last queued work per key: changes to one key are applied one after the other, across `apply()` calls too. */
  readonly #tails = new Map<string, Promise<unknown>>();
  #closing: Promise<void> | undefined;

  /**
   * @param init - the opened bucket and its name, the connection and whether `close()` closes it, this instance's name, the bound of one request (ms)
   */
  constructor(init: { kv: KV; bucket: string; connection: NatsConnection; owned: boolean; instance: string; timeout: number }) {
    this.#kv = init.kv;
    this.bucket = init.bucket;
    this.#connection = init.connection;
    this.#owned = init.owned;
    this.instance = init.instance;
    this.#timeout = init.timeout;
    this.description = `nats kv ${init.bucket}`;
  }

  /**
   * Read every key of the bucket. A key that does not hold a trigger record
   * (written by another program, or not a key this store writes) is left as it
   * is, skipped, and named in `problem` (`STORE_CORRUPT`); a change to its
   * trigger then rejects with `STORE_CORRUPT` until an operator removes it.
   *
   * @throws NatsError `STORE_READ_FAILED` when the bucket cannot be read (no answer), `STORE_CLOSED` after `close()`
   */
  async load(): Promise<StoreSnapshot> {
    this.#refuseWhenClosed("load");
    const { copies, records, problem } = await loadBucket(this.#kv, this.bucket, this.#connection, this.#timeout);
    for (const [key, copy] of copies) this.#copies.set(key, copy);
    return problem === undefined ? { records } : { records, problem };
  }

  /**
   * Apply `changes`: those of one key in order (after the changes of earlier
   * calls to that key), different keys in parallel. Resolves once the server
   * acknowledged every write, with whether each change was accepted.
   *
   * When it rejects, what is known: the changes of the failing key before the
   * failing one, and any of the other keys, may have been written (they are
   * durable then, and other instances see them); the failing change itself
   * may have landed too when the server's answer was lost (a timeout), so the
   * next change to that key reads it afresh. A `begin` whose write is unknown
   * must not run its slot: if it landed, the slot shows as running, and the
   * next start treats it as interrupted.
   *
   * @throws NatsError `STORE_WRITE_FAILED` (no answer, lost connection, too many lost races), `STORE_CLOSED` (after `close()`),
   *   `STORE_READ_FAILED` (the read before a change failed), `STORE_CORRUPT` (the key holds something that is not a record)
   */
  async apply(changes: readonly TriggerChange[]): Promise<boolean[]> {
    this.#refuseWhenClosed("apply");
    const results = Array.from({ length: changes.length }, () => false);
    const byKey = new Map<string, number[]>();
    for (const [index, change] of changes.entries()) {
      const list = byKey.get(change.key);
      if (list === undefined) byKey.set(change.key, [index]);
      else list.push(index);
    }
    const work = [...byKey].map(([key, indexes]) =>
      this.#enqueue(key, async () => {
        for (const index of indexes) results[index] = await this.#applyOne(key, changes[index] as TriggerChange);
      }),
    );
    const settled = await Promise.allSettled(work);
    const failed = settled.find((result) => result.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    return results;
  }

  /**
   * The record of `key` as the bucket has it now (read afresh).
   *
   * @throws NatsError `STORE_READ_FAILED` (no answer), `STORE_CLOSED` (after `close()`), `STORE_CORRUPT` (the key holds something that is not a record)
   */
  async get(key: string): Promise<TriggerRecord | undefined> {
    this.#refuseWhenClosed("get");
    return (await this.#read(key)).record;
  }

  /**
   * Wait for the changes under way, then let go of the bucket: a connection
   * the store opened is drained and closed, one passed in stays open.
   * Idempotent; `load`, `apply` and `get` reject with `STORE_CLOSED` afterwards.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#tails.values()]);
      if (!this.#owned || this.#connection.isClosed()) return;
      try {
        await this.#connection.drain();
      } catch {
        // already closing
      }
    })();
    return this.#closing;
  }

  #refuseWhenClosed(method: string): void {
    if (this.#closing !== undefined) throw new NatsError("STORE_CLOSED", `${this.description}: ${method}() after close(): the store is closed (make a new one with createNatsTriggerStore)`);
  }

  /** Run `task` after the work queued for `key`, whatever its outcome. */
  #enqueue(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }

  /** A fresh read of `key`, remembered as its latest copy. */
  async #read(key: string): Promise<RecordCopy> {
    const copy = await readRecord(this.#kv, this.bucket, key);
    this.#copies.set(key, copy);
    return copy;
  }

  /** Decide `change` against the latest copy and write it with compare-and-set, deciding again after a lost race. */
  async #applyOne(key: string, change: TriggerChange): Promise<boolean> {
    const cached = this.#copies.get(key);
    let copy = cached ?? (await this.#read(key));
    let fresh = cached === undefined;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const next = applyChange(copy.record, change);
      if (next === undefined) {
        // refused: only a fresh copy may refuse (a stale one may say `paused` or `lastSlot` wrongly)
        if (fresh) return false;
        copy = await this.#read(key);
        fresh = true;
        continue;
      }
      const revision = await this.#write(key, next, copy.revision);
      if (revision !== undefined) {
        this.#copies.set(key, { record: next, revision });
        return true;
      }
      copy = await this.#read(key);
      fresh = true;
    }
    throw new NatsError("STORE_WRITE_FAILED", `${this.description}: gave up writing ${JSON.stringify(key)} after losing ${MAX_ATTEMPTS} races with other writers in a row`);
  }

  /**
   * Write `record` to `key` if the key is still at `revision` (0: absent):
   * the new revision, or `undefined` when another writer came first.
   */
  async #write(key: string, record: TriggerRecord, revision: number): Promise<number | undefined> {
    const encoded = encodeSlotKey(key);
    const value = JSON.stringify(record);
    try {
      return revision === 0 ? await this.#kv.create(encoded, value) : await this.#kv.update(encoded, value, revision, this.#timeout);
    } catch (error) {
      if (isLostRace(error)) return undefined;
      // the write may have landed (a lost answer): forget the copy, so the next change reads afresh
      this.#copies.delete(key);
      throw new NatsError("STORE_WRITE_FAILED", `${this.description}: could not write ${JSON.stringify(key)}: ${describeThrown(error)}`, { cause: error });
    }
  }
}

/** Whether `error` is JetStream's answer to a compare-and-set whose revision is no longer the key's last. */
function isLostRace(error: unknown): boolean {
  return error instanceof JetStreamApiError && (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}
