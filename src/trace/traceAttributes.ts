/**
 * Names of the span attributes the library sets: the OpenTelemetry semantic
 * conventions for messaging where they apply, and the library's own under
 * `ao.` (docs/tracing.md has the table).
 */
export const ATTR = Object.freeze({
  /** The messaging system: `agent-orchestrator` in process, `nats` over NATS (the older name, which backends read today). */
  messagingSystem: "messaging.system",
  /** The messaging system, under its current semantic-conventions name. */
  messagingSystemName: "messaging.system.name",
  /** The topic a message was published on. */
  destination: "messaging.destination.name",
  /** A handler's subscription pattern. */
  subscription: "messaging.destination.subscription.name",
  /** A handler's queue group, when it joined one. */
  consumerGroup: "messaging.consumer.group.name",
  /** `send` for a publish or a request, `process` for a handler call. */
  operationType: "messaging.operation.type",
  /** `publish`, `request` or `process`. */
  operationName: "messaging.operation.name",
  /** The message's id (`Message.id`). */
  messageId: "messaging.message.id",
  /** The class or code of a failure (`BusError`'s code, else the error's name). */
  errorType: "error.type",
  /** The agent: the publisher of a message, the owner of a handler, the agent of a run or an event. */
  agent: "ao.agent",
  /** A trigger's name. */
  trigger: "ao.trigger",
  /** A run's slot (`tick.scheduledAt`), as an ISO 8601 string. */
  slot: "ao.trigger.slot",
  /** A run's key (`<agent>:<trigger>:<slot ISO>`). */
  key: "ao.trigger.key",
  /** Whether a run is a catch-up or backfill slot (`tick.catchup`). */
  catchup: "ao.trigger.catchup",
  /** A run's attempt (`tick.attempt`). */
  attempt: "ao.trigger.attempt",
  /** How a run ended: `ok`, `error`, `hung`, `aborted`. */
  outcome: "ao.outcome",
  /** Why an agent crashed, was disabled or escalated; why a restart was made. */
  reason: "ao.reason",
  /** Crashes of the agent so far. */
  crashes: "ao.crashes",
  /** A scheduled restart's delay, in ms. */
  delayMs: "ao.restart.delay_ms",
  /** A restart's attempt number. */
  restartAttempt: "ao.restart.attempt",
  /** Whether an escalation disabled the agent. */
  disabled: "ao.escalation.disabled",
  /** The group: an agent event's agent's own group; a group event's group (the one that failed or escalated). */
  group: "ao.group",
  /** The group whose strategy or restart restarted an agent (an `agent restart` span with reason `group`). */
  byGroup: "ao.restart.by_group",
  /** A failed group's path: group names from the top-level group down to it. */
  groupPath: "ao.group.path",
  /** What followed a group's failure: `restart`, `parent`, `disabled`, `fail-stop`. */
  groupAction: "ao.group.action",
});
