// `@acme/agent-orchestrator/nats`: the Bus over NATS and the cluster-wide
// trigger coordinator and trigger store over JetStream KV. This file only re-exports, a
// deliberate list (test/exports.test.ts, docs/api.md): the factories, their
// options and the types of what they return.

export { createNatsBus } from "./createNatsBus.js";
export type { NatsBus } from "./NatsBus.js";
export type { NatsBusStats } from "./NatsBusStats.js";
export type { NatsBusSubscription } from "./NatsBusSubscription.js";
export type { NatsBusOptions, NatsWireFormat } from "./NatsBusOptions.js";
export { jsonCodec } from "../wire/PayloadCodec.js";
export type { PayloadCodec } from "../wire/PayloadCodec.js";
export { createNatsCoordinator } from "./createNatsCoordinator.js";
export type { NatsCoordinator, NatsCoordinatorStats, SlotClaim } from "./NatsCoordinator.js";
export type { NatsCoordinatorOptions } from "./NatsCoordinatorOptions.js";
export type { NatsLeaseStore } from "./NatsLeaseStore.js";
export { createNatsTriggerStore } from "./createNatsTriggerStore.js";
export type { NatsTriggerStore } from "./NatsTriggerStore.js";
export type { NatsTriggerStoreOptions } from "./NatsTriggerStoreOptions.js";
export { NatsError } from "./NatsError.js";
export type { NatsErrorCode } from "./NatsError.js";
export type { NatsConnectionTarget, NatsServersTarget, NatsTarget } from "./NatsTarget.js";
