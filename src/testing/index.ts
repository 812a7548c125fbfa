// The testing kit, `@acme/agent-orchestrator/testing`. This file only re-exports,
// a deliberate list (test/exports.test.ts, docs/api.md).

export { ManualClock } from "./ManualClock.js";
export type { ManualClockOptions } from "./ManualClock.js";
export { ManualClockError } from "./ManualClockError.js";
export type { ManualClockErrorCode, ManualClockTimerInfo } from "./ManualClockError.js";
export { FakeBus } from "./FakeBus.js";
export type { FakeBusOptions } from "./FakeBus.js";
export { busContract, BUS_CONTRACT_CASES } from "./busContract.js";
export type { BusContractCase, BusContractContext, BusContractOptions } from "./busContract.js";
export { storeContract, STORE_CONTRACT_CASES } from "./storeContract.js";
export type { StoreContractCase, StoreContractContext, StoreContractOptions, StorePersistence } from "./storeContract.js";
export { MemoryLeases } from "../lease/MemoryLeases.js";
export type { MemoryCoordinator } from "../lease/MemoryLeases.js";
export { testAgent } from "./testAgent.js";
export type { AgentHarness, ConfigInputOf, ConfigOf, TestAgentOptions, TestLogEntry, TopicsOf } from "./testAgent.js";
