import type { Clock } from "../clock.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { Logger } from "../logger.js";
import type { ObservedLease } from "../observe/ObservedSource.js";
import type { OrchestratorEvents } from "../supervisor/events.js";
import type { AgentState } from "../supervisor/AgentStatus.js";
import { leaseTiming, type LeaseTiming } from "./leaseTiming.js";
import type { LeaseGrant, LeaseStore, LeaseView } from "./LeaseStore.js";
import type { PlacedAgent, PlacementGate } from "./PlacementGate.js";
import { SingletonLease } from "./SingletonLease.js";

/** What the keeper of an orchestrator's singleton leases needs. */
export interface SingletonLeasesParts {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The lease TTL (ms). */
  readonly ttl: number;
  /** `supervisor.stopTimeout` (ms): a lease given up stops its agent within this, or less when the lease runs out sooner. */
  readonly stopTimeout: number;
  /** True once shutdown (or a fail-stop) has begun: nothing is acquired any more. */
  stopping(): boolean;
  listens(event: keyof OrchestratorEvents): boolean;
  emit<E extends keyof OrchestratorEvents>(event: E, payload: OrchestratorEvents[E]): void;
}


type ReleaseReason = OrchestratorEvents["lease:released"]["reason"];

/**
 * Keeps the leases of this replica's singleton agents (`placement:
 * singleton`), on one clock timer every `pollEvery` ms (`leaseTiming`):
 *
 * - **held**: renewed every `ttl / 3`; no renewal confirmed for `2 ttl / 3`
 *   (from when the last confirmed write was sent) and the lease is given up
 *   as lost: its agent is stopped within what is left of the lease, so it is
 *   down before another replica can take it;
 * - **wanted** (the agent is in `standby`): read every `pollEvery` and taken
 *   when nobody holds it — at once by a replica below its share, after two
 *   polls by one at its share or above (the balance rule);
 * - **given up** when its agent ends `disabled`, `failed` or `stopped`
 *   (shutdown), and to rebalance: a replica holding more than
 *   `ceil(singletons / replicas)` for two TTLs stops one agent and releases
 *   its lease every `ttl / 3`; a lease that comes back to it within three TTLs
 *   (nobody else could take it) is kept until the number of replicas changes.
 *
 * The lease's fencing token is the store's revision of the acquisition.
 */
export class SingletonLeases implements PlacementGate {
  readonly timing: LeaseTiming;
  readonly #parts: SingletonLeasesParts;
  readonly #leases = new Map<string, SingletonLease>();
  #store: LeaseStore | undefined;
  #timer: unknown;
  #replicas = 1;
  #nextAnnounce = 0;
  #announcing = false;
  #overShareSince: number | undefined;
  #nextShed = 0;
  #closed = false;
  /** Shutdown began: no more announcements. */
  #leaving = false;
  /** Acquisitions in flight (sent, not answered): they count towards this replica's share. */
  #taking = 0;
  /** Releases and other writes still in flight: `close()` waits for them. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(parts: SingletonLeasesParts) {
    this.#parts = parts;
    this.timing = leaseTiming(parts.ttl);
  }

  /** This replica's name (its store's `instance`), once the store is open. */
  get instance(): string | undefined {
    return this.#store?.instance;
  }

  /** Keep the lease of `agent`. */
  add(agent: PlacedAgent): void {
    this.#leases.set(agent.name, new SingletonLease(agent, this.#parts.ttl));
  }

  /** Use `store` (opened by the coordinator at `start()`) and begin keeping the leases. */
  begin(store: LeaseStore): void {
    this.#store = store;
    for (const lease of this.#leases.values()) lease.instance = store.instance;
    this.#schedule(0);
  }

  holds(agent: string): boolean {
    return this.#leases.get(agent)?.holds === true;
  }

  lease(agent: string): LeaseView | undefined {
    return this.#leases.get(agent)?.live;
  }

  /** `AgentStatus.lease` of `agent`: a snapshot. */
  snapshot(agent: string): LeaseView | undefined {
    return this.#leases.get(agent)?.snapshot();
  }

  /** Per singleton: held here or not, acquisitions and losses. */
  figures(): ObservedLease[] {
    const out: ObservedLease[] = [];
    for (const [agent, lease] of this.#leases) out.push({ agent, held: lease.grant !== undefined, acquisitions: lease.acquisitions, losses: lease.losses });
    return out;
  }

  stateChanged(agent: string, state: AgentState): void {
    const lease = this.#leases.get(agent);
    if (lease?.grant === undefined || lease.releasing) return;
    // the agent has stopped for good on this replica: another one may run it now
    // ("stopped" is also the state between the stop and the start of an operator's restart: only at shutdown is it for good)
    if (state === "disabled" || state === "failed") this.#release(lease, state);
    else if (state === "stopped" && this.#parts.stopping()) this.#release(lease, "shutdown");
  }

  /**
   * Stop keeping leases: the timer ends, releases in flight are awaited,
   * the store is closed (this replica's announcement withdrawn). Leases still
   * held (their agents did not stop) expire on their own. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    // the agents have stopped: a lease still held (its agent was down already when the shutdown
    // began, so no state change released it) goes now, not at its expiry
    for (const lease of this.#leases.values()) {
      const state = lease.agent.state;
      if (lease.grant !== undefined && !lease.releasing && state !== "running" && state !== "starting" && state !== "stopping") this.#release(lease, "shutdown");
    }
    this.#closed = true;
    if (this.#timer !== undefined) this.#parts.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    await this.#store?.close().catch(() => undefined);
  }

  /**
   * The orchestrator is shutting down: withdraw this replica's announcement
   * at once, so the replicas that take its singletons count one replica less
   * and do not wait their turn. Leases are kept (and renewed) until their
   * agents have stopped.
   */
  leaving(): void {
    this.#leaving = true;
    const store = this.#store;
    if (store !== undefined) this.#track(store.withdraw());
  }

  // ---- the loop -------------------------------------------------------------

  #schedule(delay: number): void {
    if (this.#closed) return;
    this.#timer = this.#parts.clock.setTimeout(() => this.#tick(), delay);
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    const now = this.#parts.clock.now();
    const { renewEvery, giveUpAfter } = this.timing;
    if (now >= this.#nextAnnounce && !this.#announcing && !this.#leaving) this.#announce(now);
    for (const lease of this.#leases.values()) {
      if (lease.grant === undefined) continue;
      if (now >= lease.confirmedSentAt + giveUpAfter) this.#lose(lease, "unreachable");
      else if (!lease.busy && now >= lease.confirmedSentAt + renewEvery) this.#renew(lease, now);
    }
    let held = 0;
    for (const lease of this.#leases.values()) if (lease.holds) held++;
    if (!this.#parts.stopping()) {
      for (const lease of this.#leases.values()) {
        if (lease.grant === undefined && !lease.busy && lease.agent.wantsLease) this.#poll(lease, now);
      }
    }
    this.#rebalance(now, held);
    this.#schedule(this.timing.pollEvery);
  }

  /** Leases held here (not being given up), and acquisitions in flight. */
  #heldOrTaking(): number {
    let count = this.#taking;
    for (const lease of this.#leases.values()) if (lease.holds) count++;
    return count;
  }

  /** A count of the live replicas: when it changed, leases kept after coming back may be given up again. */
  #counted(replicas: number): void {
    const count = Math.max(1, replicas);
    if (count !== this.#replicas) for (const lease of this.#leases.values()) lease.keepUntil = 0;
    this.#replicas = count;
  }

  /** This replica's share: no more leases than this while other replicas are live. */
  #share(): number {
    return Math.ceil(this.#leases.size / Math.max(1, this.#replicas));
  }

  #announce(now: number): void {
    const store = this.#store;
    if (store === undefined) return;
    this.#announcing = true;
    this.#nextAnnounce = now + this.timing.renewEvery;
    this.#track(
      store.announce().then(
        (replicas) => {
          this.#announcing = false;
          this.#counted(replicas);
        },
        () => {
          // the store is unreachable: the renewals say so; the count stays as it was
          this.#announcing = false;
        },
      ),
    );
  }

  #renew(lease: SingletonLease, now: number): void {
    const store = this.#store;
    const grant = lease.grant;
    if (store === undefined || grant === undefined) return;
    lease.busy = true;
    this.#track(
      store.renew(lease.agent.name, grant).then(
        (renewed) => {
          lease.busy = false;
          if (lease.grant !== grant) {
            // given up meanwhile: a late renewal must not keep the key alive for nobody, but the key
            // goes only once the agent given up with it has stopped (else another replica could start it meanwhile)
            if (renewed !== undefined) this.#track(lease.stopping.then(() => this.#releaseInStore(lease.agent.name, renewed)));
            return;
          }
          if (renewed === undefined) this.#lose(lease, "taken");
          else lease.renewed(renewed, now);
        },
        (error: unknown) => {
          lease.busy = false;
          if (lease.grant !== grant || lease.renewFailureLogged) return;
          lease.renewFailureLogged = true;
          const name = lease.agent.name;
          this.#parts.logger.warn({ agent: name, err: error }, `singleton "${name}": cannot renew its lease (retrying until ${new Date(lease.confirmedSentAt + this.timing.giveUpAfter).toISOString()}, then the agent stops): ${describeThrown(error)}`);
        },
      ),
    );
  }

  /** Read the lease of a singleton in standby; take it when nobody holds it and it is this replica's turn. */
  #poll(lease: SingletonLease, now: number): void {
    const store = this.#store;
    if (store === undefined) return;
    const name = lease.agent.name;
    lease.busy = true;
    this.#track(
      store.read(name).then(
        (seen) => {
          if (seen !== undefined) {
            lease.busy = false;
            lease.seen = seen;
            lease.freeSince = undefined;
            return;
          }
          lease.seen = undefined;
          lease.freeSince ??= now;
          // at its share: count the replicas first (one shutting down has withdrawn, and the share grew)
          if (this.#heldOrTaking() >= this.#share()) return this.#recount(store).then(() => this.#decide(store, lease, now));
          return this.#decide(store, lease, now);
        },
        () => {
          // unreachable: try again at the next poll
          lease.busy = false;
        },
      ),
    );
  }

  /** Count the live replicas now (an announcement), for a decision that depends on the share. */
  async #recount(store: LeaseStore): Promise<void> {
    try {
      this.#counted(await store.announce());
    } catch {
      // the count stays as it was
    }
  }

  /** The lease of a singleton in standby is free: take it when it is this replica's turn. */
  #decide(store: LeaseStore, lease: SingletonLease, now: number): Promise<void> | undefined {
    // at its share or above, a replica lets the others take a free lease first (two polls);
    // acquisitions still in flight count towards its share, so it does not take every free lease in one tick
    const freeFor = now - (lease.freeSince ?? now);
    const mine = this.#heldOrTaking() < this.#share() || freeFor >= 2 * this.timing.pollEvery;
    if (!mine || this.#parts.stopping() || !lease.agent.wantsLease) {
      lease.busy = false;
      return undefined;
    }
    this.#taking++;
    return this.#acquire(store, lease, this.#parts.clock.now()).finally(() => this.#taking--);
  }

  async #acquire(store: LeaseStore, lease: SingletonLease, sentAt: number): Promise<void> {
    const name = lease.agent.name;
    let grant: LeaseGrant | undefined;
    try {
      grant = await store.acquire(name);
    } catch {
      // unreachable: try again at the next poll
      return;
    } finally {
      lease.busy = false;
    }
    if (grant === undefined) return; // another replica was faster
    if (this.#closed || this.#parts.stopping() || !lease.agent.wantsLease) {
      // shutdown began, or the agent was disabled meanwhile: not wanted any more
      this.#track(this.#releaseInStore(name, grant));
      return;
    }
    lease.acquired(grant, sentAt);
    // it came back after a rebalance: nobody else took it; keep it until the replicas change
    if (sentAt - lease.shedAt < 3 * this.#parts.ttl) lease.keepUntil = Number.POSITIVE_INFINITY;
    const { logger } = this.#parts;
    logger.info({ agent: name, token: grant.token }, `singleton "${name}": this replica holds its lease (token ${grant.token}); starting it here`);
    if (this.#parts.listens("lease:acquired")) {
      this.#parts.emit("lease:acquired", { agent: name, group: lease.agent.groupName, holder: store.instance, token: grant.token, expiresAt: lease.expiresAt });
    }
    lease.agent.leaseAcquired();
  }

  /** The lease could not be renewed in time (`unreachable`) or is someone else's (`taken`): stop the agent before it could run out. */
  #lose(lease: SingletonLease, reason: "unreachable" | "taken"): void {
    const expiresAt = lease.expiresAt;
    const grant = lease.ended();
    if (grant === undefined) return;
    lease.losses++;
    const name = lease.agent.name;
    const deadline = this.#stopDeadline(expiresAt);
    this.#parts.logger.error(
      { agent: name, token: grant.token, reason },
      reason === "taken"
        ? `singleton "${name}": its lease (token ${grant.token}) was taken by another replica; stopping it here`
        : `singleton "${name}": its lease (token ${grant.token}) could not be renewed in time; stopping it here within ${deadline} ms, before the lease can run out`,
    );
    if (this.#parts.listens("lease:lost")) this.#parts.emit("lease:lost", { agent: name, group: lease.agent.groupName, holder: this.#store?.instance ?? "", token: grant.token, reason });
    const stopped = lease.agent.leaseEnded(deadline);
    lease.stopping = stopped;
    // once stopped, remove what is left of the key, so another replica need not wait for it to expire
    if (reason === "unreachable") this.#track(stopped.then(() => this.#releaseInStore(name, grant)));
    else this.#track(stopped);
  }

  /** Give the lease up once its agent has stopped (at once when it has already). */
  #release(lease: SingletonLease, reason: ReleaseReason): void {
    if (lease.grant === undefined) return;
    lease.releasing = true;
    const name = lease.agent.name;
    const state = lease.agent.state;
    const stopped = state === "disabled" || state === "failed" || state === "stopped" ? Promise.resolve() : lease.agent.leaseEnded(this.#stopDeadline(lease.expiresAt));
    this.#track(
      stopped.then(() => {
        // renewals went on while the agent stopped: give up the latest revision (none: it was lost meanwhile, and said so)
        const latest = lease.grant;
        if (latest === undefined) return;
        lease.ended();
        if (reason === "rebalance") lease.shedAt = this.#parts.clock.now();
        this.#parts.logger.info({ agent: name, token: latest.token, reason }, `singleton "${name}": released its lease (token ${latest.token}, ${reason}); another replica may run it`);
        if (this.#parts.listens("lease:released")) this.#parts.emit("lease:released", { agent: name, group: lease.agent.groupName, holder: this.#store?.instance ?? "", token: latest.token, reason });
        return this.#releaseInStore(name, latest);
      }),
    );
  }

  /** Over its share for two TTLs (replicas counted, the others below it): give one lease up per renewal interval. */
  #rebalance(now: number, held: number): void {
    if (held <= this.#share() || this.#replicas <= 1 || this.#parts.stopping()) {
      this.#overShareSince = undefined;
      return;
    }
    this.#overShareSince ??= now;
    if (now - this.#overShareSince < 2 * this.#parts.ttl || now < this.#nextShed) return;
    let newest: SingletonLease | undefined;
    for (const lease of this.#leases.values()) {
      if (!lease.holds || lease.busy || now < lease.keepUntil) continue;
      if (newest === undefined || lease.acquiredAt > newest.acquiredAt) newest = lease;
    }
    if (newest === undefined) return;
    this.#nextShed = now + this.timing.renewEvery;
    this.#release(newest, "rebalance");
  }

  /** How long an agent giving its lease up may take to stop: down before the lease could expire on the store (a tenth of the TTL to spare), and never longer than `stopTimeout`. */
  #stopDeadline(expiresAt: number): number {
    return Math.max(0, Math.min(this.#parts.stopTimeout, expiresAt - this.#parts.clock.now() - Math.floor(this.#parts.ttl / 10)));
  }

  #releaseInStore(agent: string, grant: LeaseGrant): Promise<void> {
    const store = this.#store;
    if (store === undefined) return Promise.resolve();
    return store.release(agent, grant).catch((error: unknown) => {
      this.#parts.logger.warn({ agent, err: error }, `singleton "${agent}": could not release its lease (it expires on its own): ${describeThrown(error)}`);
    });
  }

  #track(promise: Promise<unknown>): void {
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise));
  }
}
