import type { LeaseStore } from "../lease/LeaseStore.js";
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
  /**
   * Open the store of the leases of singleton agents (`placement: singleton`),
   * whose keys live `ttl` ms after their last write. A coordinator without it
   * cannot place singletons: `createOrchestrator()` refuses them. The NATS
   * coordinator opens the JetStream key-value bucket `ao-leases` (docs/cluster.md).
   */
  openLeases?(options: { readonly ttl: number }): Promise<LeaseStore>;
  /** Release resources (called by the orchestrator at shutdown). */
  close?(): Promise<void>;
}
