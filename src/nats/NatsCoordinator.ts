import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { describeValue } from "../check.js";
import { formatDuration } from "../duration.js";
import { MIN_LEASE_TTL } from "../lease/leaseTiming.js";
import type { TriggerCoordinator } from "../orchestrator/TriggerCoordinator.js";
import type { TickMessage } from "../schedule/ScheduleSpec.js";
import { describeThrown } from "../errors/describeThrown.js";
import { NatsError } from "./NatsError.js";
import { openNatsLeaseStore } from "./NatsLeaseStore.js";
import type { NatsLeaseStore } from "./NatsLeaseStore.js";
import { encodeSlotKey } from "./slotKey.js";

/** Counters of a {@link NatsCoordinator}. */
export interface NatsCoordinatorStats {
  /** Slots this instance claimed (its `create` succeeded): it fired them. */
  readonly claimed: number;
  /** Slots another instance had claimed first. */
  readonly conceded: number;
  /** Claims that failed (no answer from JetStream): those slots were not fired here. */
  readonly failed: number;
}

/** What a claimed slot's key holds, for people inspecting the bucket. */
export interface SlotClaim {
  /** The claiming instance's name. */
  readonly instance: string;
  /** The tick's key. */
  readonly key: string;
  /** The slot's instant (ms since the epoch). */
  readonly scheduledAt: number;
  /** When it was claimed, on the claiming instance's clock. */
  readonly claimedAt: number;
}

/**
 * A {@link TriggerCoordinator} over a JetStream key-value bucket, so that
 * orchestrators sharing a schedule fire each slot once across the cluster.
 * Create one with `createNatsCoordinator`.
 *
 * `claim(tick)` creates the key derived from `tick.key` (see `encodeSlotKey`);
 * JetStream accepts a create only when the key does not exist, so exactly one
 * instance's create succeeds and only that instance fires the slot. Keys expire
 * with the bucket's `ttl`.
 *
 * It also holds the leases of singleton agents (`openLeases`), in a second
 * bucket (`leaseBucket`, `ao-leases` by default) on the same connection.
 */
export class NatsCoordinator implements TriggerCoordinator {
  /** The bucket's name. */
  readonly bucket: string;
  /** This instance's name, stored with its claims. */
  readonly instance: string;
  /** The bucket of leases `openLeases` opens. */
  readonly leaseBucket: string;
  readonly #kv: KV;
  readonly #connection: NatsConnection;
  readonly #owned: boolean;
  readonly #placement: { readonly storage: "file" | "memory"; readonly replicas: number; readonly timeout: number };
  /** The lease store opened (or being opened) and its TTL. */
  #leases: { readonly ttl: number; readonly store: Promise<NatsLeaseStore> } | undefined;
  #claimed = 0;
  #conceded = 0;
  #failed = 0;
  #closing: Promise<void> | undefined;

  /**
   * @param init - the bucket (opened), its name, the connection and whether `close()` closes it, this instance's name;
   *   the lease bucket's name, the storage and replicas of buckets, the bound of one request (ms)
   */
  constructor(init: {
    kv: KV;
    bucket: string;
    connection: NatsConnection;
    owned: boolean;
    instance: string;
    leaseBucket: string;
    storage: "file" | "memory";
    replicas: number;
    timeout: number;
  }) {
    this.#kv = init.kv;
    this.bucket = init.bucket;
    this.#connection = init.connection;
    this.#owned = init.owned;
    this.instance = init.instance;
    this.leaseBucket = init.leaseBucket;
    this.#placement = { storage: init.storage, replicas: init.replicas, timeout: init.timeout };
  }

  /**
   * Claim the slot of `tick`: resolves `true` when this instance created its
   * key (and so fires it), `false` when another instance had.
   *
   * @throws NatsError `INVALID_OPTION` for a tick without a `key`; `CLAIM_FAILED` when JetStream gave no answer (timeout, lost connection, closed coordinator): the slot is not fired here
   */
  async claim(tick: TickMessage): Promise<boolean> {
    const key = (tick as Partial<TickMessage> | null)?.key;
    if (typeof key !== "string" || key === "") {
      throw new NatsError("INVALID_OPTION", `NatsCoordinator.claim: expected a tick with a non-empty \`key\`, got ${describeValue(tick)}`);
    }
    if (this.#closing !== undefined) {
      this.#failed++;
      throw new NatsError("CLAIM_FAILED", `Cannot claim slot ${key}: the coordinator is closed`);
    }
    const claim: SlotClaim = { instance: this.instance, key, scheduledAt: tick.scheduledAt, claimedAt: tick.firedAt };
    try {
      await this.#kv.create(encodeSlotKey(key), JSON.stringify(claim));
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamWrongLastSequence) {
        this.#conceded++;
        return false;
      }
      this.#failed++;
      throw new NatsError("CLAIM_FAILED", `Cannot claim slot ${key} in bucket ${JSON.stringify(this.bucket)}: ${describeThrown(error)}`, { cause: error });
    }
    this.#claimed++;
    return true;
  }

  /**
   * Open the store of the leases of singleton agents: the bucket
   * `leaseBucket`, created when missing with `ttl` as its max age and this
   * coordinator's `storage` and `replicas`. One store per coordinator: a
   * second call with the same `ttl` gives the same store; `close()` closes it.
   *
   * @throws NatsError `INVALID_OPTION` for a `ttl` below 1 s or other than the one the store was opened with;
   *   `KV_UNAVAILABLE` when the bucket cannot be created or opened; `BUCKET_MISCONFIGURED` when the existing
   *   bucket's max age is not `ttl` (or its storage or replicas do not fit); `LEASE_FAILED` after `close()`
   */
  openLeases(options: { readonly ttl: number }): Promise<NatsLeaseStore> {
    const ttl = (options as { ttl?: unknown } | null)?.ttl;
    if (typeof ttl !== "number" || !Number.isSafeInteger(ttl) || ttl < MIN_LEASE_TTL) {
      return Promise.reject(new NatsError("INVALID_OPTION", `NatsCoordinator.openLeases: expected \`ttl\` to be a whole number of ms of at least ${MIN_LEASE_TTL}, got ${describeValue(ttl)}`));
    }
    if (this.#closing !== undefined) {
      return Promise.reject(new NatsError("LEASE_FAILED", `NatsCoordinator.openLeases: the coordinator is closed (bucket ${JSON.stringify(this.leaseBucket)})`));
    }
    if (this.#leases !== undefined) {
      if (this.#leases.ttl === ttl) return this.#leases.store;
      return Promise.reject(
        new NatsError(
          "INVALID_OPTION",
          `NatsCoordinator.openLeases: the lease store of bucket ${JSON.stringify(this.leaseBucket)} is open with ttl ${formatDuration(this.#leases.ttl)} (${this.#leases.ttl} ms); ` +
            `it cannot be opened again with ttl ${formatDuration(ttl)} (${ttl} ms): one lease TTL per coordinator (the bucket's max age)`,
        ),
      );
    }
    const store = openNatsLeaseStore(this.#connection, { bucket: this.leaseBucket, ttl, instance: this.instance, ...this.#placement });
    const leases = { ttl, store };
    this.#leases = leases;
    // a failed open is forgotten, so that a later call tries again
    store.catch(() => {
      if (this.#leases === leases) this.#leases = undefined;
    });
    return store;
  }

  /** How many slots this instance claimed, conceded and failed to decide. */
  stats(): NatsCoordinatorStats {
    return { claimed: this.#claimed, conceded: this.#conceded, failed: this.#failed };
  }

  /**
   * Stop claiming, close the lease store (withdrawing this replica's
   * announcement), then drain and close a connection the coordinator opened;
   * one passed in stays open. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const leases = this.#leases?.store;
      if (leases !== undefined) await leases.then((store) => store.close(), () => undefined);
      if (!this.#owned || this.#connection.isClosed()) return;
      try {
        await this.#connection.drain();
      } catch {
        // already closing
      }
    })();
    return this.#closing;
  }
}
