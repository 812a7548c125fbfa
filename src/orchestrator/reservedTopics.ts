/**
 * The topics the orchestrator itself publishes on. Agents and hosts may
 * subscribe to them; publishing on them is the orchestrator's.
 */

/** Topic escalations are published on (beside the `escalation` event and the chief's `onEscalation`). */
export const ESCALATION_TOPIC = "orchestrator.escalation";

/** Prefix of the trigger topics: an agent's ticks travel on `cron.<agent>`. */
export const CRON_TOPIC_PREFIX = "cron.";

/** The topic the ticks of `agent` are published on, and its trigger subscription listens to. */
export function cronTopic(agent: string): string {
  return `${CRON_TOPIC_PREFIX}${agent}`;
}

/** Where an orchestrator publishes a message: its `source`. */
export const ORCHESTRATOR_SOURCE = "orchestrator";
