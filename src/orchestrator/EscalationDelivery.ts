import type { Bus } from "../bus/Bus.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { Logger } from "../logger.js";
import type { AgentSupervisor } from "../supervisor/AgentSupervisor.js";
import type { Escalation } from "../supervisor/Escalation.js";
import type { EventHub } from "./EventHub.js";
import { ESCALATION_TOPIC, ORCHESTRATOR_SOURCE } from "./reservedTopics.js";

/** What escalation delivery needs from the orchestrator. */
export interface EscalationParts {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly events: EventHub;
  /** The chief's supervisor (`chief:` in the config), if there is a chief. */
  chief(): AgentSupervisor | undefined;
}

/**
 * Deliver an escalation everywhere it goes: the log (`warn`), the `escalation`
 * event, the {@link ESCALATION_TOPIC} topic, and the chief's `onEscalation`
 * while the chief runs. A chief whose `onEscalation` throws or rejects crashes
 * like any failing handler.
 */
export function deliverEscalation(parts: EscalationParts, event: Escalation): void {
  const { bus, logger } = parts;
  logger.warn({ agent: event.agent, reason: event.reason, disabled: event.disabled }, `escalation: agent "${event.agent}" ${event.reason}${event.disabled ? " (disabled)" : ""}`);
  parts.events.emit("escalation", event);
  bus.publish(ESCALATION_TOPIC, event, { source: ORCHESTRATOR_SOURCE }).catch((error: unknown) => {
    logger.warn({ err: error }, `escalation could not be published: ${describeThrown(error)}`);
  });
  tellChief(parts.chief(), event);
}

function tellChief(chief: AgentSupervisor | undefined, event: Escalation): void {
  const incarnation = chief?.incarnation;
  const instance = chief?.instance;
  if (chief === undefined || incarnation === undefined || instance === undefined || chief.state !== "running") return;
  const crash = (error: unknown): void => {
    chief.counters.handlerErrors++;
    chief.crashCurrent(incarnation, "error", error);
  };
  try {
    const result = instance.onEscalation(event);
    if (result instanceof Promise) result.catch(crash);
  } catch (error) {
    crash(error);
  }
}
