/**
 * A lease as every replica sees it in the lease store: who holds it, the
 * fencing token of its acquisition and when it runs out unless renewed.
 * `AgentStatus.lease` and `Agent.lease` have this shape.
 */
export interface LeaseView {
  /** The holding replica's name (its coordinator's `instance`, `<hostname>#<pid>` by default). */
  readonly holder: string;
  /**
   * The fencing token: the store's revision of the acquisition. Every later
   * acquisition of the same agent's lease has a larger one, so a consumer that
   * remembers the largest token it has seen can drop what a stale holder sends.
   */
  readonly token: number;
  /** When the lease runs out unless renewed (ms since the epoch). */
  readonly expiresAt: number;
}

/** What a successful acquisition or renewal gives the holder. */
export interface LeaseGrant {
  /** The fencing token (the revision of the acquisition; unchanged by renewals). */
  readonly token: number;
  /** The revision of the key now: the next renewal or release must name it (compare-and-set). */
  readonly revision: number;
}

/**
 * Where the leases of singleton agents live: one key per agent, written with
 * compare-and-set, that disappears `ttl` ms after its last write unless
 * renewed; plus one key per live replica, for the balance rule. A coordinator
 * that can hold leases opens one (`TriggerCoordinator.openLeases`); the NATS
 * coordinator keeps them in a JetStream key-value bucket (`ao-leases`).
 *
 * Errors: a method rejects when the store cannot answer (unreachable, timed
 * out, closed); an answer that the lease is someone else's is not an error
 * (`undefined` / `false`).
 */
export interface LeaseStore {
  /** This replica's name, written as the holder of the leases it acquires. */
  readonly instance: string;
  /** How long a lease lasts after its last write (ms): the store's max age. */
  readonly ttl: number;
  /**
   * Take the lease of `agent` when nobody holds it (its key is absent,
   * expired or released). `undefined` when another replica holds it.
   */
  acquire(agent: string): Promise<LeaseGrant | undefined>;
  /**
   * Renew the lease of `agent` held with `grant`: succeeds only when the key
   * is still at `grant.revision` (nobody wrote it since). `undefined` when the
   * lease is no longer this holder's (it expired and someone took it, or it was released).
   */
  renew(agent: string, grant: LeaseGrant): Promise<LeaseGrant | undefined>;
  /** Give the lease up, only when the key is still at `grant.revision` (else it is someone else's already: nothing happens). */
  release(agent: string, grant: LeaseGrant): Promise<void>;
  /** The lease of `agent` as the store holds it now; `undefined` when nobody holds it. */
  read(agent: string): Promise<LeaseView | undefined>;
  /**
   * Announce this replica as live (its own key, renewed like a lease) and
   * count the live replicas, this one included.
   */
  announce(): Promise<number>;
  /**
   * Withdraw this replica's announcement now (it is shutting down), so the
   * others count one replica less when they next count; leases stay as they
   * are. Never rejects.
   */
  withdraw(): Promise<void>;
  /** Withdraw this replica's announcement and release what the store opened. Leases still held expire on their own. */
  close(): Promise<void>;
}
