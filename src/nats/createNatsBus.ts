import type { TopicMap } from "../bus/Bus.js";
import { BusError } from "../errors/BusError.js";
import type { NatsBus } from "./NatsBus.js";
import type { NatsBusOptions } from "./NatsBusOptions.js";
import { resolveNatsBusOptions } from "./NatsBusOptions.js";
import type { NatsTarget } from "./NatsTarget.js";
import { BUS_PEERS, requireNatsPeers } from "./natsPeers.js";

/**
 * Create a {@link NatsBus}: the `Bus` over a NATS server, so agents in several
 * processes (several orchestrators) talk as they do in one. Asynchronous: it
 * connects first (with `{ servers }`), so a bad address or credentials fail
 * here rather than at the first publish.
 *
 * - With `{ servers, ...connectionOptions }` the bus opens and owns its
 *   connection: `close()` drains and closes it.
 * - With `{ connection }` the caller owns the connection: `close()` drains
 *   only this bus's subscriptions and leaves the connection open.
 *
 * Pass the bus to `createOrchestrator({ bus })`; the orchestrator does not
 * close a bus it was given, so close it after `shutdown()` (or declare it with
 * `await using`). See `docs/cluster.md`.
 *
 * It needs the optional peer dependency `@nats-io/transport-node` (not
 * `@nats-io/jetstream` nor `@nats-io/kv`, which only the coordinator loads):
 * the client is loaded here, on the first call, not when the entry point is imported.
 *
 * @typeParam Topics - optional map of known topics to payload types
 * @throws BusError `INVALID_OPTION` for a bad target or option; `NatsError` `PEER_MISSING` when
 *   `@nats-io/transport-node` is not installed, `CONNECT_FAILED` when no server answers
 * @example
 * ```ts
 * import { createOrchestrator } from "@acme/agent-orchestrator";
 * import { createNatsBus, createNatsCoordinator } from "@acme/agent-orchestrator/nats";
 *
 * const bus = await createNatsBus({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" });
 * const coordinator = await createNatsCoordinator({ connection: bus.natsConnection });
 * const orch = createOrchestrator({ agents: [Report], config, bus, coordinator });
 * await orch.start();
 * // ... later
 * await orch.shutdown();
 * await bus.close();
 * ```
 */
export async function createNatsBus<Topics extends TopicMap = TopicMap>(target: NatsTarget, options: NatsBusOptions = {}): Promise<NatsBus<Topics>> {
  const invalid = (message: string): BusError => new BusError("INVALID_OPTION", message);
  // options are checked before connecting, so a bad option never leaves a connection open
  resolveNatsBusOptions(options);
  await requireNatsPeers("createNatsBus", BUS_PEERS);
  // the bus and its connection import the client: loaded only now that it is known to be there
  const [{ NatsBus }, { openConnection }] = await Promise.all([import("./NatsBus.js"), import("./NatsTarget.js")]);
  const { connection, owned } = await openConnection(target, "createNatsBus", invalid);
  return new NatsBus<Topics>(connection, owned, options);
}
