// The public API of @acme/agent-orchestrator. This file only re-exports, and
// the list is deliberate: test/exports.test.ts holds it, docs/api.md explains it.

// Orchestrator
export { createOrchestrator } from "./orchestrator/createOrchestrator.js";
export { ESCALATION_TOPIC } from "./orchestrator/reservedTopics.js";
export type { ClosedInfo, Orchestrator, ScheduleHandle } from "./orchestrator/Orchestrator.js";
export type { BackfillInstant, BackfillOptions, BackfillResult } from "./orchestrator/Backfill.js";
export type { TriggerControl } from "./orchestrator/TriggerControl.js";
export type { GroupControl } from "./orchestrator/GroupControl.js";
export type { TriggerView } from "./status/StatusSource.js";
export type { ShutdownOptions, StartOptions } from "./orchestrator/lifecycleOptions.js";
export type { OrchestratorMetricsOptions, OrchestratorOptions } from "./orchestrator/OrchestratorOptions.js";
export type { OrchestratorPhase } from "./orchestrator/OrchestratorPhase.js";
export type { AgentRegistration, CheckedAgentClass, CheckedRegistration, CheckedRegistrations, ClassRegistration, ConfigSchemaMismatch, ModuleRegistration, RegisteredAgents } from "./orchestrator/registry.js";
export type { Isolation, Placement } from "./config/ResolvedConfig.js";
export type { TriggerCoordinator } from "./orchestrator/TriggerCoordinator.js";
export type { LeaseGrant, LeaseStore, LeaseView } from "./lease/LeaseStore.js";
export { LEASE_TOKEN_HEADER } from "./lease/leaseTokenHeader.js";

// Agents
export { Agent } from "./agent/Agent.js";
export type { AgentClass, RetryOptions } from "./agent/Agent.js";
export type { AgentBusView } from "./agent/AgentBusView.js";
export type { AgentContext } from "./agent/AgentContext.js";
export type {
  InferInput,
  InferOutput,
  StandardSchemaV1,
  StandardSchemaV1FailureResult,
  StandardSchemaV1Issue,
  StandardSchemaV1PathSegment,
  StandardSchemaV1Props,
  StandardSchemaV1Result,
  StandardSchemaV1SuccessResult,
  StandardSchemaV1Types,
} from "./agent/StandardSchema.js";

// Supervision
export { exponentialBackoff } from "./supervisor/backoff.js";
export type { BackoffSettings, BackoffStrategy } from "./supervisor/backoff.js";
export type { AgentState, AgentStatus } from "./supervisor/AgentStatus.js";
export type { CrashRecord, Escalation } from "./supervisor/Escalation.js";
export type { OrchestratorEventName, OrchestratorEvents } from "./supervisor/events.js";
export type { CrashReason, EscalationReason, SkipReason } from "./stats/AgentCounters.js";

// Configuration
export { loadConfig } from "./config/loadConfig.js";
export type { AgentEntryConfig, GroupConfig, OrchestratorConfig, RestartPolicy, SupervisorConfig } from "./config/OrchestratorConfig.js";

// Scheduling
export type {
  AtTriggerSpec,
  CatchupRuns,
  CatchupSpec,
  CronTick,
  CronTriggerSpec,
  DelayTriggerSpec,
  DeliveryPolicy,
  EveryTriggerSpec,
  MisfirePolicy,
  OverlapPolicy,
  ScheduleSpec,
  TickMessage,
  TriggerOptions,
  TriggerSpec,
} from "./schedule/ScheduleSpec.js";

// Trigger state (and what a store written outside this package needs to pass storeContract)
export { MemoryTriggerStore } from "./state/MemoryTriggerStore.js";
export { FileTriggerStore } from "./state/FileTriggerStore.js";
export type { FileTriggerStoreOptions } from "./state/FileTriggerStore.js";
export { applyChange } from "./state/applyChange.js";
export { MAX_RAN_RANGES, recordKey, RUN_OUTCOMES } from "./state/TriggerStore.js";
export type { FinishedRun, RunningSlot, RunOutcome, StoreProblem, StoreSnapshot, TriggerChange, TriggerRecord, TriggerStore } from "./state/TriggerStore.js";

// Bus (and what a Bus written outside this package needs to pass busContract)
export { createBus } from "./bus/createBus.js";
export { checkTopicLength, MAX_TOPIC_LENGTH, topicMatches, validatePattern, validateTopic } from "./bus/topic.js";
export type {
  Bus,
  BusConnection,
  BusOptions,
  BusStats,
  DisposableSubscription,
  DropReason,
  Message,
  MessageHandler,
  OverflowPolicy,
  PayloadOf,
  PublishOptions,
  QueueDepth,
  RequestOptions,
  SubscribeOptions,
  Subscription,
  TopicMap,
} from "./bus/Bus.js";
export type { BusSubscription } from "./bus/delivery/BusSubscription.js";
export type { InProcessBus } from "./bus/InProcessBus.js";

// Health and metrics
export type { AgentHealth, HealthReport } from "./observe/Health.js";
export type { HandlerRequest, HandlerResponse, HttpHandler } from "./observe/HttpReply.js";
export type { ListenOptions, Listening } from "./observe/Listeners.js";
export { fastifyProbes } from "./observe/fastifyProbes.js";
export type { FastifyProbeInstance, FastifyProbeReply, FastifyProbeRequest, FastifyProbesPlugin } from "./observe/fastifyProbes.js";
export { koaProbes } from "./observe/koaProbes.js";
export type { KoaProbeContext, KoaProbesMiddleware } from "./observe/koaProbes.js";
export type { ProbePath, ProbeRouteOptions, ProbeSource } from "./observe/probePaths.js";
export type { BusConnectionStatus } from "./observe/ObservedSource.js";
export type { MetricsRegistry } from "./observe/ScrapeMetric.js";

// Status page
export type { StatusAuthorize, StatusOptions } from "./status/StatusOptions.js";
export type { StatusHandler, StatusRequest } from "./status/StatusRequest.js";
export type { StatusAgentDocument, StatusBusDocument, StatusDocument, StatusTriggerDocument } from "./status/StatusDocument.js";
export type { BusRateValues } from "./status/BusRates.js";

// Time, durations, logging
export type { Clock } from "./clock.js";
export { formatDuration, toMilliseconds } from "./duration.js";
export type { Duration } from "./duration.js";
export type { Logger } from "./logger.js";

// Errors
export { isOrchestratorError, OrchestratorError } from "./errors/OrchestratorError.js";
export { ConfigError } from "./errors/ConfigError.js";
export type { ConfigErrorCode, ConfigErrorDetails } from "./errors/ConfigError.js";
export { BusError } from "./errors/BusError.js";
export type { BusErrorCode } from "./errors/BusError.js";
export { LifecycleError } from "./errors/LifecycleError.js";
export type { LifecycleErrorCode } from "./errors/LifecycleError.js";
export { AgentError } from "./errors/AgentError.js";
export { StoreError } from "./errors/StoreError.js";
export type { StoreErrorCode } from "./errors/StoreError.js";
export type { AgentErrorCode } from "./errors/AgentError.js";
export { ObservabilityError } from "./observe/ObservabilityError.js";
export type { ObservabilityErrorCode } from "./observe/ObservabilityError.js";
