import { StorageType, jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { KV } from "@nats-io/kv";
import { ConfigError } from "../errors/ConfigError.js";
import { describeThrown } from "../errors/describeThrown.js";
import { NatsCoordinator } from "./NatsCoordinator.js";
import type { ResolvedNatsCoordinatorOptions } from "./NatsCoordinatorOptions.js";
import { NatsError } from "./NatsError.js";
import { openConnection } from "./NatsTarget.js";

/**
 * What `createNatsCoordinator` does once its options are checked and its
 * peers are known to be installed: connect (or take the caller's connection),
 * create or open the bucket, and build the coordinator. The only module of the
 * library that imports `@nats-io/jetstream` and `@nats-io/kv`, loaded on the
 * first `createNatsCoordinator` call, so the bus works without them.
 *
 * @throws ConfigError `INVALID_OPTION` for a bad target; `NatsError` `CONNECT_FAILED`, `KV_UNAVAILABLE`
 */
export async function openNatsCoordinator(target: unknown, resolved: ResolvedNatsCoordinatorOptions): Promise<NatsCoordinator> {
  const { connection, owned } = await openConnection(target, "createNatsCoordinator", (message) => new ConfigError(message, { code: "INVALID_OPTION" }));
  let kv: KV;
  try {
    const kvm = new Kvm(jetstream(connection, { timeout: resolved.timeout }));
    kv = await kvm.create(resolved.bucket, {
      ttl: resolved.ttl,
      history: 1,
      storage: resolved.storage === "memory" ? StorageType.Memory : StorageType.File,
      replicas: resolved.replicas,
      description: "Trigger slots claimed by @acme/agent-orchestrator instances (one key per slot)",
    });
  } catch (error) {
    if (owned) await connection.close().catch(() => undefined);
    throw new NatsError(
      "KV_UNAVAILABLE",
      `createNatsCoordinator: cannot create or open the key-value bucket ${JSON.stringify(resolved.bucket)} (is JetStream enabled on the server? nats-server -js): ${describeThrown(error)}`,
      { cause: error },
    );
  }
  const { bucket, leaseBucket, instance, storage, replicas, timeout } = resolved;
  return new NatsCoordinator({ kv, bucket, connection, owned, instance, leaseBucket, storage, replicas, timeout });
}
