import type { LeaseGrant, LeaseView } from "./LeaseStore.js";
import type { PlacedAgent } from "./PlacementGate.js";

/**
 * One singleton agent's lease on this replica: held (a grant) or not, what
 * was last seen of it in the store, and its counters. The keeper
 * (`SingletonLeases`) drives it; {@link SingletonLease.view} is the live object
 * an incarnation reads as `Agent.lease`.
 */
export class SingletonLease {
  readonly agent: PlacedAgent;
  /** This replica's name (set when the store opens). */
  instance = "";
  readonly #ttl: number;
  /** The grant while this replica holds the lease. */
  grant: LeaseGrant | undefined;
  /** When the last write the store confirmed was sent (ms): the lease cannot expire before this + ttl. */
  confirmedSentAt = 0;
  /** When the current grant was acquired (ms). */
  acquiredAt = 0;
  /** The agent is stopping so the lease can be given up: held, renewed, but no launch. */
  releasing = false;
  /** An acquisition, renewal or read is in flight: one at a time. */
  busy = false;
  /** The lease as last read from the store while another replica held it (or nobody: undefined). */
  seen: LeaseView | undefined;
  /** Since when the store has said nobody holds it (ms), while this replica waits its turn. */
  freeSince: number | undefined;
  /** When this replica last gave it up to rebalance (ms), to avoid taking it back and forth. */
  shedAt = Number.NEGATIVE_INFINITY;
  /** No rebalancing of this lease before this instant (ms): it came back after a rebalance found nobody to take it. */
  keepUntil = 0;
  /** The stop of the agent whose lease was last lost: what a late answer for that lease waits for. */
  stopping: Promise<void> = Promise.resolve();
  /** A renewal failed and was logged: the next failures are not, until one succeeds. */
  renewFailureLogged = false;
  acquisitions = 0;
  losses = 0;
  /** The live view handed to incarnations (made at acquisition). */
  #view: LeaseView | undefined;
  /** Freezes the current view's `expiresAt` when its grant ends (a later grant must not move it on). */
  #freezeView: (() => void) | undefined;

  constructor(agent: PlacedAgent, ttl: number) {
    this.agent = agent;
    this.#ttl = ttl;
  }

  /** True while held and not being given up: the agent may launch here. */
  get holds(): boolean {
    return this.grant !== undefined && !this.releasing;
  }

  /** When the lease runs out unless renewed, as far as this replica can be sure (ms). */
  get expiresAt(): number {
    return this.confirmedSentAt + this.#ttl;
  }

  /** Take `grant`, whose write was sent at `sentAt`. */
  acquired(grant: LeaseGrant, sentAt: number): void {
    this.grant = grant;
    this.confirmedSentAt = sentAt;
    this.acquiredAt = sentAt;
    this.releasing = false;
    this.seen = undefined;
    this.freeSince = undefined;
    this.renewFailureLogged = false;
    this.acquisitions++;
    // one live object per grant: its expiresAt reads the latest renewal
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the view reads this lease's renewals
    const lease = this;
    const holder = this.instance;
    const { token } = grant;
    let frozen: number | undefined;
    this.#freezeView = () => (frozen ??= lease.expiresAt);
    this.#view = Object.freeze({
      holder,
      token,
      get expiresAt() {
        return frozen ?? lease.expiresAt;
      },
    });
  }

  /** A renewal sent at `sentAt` was confirmed with `grant`. */
  renewed(grant: LeaseGrant, sentAt: number): void {
    this.grant = grant;
    this.confirmedSentAt = sentAt;
    this.renewFailureLogged = false;
  }

  /** No longer held (lost or given up): returns the grant it had. */
  ended(): LeaseGrant | undefined {
    const grant = this.grant;
    this.#freezeView?.();
    this.#freezeView = undefined;
    this.grant = undefined;
    this.releasing = false;
    this.#view = undefined;
    return grant;
  }

  /** What `Agent.lease` shows: the live view while held here. */
  get live(): LeaseView | undefined {
    return this.grant === undefined ? undefined : this.#view;
  }

  /** What `AgentStatus.lease` shows: a snapshot, this replica's while held, else the one last read. */
  snapshot(): LeaseView | undefined {
    const grant = this.grant;
    if (grant !== undefined) return { holder: this.instance, token: grant.token, expiresAt: this.expiresAt };
    // read while waiting for it; once it stopped waiting here (disabled, stopped) the reading goes stale
    return this.agent.state === "standby" ? this.seen : undefined;
  }
}
