import type { AgentCounters } from "../stats/AgentCounters.js";
import type { ResolvedTrigger } from "./ScheduleSpec.js";

/**
 * Where the ticks of one agent go, as the scheduler reaches it without a
 * lookup per tick: resolved once per trigger (see
 * {@link SchedulerOptions.target}) and kept on it, so a slot costs no search
 * by agent name. The owner keeps it current (the agent's running incarnation
 * may change under it); the scheduler only reads it.
 */
export interface TriggerTarget {
  /** The agent's counters: fired and skipped slots are counted here. */
  readonly counters: AgentCounters;
  /** Whether the agent can take a tick now (a slot of an inactive agent is skipped, `agent-down`). */
  isActive(): boolean;
  /**
   * Deliver the tick of `trigger` for the slot `scheduledAt`, fired at
   * `firedAt`, with its `key`; the {@link TickMessage} is built only where it
   * is needed (a publish). Errors it throws are logged.
   */
  deliver(trigger: ResolvedTrigger, scheduledAt: number, firedAt: number, key: string): void;
}
