import { StorageType, jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { describeThrown } from "../errors/describeThrown.js";
import { checkExistingBucket } from "./kvBuckets.js";
import type { KvBucketSpec } from "./kvBuckets.js";
import { NatsError } from "./NatsError.js";

/**
 * Create the bucket of `spec` when it is missing, else open it as it is, then
 * check its stream's settings against `spec` (a bucket just created passes).
 * Imports `@nats-io/jetstream` and `@nats-io/kv`: load this module only after
 * `requireNatsPeers` said they are installed.
 *
 * @param timeout - bound of each JetStream request, ms
 * @param where - the calling function, for messages
 * @throws NatsError `KV_UNAVAILABLE` when the bucket cannot be created, opened or inspected; `BUCKET_MISCONFIGURED` when an existing one does not fit `spec`
 */
export async function openKvBucket(connection: NatsConnection, spec: KvBucketSpec, timeout: number, where: string): Promise<KV> {
  let kv: KV;
  let config;
  try {
    const kvm = new Kvm(jetstream(connection, { timeout }));
    kv = await kvm.create(spec.name, {
      ttl: spec.maxAge,
      history: spec.history,
      storage: spec.storage === "memory" ? StorageType.Memory : StorageType.File,
      replicas: spec.replicas,
      description: spec.description,
    });
    ({ config } = (await kv.status()).streamInfo);
  } catch (error) {
    throw new NatsError(
      "KV_UNAVAILABLE",
      `${where}: cannot create or open the key-value bucket ${JSON.stringify(spec.name)} (is JetStream enabled on the server? nats-server -js): ${describeThrown(error)}`,
      { cause: error },
    );
  }
  checkExistingBucket(spec, config, where);
  return kv;
}
