// `@acme/agent-orchestrator/nats`: the Bus over NATS and the cluster-wide
// trigger coordinator over JetStream KV. This file only re-exports.

export { createNatsBus } from "./createNatsBus.js";
export { NatsBus } from "./NatsBus.js";
export type { NatsBusStats, NatsBusSubscription } from "./NatsBus.js";
export { DEFAULT_NO_REPLY_GRACE_MS } from "./NatsBusOptions.js";
export type { NatsBusOptions, NatsWireFormat } from "./NatsBusOptions.js";
export { jsonCodec } from "./PayloadCodec.js";
export type { PayloadCodec } from "./PayloadCodec.js";
export { WIRE_HEADERS } from "./wireHeaders.js";
export { ENVELOPE } from "./envelope.js";
export { createNatsCoordinator } from "./createNatsCoordinator.js";
export { NatsCoordinator } from "./NatsCoordinator.js";
export type { NatsCoordinatorStats, SlotClaim } from "./NatsCoordinator.js";
export { DEFAULT_SLOT_BUCKET } from "./NatsCoordinatorOptions.js";
export type { NatsCoordinatorOptions } from "./NatsCoordinatorOptions.js";
export { decodeSlotKey, encodeSlotKey } from "./slotKey.js";
export { NatsError } from "./NatsError.js";
export type { NatsErrorCode } from "./NatsError.js";
export type { NatsConnectionTarget, NatsServersTarget, NatsTarget } from "./NatsTarget.js";
