import { JetStreamApiCodes, JetStreamApiError, jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { describeThrown } from "../errors/describeThrown.js";
import type { LeaseGrant, LeaseStore, LeaseView } from "../lease/LeaseStore.js";
import { leaseBucketSpec } from "./kvBuckets.js";
import type { KvBucketPlacement } from "./kvBuckets.js";
import { REPLICA_KEYS, agentLeaseKey, decodeLeaseValue, leaseRequestTimeout, replicaKey } from "./leaseKeys.js";
import type { LeaseValue, ReplicaValue } from "./leaseKeys.js";
import { NatsError } from "./NatsError.js";
import { openKvBucket } from "./openKvBucket.js";

/**
 * A {@link LeaseStore} over a JetStream key-value bucket whose max age is the
 * lease TTL (nats-server 2.9 has no per-key TTL). Opened by
 * `NatsCoordinator.openLeases`; imports `@nats-io/jetstream` and
 * `@nats-io/kv`, so it is loaded only with the coordinator.
 *
 * - The lease of an agent is the key `agents.<agent>`. `acquire` creates it
 *   (a write expecting no entry, or one expecting the revision of the delete
 *   marker a release left), so one replica wins; the revision of that
 *   write is the fencing token. The stream's sequence only grows (across
 *   server restarts too), so every later acquisition has a larger token.
 * - `renew` and `release` write with compare-and-set on the revision of the
 *   holder's last write: once the key expired or someone else wrote it, they
 *   find it at another revision and do nothing.
 * - A replica announces itself with the key `replicas.<base64url(instance)>`,
 *   which expires like a lease unless announced again.
 *
 * Each request is bounded by `min(coordinator timeout, max(500 ms, ttl / 2))`.
 */
export class NatsLeaseStore implements LeaseStore {
  /** This replica's name (the coordinator's `instance`). */
  readonly instance: string;
  /** How long a lease lasts after its last write (ms): the bucket's max age. */
  readonly ttl: number;
  /** The bucket's name. */
  readonly bucket: string;
  /** The bound of one request (ms). */
  readonly timeout: number;
  readonly #kv: KV;
  readonly #presence: string;
  #announcing: Promise<unknown> | undefined;
  #closing: Promise<void> | undefined;

  /**
   * @param init - the bucket bound with the lease timeout, its name, this replica's name, the TTL and the request bound (ms)
   */
  constructor(init: { kv: KV; bucket: string; instance: string; ttl: number; timeout: number }) {
    this.#kv = init.kv;
    this.bucket = init.bucket;
    this.instance = init.instance;
    this.ttl = init.ttl;
    this.timeout = init.timeout;
    this.#presence = replicaKey(init.instance);
  }

  /**
   * Take the lease of `agent` when its key is absent, expired or released.
   *
   * @returns the grant (token = revision of the write), or `undefined` when another replica holds it
   * @throws NatsError `LEASE_FAILED` (no answer in time, lost connection, closed store); `INVALID_OPTION` for a bad agent name
   */
  async acquire(agent: string): Promise<LeaseGrant | undefined> {
    const key = this.#key("acquire", agent);
    const value: LeaseValue = { holder: this.instance, at: Date.now() };
    let revision: number | undefined;
    try {
      revision = await this.#create(key, JSON.stringify(value));
    } catch (error) {
      throw this.#failure("acquire", agent, error);
    }
    return revision === undefined ? undefined : { token: revision, revision };
  }

  /**
   * `kv.create`, without its fallback after a failure other than a lost race
   * (it would read the key after a timeout, doubling the wait): write if the
   * key has no entry; else, if its last entry is a delete or purge marker,
   * write at that marker's revision. `undefined` when the key holds a value
   * (or another replica wrote first).
   */
  async #create(key: string, value: string): Promise<number | undefined> {
    try {
      return await this.#kv.put(key, value, { previousSeq: 0, timeout: this.timeout });
    } catch (error) {
      if (!isLostRace(error)) throw error;
    }
    const entry = await this.#kv.get(key);
    // null: the key expired between the two requests; the next acquire finds it absent
    if (entry === null || entry.operation === "PUT") return undefined;
    try {
      return await this.#kv.update(key, value, entry.revision, this.timeout);
    } catch (error) {
      if (isLostRace(error)) return undefined;
      throw error;
    }
  }

  /**
   * Renew the lease of `agent` if its key is still at `grant.revision`.
   *
   * @returns the same token with the new revision, or `undefined` when the lease is no longer this holder's
   * @throws NatsError `LEASE_FAILED` (no answer in time, lost connection, closed store); `INVALID_OPTION` for a bad agent name
   */
  async renew(agent: string, grant: LeaseGrant): Promise<LeaseGrant | undefined> {
    const key = this.#key("renew", agent);
    const value: LeaseValue = { holder: this.instance, token: grant.token, at: Date.now() };
    try {
      const revision = await this.#kv.update(key, JSON.stringify(value), grant.revision, this.timeout);
      return { token: grant.token, revision };
    } catch (error) {
      if (isLostRace(error)) return this.#ownLandedRenewal(key, agent, grant);
      throw this.#failure("renew", agent, error);
    }
  }

  /**
   * The key moved past `grant.revision`: when the write there is this
   * holder's own renewal of the same acquisition (one whose answer was lost:
   * the server stored it, the reply timed out), go on from its revision;
   * otherwise the lease is someone else's (`undefined`).
   */
  async #ownLandedRenewal(key: string, agent: string, grant: LeaseGrant): Promise<LeaseGrant | undefined> {
    let entry;
    try {
      entry = await this.#kv.get(key);
    } catch (error) {
      throw this.#failure("renew", agent, error);
    }
    if (entry === null || entry.operation !== "PUT") return undefined;
    const value = decodeLeaseValue(entry.value);
    // the token is the acquisition's revision: the same token means the same acquisition, this holder's
    if (value === undefined || value.holder !== this.instance || value.token !== grant.token) return undefined;
    return this.renew(agent, { token: grant.token, revision: entry.revision });
  }

  /**
   * Give the lease of `agent` up if its key is still at `grant.revision`
   * (a delete marker; the next `acquire` creates over it). Resolves too when
   * the lease is someone else's already.
   *
   * @throws NatsError `LEASE_FAILED` (no answer in time, lost connection, closed store); `INVALID_OPTION` for a bad agent name
   */
  async release(agent: string, grant: LeaseGrant): Promise<void> {
    const key = this.#key("release", agent);
    try {
      await this.#kv.delete(key, { previousSeq: grant.revision });
    } catch (error) {
      if (isLostRace(error)) return;
      throw this.#failure("release", agent, error);
    }
  }

  /**
   * The lease of `agent` as the bucket holds it now: `undefined` when the key
   * is absent, expired, released, or holds something that is not a lease.
   * `expiresAt` is the server's time of the last write plus the TTL.
   *
   * @throws NatsError `LEASE_FAILED` (no answer in time, lost connection, closed store); `INVALID_OPTION` for a bad agent name
   */
  async read(agent: string): Promise<LeaseView | undefined> {
    const key = this.#key("read", agent);
    let entry;
    try {
      entry = await this.#kv.get(key);
    } catch (error) {
      throw this.#failure("read", agent, error);
    }
    if (entry === null || entry.operation !== "PUT") return undefined;
    const value = decodeLeaseValue(entry.value);
    if (value === undefined) return undefined;
    return { holder: value.holder, token: value.token ?? entry.revision, expiresAt: entry.created.getTime() + this.ttl };
  }

  /**
   * Write this replica's presence key, then count the presence keys that
   * have not expired (this one included).
   *
   * @throws NatsError `LEASE_FAILED` (no answer in time, lost connection, closed store)
   */
  async announce(): Promise<number> {
    this.#refuseWhenClosed("announce");
    const work = this.#announce();
    this.#announcing = Promise.allSettled([this.#announcing, work]);
    return work;
  }

  /**
   * Withdraw this replica's presence key now (it is shutting down): the
   * others count one replica less at their next count. Never rejects (the
   * key expires anyway); a later `announce()` writes it again.
   */
  async withdraw(): Promise<void> {
    if (this.#closing !== undefined) return;
    await this.#announcing;
    try {
      await this.#kv.delete(this.#presence);
    } catch {
      // best effort: the key expires after the TTL
    }
  }

  /**
   * Withdraw this replica's presence key (best effort: it expires anyway),
   * after an announcement under way. Idempotent, never rejects; every method
   * rejects with `LEASE_FAILED` afterwards. The connection stays open (it is the coordinator's).
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const announcing = this.#announcing;
      if (announcing === undefined) return;
      await announcing;
      try {
        await this.#kv.delete(this.#presence);
      } catch {
        // best effort: the key expires after the TTL
      }
    })();
    return this.#closing;
  }

  async #announce(): Promise<number> {
    const value: ReplicaValue = { instance: this.instance, at: Date.now() };
    try {
      await this.#kv.put(this.#presence, JSON.stringify(value), { timeout: this.timeout });
      return Math.max(1, await this.#countReplicas());
    } catch (error) {
      throw new NatsError("LEASE_FAILED", `${this.#where("announce")}: cannot announce replica ${JSON.stringify(this.instance)}: ${describeThrown(error)}`, { cause: error });
    }
  }

  /** The presence keys whose last entry is a value (not a delete marker), read within the request bound. */
  async #countReplicas(): Promise<number> {
    const keys = await this.#kv.keys(REPLICA_KEYS);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      keys.stop();
    }, this.timeout);
    let count = 0;
    try {
      for await (const _key of keys) count++;
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) throw new Error(`listing the replicas took longer than ${this.timeout} ms`);
    return count;
  }

  #key(method: string, agent: string): string {
    this.#refuseWhenClosed(method);
    return agentLeaseKey(agent, this.#where(method));
  }

  #refuseWhenClosed(method: string): void {
    if (this.#closing !== undefined) throw new NatsError("LEASE_FAILED", `${this.#where(method)}: the lease store is closed (the coordinator opens another with openLeases)`);
  }

  #failure(method: string, agent: string, error: unknown): NatsError {
    return new NatsError("LEASE_FAILED", `${this.#where(method)}: no answer about the lease of agent ${JSON.stringify(agent)} in bucket ${JSON.stringify(this.bucket)}: ${describeThrown(error)}`, { cause: error });
  }

  #where(method: string): string {
    return `NatsLeaseStore.${method} (nats kv ${this.bucket})`;
  }
}

/** Whether `error` is JetStream's answer to a compare-and-set whose revision is no longer the key's last. */
function isLostRace(error: unknown): boolean {
  return error instanceof JetStreamApiError && (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}

/** Where and how the lease bucket is opened. */
export interface LeaseBucketOptions extends KvBucketPlacement {
  /** The bucket's name (`ao-leases` by default). */
  readonly bucket: string;
  /** The lease TTL (ms): the bucket's max age. */
  readonly ttl: number;
  /** The coordinator's request bound (ms): bucket set-up waits this long; lease requests at most this. */
  readonly timeout: number;
  /** This replica's name. */
  readonly instance: string;
}

/**
 * Create the lease bucket when missing, else open it and check that its max
 * age is `ttl` (and its storage and replicas fit), then bind it again on a
 * JetStream context whose requests are bounded by the lease timeout.
 *
 * @throws NatsError `KV_UNAVAILABLE` when the bucket cannot be created or opened; `BUCKET_MISCONFIGURED` when an existing one does not fit (another max age)
 */
export async function openNatsLeaseStore(connection: NatsConnection, options: LeaseBucketOptions): Promise<NatsLeaseStore> {
  const { bucket, ttl, timeout, instance, storage, replicas } = options;
  await openKvBucket(connection, leaseBucketSpec(bucket, ttl, { storage, replicas }), timeout, "createNatsCoordinator");
  const leaseTimeout = leaseRequestTimeout(timeout, ttl);
  // a second handle on the same bucket, on a context with the short bound (delete and get take no timeout of their own);
  // bound without a request, and reading from the stream leader (no direct get: a read sees the last write)
  const kv = await new Kvm(jetstream(connection, { timeout: leaseTimeout })).open(bucket);
  return new NatsLeaseStore({ kv, bucket, instance, ttl, timeout: leaseTimeout });
}
