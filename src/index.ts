// The public API of @acme/agent-orchestrator. This file only re-exports.

// Orchestrator
export { createOrchestrator, ESCALATION_TOPIC } from "./orchestrator/createOrchestrator.js";
export type { ClosedInfo, Orchestrator, OrchestratorOptions, ScheduleHandle } from "./orchestrator/Orchestrator.js";
export type { AgentRegistration } from "./orchestrator/registry.js";
export type { TriggerCoordinator } from "./orchestrator/TriggerCoordinator.js";

// Agents
export { Agent, AGENT_BRAND, isAgentClass } from "./agent/Agent.js";
export type { AgentClass, RetryOptions } from "./agent/Agent.js";
export type { AgentContext } from "./agent/AgentContext.js";

// Supervision
export { backoffDelay } from "./supervisor/backoff.js";
export type { BackoffSettings } from "./supervisor/backoff.js";
export type { AgentState, AgentStatus } from "./supervisor/AgentStatus.js";
export type { CrashRecord, Escalation } from "./supervisor/Escalation.js";
export type { OrchestratorEventName, OrchestratorEvents } from "./supervisor/events.js";
export type { CrashReason, EscalationReason, SkipReason } from "./stats/AgentCounters.js";

// Configuration
export { loadConfig } from "./config/loadConfig.js";
export { resolveConfig } from "./config/resolveConfig.js";
export type { AgentRegistrationInfo, ResolveContext } from "./config/resolveConfig.js";
export { DEFAULTS } from "./config/defaults.js";
export { isValidAgentName } from "./config/agentName.js";
export type {
  AgentEntryConfig,
  GroupConfig,
  OrchestratorConfig,
  RestartPolicy,
  SupervisorConfig,
} from "./config/OrchestratorConfig.js";
export type { ResolvedAgentEntry, ResolvedConfig, ResolvedGroup, ResolvedRestartPolicy } from "./config/ResolvedConfig.js";

// Scheduling
export type {
  AtTriggerSpec,
  CronTick,
  CronTriggerSpec,
  DelayTriggerSpec,
  EveryTriggerSpec,
  MisfirePolicy,
  OverlapPolicy,
  ResolvedTrigger,
  ResolvedTriggerBase,
  ScheduleSpec,
  TickMessage,
  TriggerOptions,
  TriggerSpec,
} from "./schedule/ScheduleSpec.js";

// Bus
export { createBus } from "./bus/createBus.js";
export { DEFAULT_MAX_PENDING, DEFAULT_REQUEST_TIMEOUT_MS, InProcessBus } from "./bus/InProcessBus.js";
export { checkTopicLength, isValidPattern, isValidTopic, MAX_TOPIC_LENGTH, topicMatches, validatePattern, validateTopic } from "./bus/topic.js";
export type { BusSubscription } from "./bus/InProcessBus.js";
export type {
  Bus,
  BusConnection,
  BusOptions,
  BusStats,
  DropReason,
  Message,
  MessageHandler,
  OverflowPolicy,
  PayloadOf,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
  TopicMap,
} from "./bus/Bus.js";

// Health and metrics
export type { AgentHealth, HealthReport } from "./observe/Health.js";
export type { HandlerRequest, HandlerResponse, HttpHandler } from "./observe/HttpReply.js";
export type { ListenOptions, Listening } from "./observe/Listeners.js";
export type { BusConnectionStatus, OrchestratorPhase } from "./observe/ObservedSource.js";

// Time, durations, logging
export { systemClock, MAX_TIMEOUT_MS } from "./clock.js";
export type { Clock } from "./clock.js";
export { formatDuration, toMilliseconds } from "./duration.js";
export type { Duration } from "./duration.js";
export { consoleLogger, silentLogger } from "./logger.js";
export type { Logger } from "./logger.js";

// Errors
export { isOrchestratorError, OrchestratorError } from "./errors/OrchestratorError.js";
export { ConfigError } from "./errors/ConfigError.js";
export type { ConfigErrorDetails } from "./errors/ConfigError.js";
export { BusError } from "./errors/BusError.js";
export type { BusErrorCode } from "./errors/BusError.js";
export { LifecycleError } from "./errors/LifecycleError.js";
export type { LifecycleErrorCode } from "./errors/LifecycleError.js";
export { AgentError } from "./errors/AgentError.js";
export type { AgentErrorCode } from "./errors/AgentError.js";
export { ObservabilityError } from "./observe/ObservabilityError.js";
export type { ObservabilityErrorCode } from "./observe/ObservabilityError.js";
