import type { NatsCoordinator } from "./NatsCoordinator.js";
import type { NatsCoordinatorOptions } from "./NatsCoordinatorOptions.js";
import { resolveNatsCoordinatorOptions } from "./NatsCoordinatorOptions.js";
import type { NatsTarget } from "./NatsTarget.js";
import { COORDINATOR_PEERS, requireNatsPeers } from "./natsPeers.js";

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
 * It needs the optional peer dependencies `@nats-io/transport-node`,
 * `@nats-io/jetstream` and `@nats-io/kv`, loaded on the first call (the NATS
 * bus alone needs only the first).
 *
 * @throws ConfigError `INVALID_OPTION` for a bad target or option; `NatsError` `PEER_MISSING` when a
 *   peer is not installed, `CONNECT_FAILED` when no server answers, `KV_UNAVAILABLE` when the bucket cannot be created or opened
 * @example
 * ```ts
 * const bus = await createNatsBus({ servers: "nats://nats.internal:4222" });
 * const coordinator = await createNatsCoordinator({ connection: bus.natsConnection }, { ttl: "6h" });
 * const orch = createOrchestrator({ agents, config, bus, coordinator });
 * ```
 */
export async function createNatsCoordinator(target: NatsTarget, options: NatsCoordinatorOptions = {}): Promise<NatsCoordinator> {
  const resolved = resolveNatsCoordinatorOptions(options);
  await requireNatsPeers("createNatsCoordinator", COORDINATOR_PEERS);
  // JetStream and the key-value store are imported by this module alone: loaded only now
  const { openNatsCoordinator } = await import("./openNatsCoordinator.js");
  return openNatsCoordinator(target, resolved);
}
