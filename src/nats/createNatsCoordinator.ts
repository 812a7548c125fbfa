import { StorageType, jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { KV } from "@nats-io/kv";
import { ConfigError } from "../errors/ConfigError.js";
import { describeThrown } from "../errors/describeThrown.js";
import { NatsCoordinator } from "./NatsCoordinator.js";
import type { NatsCoordinatorOptions } from "./NatsCoordinatorOptions.js";
import { resolveNatsCoordinatorOptions } from "./NatsCoordinatorOptions.js";
import { NatsError } from "./NatsError.js";
import type { NatsTarget } from "./NatsTarget.js";
import { openConnection } from "./NatsTarget.js";

/**
 * Create a {@link NatsCoordinator}: pass it to `createOrchestrator({ coordinator })`
 * on every instance that runs the same schedule, and each trigger slot fires
 * on one instance only. It needs a server with JetStream (`nats-server -js`);
 * the bucket is created when missing (its `ttl`, `storage` and `replicas`
 * apply then), else opened as it is.
 *
 * With `{ servers, ...connectionOptions }` it opens and owns a connection;
 * with `{ connection }` (a bus's `natsConnection`, say) it shares the caller's.
 * The orchestrator calls `close()` at the end of its shutdown.
 *
 * @throws ConfigError `INVALID_OPTION` for a bad target or option; `NatsError` `CONNECT_FAILED` when no server answers, `KV_UNAVAILABLE` when the bucket cannot be created or opened
 * @example
 * ```ts
 * const bus = await createNatsBus({ servers: "nats://nats.internal:4222" });
 * const coordinator = await createNatsCoordinator({ connection: bus.natsConnection }, { ttl: "6h" });
 * const orch = createOrchestrator({ agents, config, bus, coordinator });
 * ```
 */
export async function createNatsCoordinator(target: NatsTarget, options: NatsCoordinatorOptions = {}): Promise<NatsCoordinator> {
  const resolved = resolveNatsCoordinatorOptions(options);
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
  return new NatsCoordinator({ kv, bucket: resolved.bucket, connection, owned, instance: resolved.instance });
}
