import type { TickMessage } from "../schedule/ScheduleSpec.js";

/**
 * Decides which of several orchestrator instances handles a trigger slot, so
 * that a slot fires once across a cluster. `createNatsCoordinator()` (from
 * `@acme/agent-orchestrator/nats`) is one; without a coordinator every slot
 * fires on the local instance.
 */
export interface TriggerCoordinator {
  /**
   * Claim the slot identified by `tick.key` (the message about to be
   * published on `cron.<agent>`). Resolves `true` for exactly one
   * claimant across the cluster, `false` for every other.
   */
  claim(tick: TickMessage): Promise<boolean>;
  /** Release resources (called by the orchestrator at shutdown). */
  close?(): Promise<void>;
}
