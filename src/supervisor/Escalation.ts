import type { EscalationReason } from "../stats/AgentCounters.js";

/** One entry of an agent's recent crash history. */
export interface CrashRecord {
  /** When it crashed, ms since the epoch. */
  readonly at: number;
  /** The error's message. */
  readonly error: string;
  /** The agent that crashed, in a group's history (absent in an agent's own). */
  readonly agent?: string;
}

/**
 * What the chief agent's `onEscalation()` receives, and what is published on
 * `orchestrator.escalation`.
 */
export interface Escalation {
  /** The agent escalated about (for `group-intensity`: the agent whose crash tipped the group over). */
  readonly agent: string;
  /**
   * `restart-limit` (its `max` was used up), `crash-loop` (too many crashes in
   * the window), `consecutive-failures`, or `group-intensity` (its group went
   * over its restart intensity at the top of the tree: every agent of the group disabled).
   */
  readonly reason: EscalationReason;
  /** The group that failed, for `group-intensity`; absent otherwise. */
  readonly group?: string;
  /** Whether the agent was disabled by this event (for `group-intensity`: every agent of `group`). */
  readonly disabled: boolean;
  /**
   * The replica that raised it: its coordinator's `instance` (`<hostname>#<pid>` by default), when the
   * orchestrator places singleton agents (its lease store is open); absent otherwise.
   */
  readonly replica?: string;
  /** Its recent crashes, oldest first (at most 10); for `group-intensity` the group's, each naming its agent. */
  readonly crashes: readonly CrashRecord[];
}
