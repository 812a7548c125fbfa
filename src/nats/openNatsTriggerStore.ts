import { ConfigError } from "../errors/ConfigError.js";
import { triggerBucketSpec } from "./kvBuckets.js";
import { NatsTriggerStore } from "./NatsTriggerStore.js";
import type { ResolvedNatsTriggerStoreOptions } from "./NatsTriggerStoreOptions.js";
import { openConnection } from "./NatsTarget.js";
import { openKvBucket } from "./openKvBucket.js";

/**
 * What `createNatsTriggerStore` does once its options are checked and its
 * peers are known to be installed: connect (or take the caller's connection),
 * create or open the bucket and check its settings, and build the store.
 * Loaded on the first `createNatsTriggerStore` call (it imports JetStream and
 * the key-value store), so the bus works without them.
 *
 * @throws ConfigError `INVALID_OPTION` for a bad target; `NatsError` `CONNECT_FAILED`, `KV_UNAVAILABLE`, `BUCKET_MISCONFIGURED`
 */
export async function openNatsTriggerStore(target: unknown, resolved: ResolvedNatsTriggerStoreOptions): Promise<NatsTriggerStore> {
  const where = "createNatsTriggerStore";
  const { connection, owned } = await openConnection(target, where, (message) => new ConfigError(message, { code: "INVALID_OPTION" }));
  try {
    const spec = triggerBucketSpec(resolved.bucket, { storage: resolved.storage, replicas: resolved.replicas });
    const kv = await openKvBucket(connection, spec, resolved.timeout, where);
    return new NatsTriggerStore({ kv, bucket: resolved.bucket, connection, owned, instance: resolved.instance, timeout: resolved.timeout });
  } catch (error) {
    if (owned) await connection.close().catch(() => undefined);
    throw error;
  }
}
