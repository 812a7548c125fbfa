import type { AgentState } from "../supervisor/AgentStatus.js";
import type { LeaseView } from "./LeaseStore.js";

/**
 * What an {@link AgentSupervisor} of a singleton agent asks of the lease
 * keeper (`SupervisorHost.placement`): may it launch here (this replica holds
 * the lease), what does its incarnation see of the lease, and it tells the
 * keeper of every state change (a disabled or stopped singleton gives its
 * lease up; one in `standby` wants it).
 */
export interface PlacementGate {
  /** True while this replica holds the lease of `agent` and is not giving it up. */
  holds(agent: string): boolean;
  /** The lease of `agent` as its incarnation sees it (`Agent.lease`): live, its `expiresAt` moving on with each renewal. */
  lease(agent: string): LeaseView | undefined;
  /** `agent` (a singleton) moved to `state`. */
  stateChanged(agent: string, state: AgentState): void;
}

/** What the lease keeper drives: the supervisor of one singleton agent. */
export interface PlacedAgent {
  readonly name: string;
  /** Its group's name, for events. */
  readonly groupName: string;
  readonly state: AgentState;
  /**
   * True while it waits for the lease in `standby` and could start at once
   * with it: every agent it depends on is running (or a singleton in
   * standby). A singleton that could not start does not take the lease from
   * a replica where it could.
   */
  readonly wantsLease: boolean;
  /** The lease was just acquired: launch unless the agent's first start is still pending. */
  leaseAcquired(): void;
  /** The lease is lost or being given up: stop the incarnation within `deadline` ms and end in `standby`. */
  leaseEnded(deadline: number): Promise<void>;
}
