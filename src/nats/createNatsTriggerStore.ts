import type { NatsTarget } from "./NatsTarget.js";
import type { NatsTriggerStore } from "./NatsTriggerStore.js";
import type { NatsTriggerStoreOptions } from "./NatsTriggerStoreOptions.js";
import { resolveNatsTriggerStoreOptions } from "./NatsTriggerStoreOptions.js";
import { COORDINATOR_PEERS, requireNatsPeers } from "./natsPeers.js";

/**
 * Create a {@link NatsTriggerStore}: trigger state in a JetStream key-value
 * bucket shared by every orchestrator of a cluster. Pass it to
 * `createOrchestrator({ store })` on every instance that runs the same
 * schedule: a slot then runs once across the cluster (the store's `begin` is
 * the claim), catch-up after downtime happens once, whichever instance starts
 * first, and pauses are seen everywhere. Such a host uses the store instead
 * of `createNatsCoordinator`.
 *
 * The bucket (`ao-triggers` by default) is created when missing: file
 * storage, no max age, one value per key. An existing bucket is checked
 * first: a max age, memory storage (unless `storage: "memory"` is asked for)
 * or fewer replicas than asked is refused.
 *
 * With `{ servers, ...connectionOptions }` it opens and owns a connection;
 * with `{ connection }` (a bus's `natsConnection`, say) it shares the
 * caller's. The orchestrator calls `close()` at the end of its shutdown.
 * It needs the optional peer dependencies `@nats-io/transport-node`,
 * `@nats-io/jetstream` and `@nats-io/kv`, loaded on the first call.
 *
 * @throws ConfigError `INVALID_OPTION` for a bad target or option; `NatsError` `PEER_MISSING` when a peer is not
 *   installed, `CONNECT_FAILED` when no server answers, `KV_UNAVAILABLE` when the bucket cannot be created or
 *   opened, `BUCKET_MISCONFIGURED` when an existing bucket has settings that break the store
 * @example
 * ```ts
 * const bus = await createNatsBus({ servers: "nats://nats.internal:4222" });
 * const store = await createNatsTriggerStore({ connection: bus.natsConnection });
 * const orch = createOrchestrator({ agents, config, bus, store });
 * ```
 */
export async function createNatsTriggerStore(target: NatsTarget, options: NatsTriggerStoreOptions = {}): Promise<NatsTriggerStore> {
  const resolved = resolveNatsTriggerStoreOptions(options);
  await requireNatsPeers("createNatsTriggerStore", COORDINATOR_PEERS);
  // JetStream and the key-value store are imported by this module and the ones it loads: loaded only now
  const { openNatsTriggerStore } = await import("./openNatsTriggerStore.js");
  return openNatsTriggerStore(target, resolved);
}
