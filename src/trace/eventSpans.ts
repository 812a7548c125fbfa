import { ROOT_CONTEXT, SpanKind, type Attributes } from "@opentelemetry/api";
import type { OrchestratorEventName, OrchestratorEvents } from "../supervisor/events.js";
import { recordFailure } from "./recordFailure.js";
import { ATTR } from "./traceAttributes.js";
import { libraryTracer } from "./tracer.js";

/** The supervisor's events that become spans while a tracer provider is registered (`agent:state` for a fail-stop only). */
const TRACED: ReadonlySet<OrchestratorEventName> = new Set<OrchestratorEventName>(["agent:crash", "agent:restart", "agent:disabled", "escalation", "group:failed", "agent:state"]);

/** Whether `event` may become a span (see {@link traceEvent}): while tracing, it counts as listened to. */
export function isTracedEvent(event: OrchestratorEventName): boolean {
  return TRACED.has(event);
}

/**
 * Record a supervisor event as a short `INTERNAL` span of its own trace
 * (started and ended at once): `agent crash` (the error recorded),
 * `agent restart`, `agent disabled`, `agent escalation`, `group failed`, and
 * `orchestrator fail-stop` for an agent entering state `failed`. Other events are left
 * alone. Never throws: a failure here must not reach the supervisor.
 */
export function traceEvent<E extends OrchestratorEventName>(event: E, payload: OrchestratorEvents[E]): void {
  try {
    const made = spanOf(event, payload);
    if (made === undefined) return;
    const span = libraryTracer().startSpan(made.name, { kind: SpanKind.INTERNAL, attributes: made.attributes }, ROOT_CONTEXT);
    if (made.error !== undefined) recordFailure(span, made.error.value);
    span.end();
  } catch {
    // the provider's span failed: the event goes to its listeners all the same
  }
}

interface EventSpan {
  readonly name: string;
  readonly attributes: Attributes;
  /** The crash's thrown value, when there is one to record. */
  readonly error?: { readonly value: unknown };
}

function spanOf(event: OrchestratorEventName, payload: OrchestratorEvents[OrchestratorEventName]): EventSpan | undefined {
  switch (event) {
    case "agent:crash": {
      const crash = payload as OrchestratorEvents["agent:crash"];
      return { name: "agent crash", attributes: { [ATTR.agent]: crash.agent, [ATTR.group]: crash.group, [ATTR.reason]: crash.reason, [ATTR.crashes]: crash.crashes }, error: { value: crash.error } };
    }
    case "agent:restart": {
      const restart = payload as OrchestratorEvents["agent:restart"];
      const attributes: Attributes = { [ATTR.agent]: restart.agent, [ATTR.group]: restart.group, [ATTR.reason]: restart.reason, [ATTR.delayMs]: restart.delay, [ATTR.restartAttempt]: restart.attempt };
      if (restart.byGroup !== undefined) attributes[ATTR.byGroup] = restart.byGroup;
      return { name: "agent restart", attributes };
    }
    case "agent:disabled": {
      const disabled = payload as OrchestratorEvents["agent:disabled"];
      return { name: "agent disabled", attributes: { [ATTR.agent]: disabled.agent, [ATTR.group]: disabled.group, [ATTR.reason]: disabled.reason } };
    }
    case "escalation": {
      const escalation = payload as OrchestratorEvents["escalation"];
      const attributes: Attributes = { [ATTR.agent]: escalation.agent, [ATTR.reason]: escalation.reason, [ATTR.disabled]: escalation.disabled, [ATTR.crashes]: escalation.crashes.length };
      if (escalation.group !== undefined) attributes[ATTR.group] = escalation.group;
      return { name: "agent escalation", attributes };
    }
    case "group:failed": {
      const failed = payload as OrchestratorEvents["group:failed"];
      return { name: "group failed", attributes: { [ATTR.group]: failed.group, [ATTR.groupPath]: [...failed.path], [ATTR.agent]: failed.agent, [ATTR.groupAction]: failed.action } };
    }
    case "agent:state": {
      const state = payload as OrchestratorEvents["agent:state"];
      return state.state === "failed" ? { name: "orchestrator fail-stop", attributes: { [ATTR.agent]: state.agent, [ATTR.group]: state.group } } : undefined;
    }
    default:
      return undefined;
  }
}
