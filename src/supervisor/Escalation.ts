import type { EscalationReason } from "../stats/AgentCounters.js";

/** One entry of an agent's recent crash history. */
export interface CrashRecord {
  /** When it crashed, ms since the epoch. */
  readonly at: number;
  /** The error's message. */
  readonly error: string;
}

/**
 * What the chief agent's `onEscalation()` receives, and what is published on
 * `orchestrator.escalation`.
 */
export interface Escalation {
  /** The agent escalated about. */
  readonly agent: string;
  /** `restart-limit` (its `max` was used up), `crash-loop` (too many crashes in the window) or `consecutive-failures`. */
  readonly reason: EscalationReason;
  /** Whether the agent was disabled by this event. */
  readonly disabled: boolean;
  /** Its recent crashes, oldest first (at most 10). */
  readonly crashes: readonly CrashRecord[];
}
