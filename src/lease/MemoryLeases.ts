import type { Clock } from "../clock.js";
import { ConfigError } from "../errors/ConfigError.js";
import { formatDuration } from "../duration.js";
import type { TriggerCoordinator } from "../orchestrator/TriggerCoordinator.js";
import type { TickMessage } from "../schedule/ScheduleSpec.js";
import type { LeaseGrant, LeaseStore, LeaseView } from "./LeaseStore.js";

/** One key of the memory bucket. */
interface Entry {
  readonly value: { readonly holder: string; readonly token: number };
  readonly revision: number;
  readonly writtenAt: number;
}

/** A coordinator of {@link MemoryLeases}: claims slots and holds leases in memory. */
export interface MemoryCoordinator extends TriggerCoordinator {
  /** The replica's name. */
  readonly instance: string;
  openLeases(options: { readonly ttl: number }): Promise<LeaseStore>;
}

/**
 * A lease bucket in memory, on a clock, for tests: several orchestrators in
 * one process (each with `coordinator: leases.coordinator("replica-a")`) share
 * it as replicas of a cluster share the NATS bucket, so failover, fencing and
 * the balance rule can be tested on a `ManualClock`. Keys expire `ttl` after
 * their last write, as in the NATS bucket; revisions grow across all keys.
 * Set {@link MemoryLeases.unreachable} to make every call fail, as a store
 * that cannot be reached does.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(Date.parse("2026-01-05T09:00:00Z"));
 * const leases = new MemoryLeases({ clock });
 * const a = createOrchestrator({ agents: [Feed], config, clock, coordinator: leases.coordinator("a") });
 * const b = createOrchestrator({ agents: [Feed], config, clock, coordinator: leases.coordinator("b") });
 * ```
 */
export class MemoryLeases {
  /** While true, every store call of every replica rejects (the store cannot be reached). */
  unreachable = false;
  /** Replicas cut off from the store: their calls reject while the others' go on. */
  readonly #isolated = new Set<string>();
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();
  readonly #slots = new Set<string>();
  #revision = 0;
  #ttl: number | undefined;

  constructor(options: { readonly clock: Clock }) {
    this.#clock = options.clock;
  }

  /** A coordinator for the replica named `instance`: it claims trigger slots once across the replicas and opens this bucket's leases. */
  coordinator(instance: string): MemoryCoordinator {
    return {
      instance,
      claim: (tick: TickMessage) => this.#call(() => {
        if (this.#slots.has(tick.key)) return false;
        this.#slots.add(tick.key);
        return true;
      }),
      openLeases: ({ ttl }) => this.#call(() => {
        if (this.#ttl !== undefined && this.#ttl !== ttl) {
          throw new ConfigError(`MemoryLeases: the bucket's TTL is ${formatDuration(this.#ttl)}, and a replica asked for ${formatDuration(ttl)}; expected every replica to use the same lease.ttl`, { path: "lease.ttl", value: ttl });
        }
        this.#ttl = ttl;
        return this.#store(instance, ttl);
      }),
    };
  }

  /** Cut the replica named `instance` off from the store (`false`: reconnect it): its calls reject, the others' go on. */
  isolate(instance: string, isolated = true): void {
    if (isolated) this.#isolated.add(instance);
    else this.#isolated.delete(instance);
  }

  /** The lease of `agent` as the bucket holds it now. */
  holder(agent: string): LeaseView | undefined {
    const entry = this.#live(`agents.${agent}`);
    return entry === undefined || this.#ttl === undefined ? undefined : { holder: entry.value.holder, token: entry.value.token, expiresAt: entry.writtenAt + this.#ttl };
  }

  #store(instance: string, ttl: number): LeaseStore {
    let closed = false;
    const presence = `replicas.${instance}`;
    const call = <T>(work: () => T): Promise<T> => {
      if (closed) return Promise.reject(new Error(`MemoryLeases: the store of ${instance} is closed`));
      if (this.#isolated.has(instance)) return Promise.reject(new Error(`MemoryLeases: ${instance} is cut off from the store (isolate)`));
      return this.#call(work);
    };
    return {
      instance,
      ttl,
      acquire: (agent) => call((): LeaseGrant | undefined => {
        const key = `agents.${agent}`;
        if (this.#live(key) !== undefined) return undefined;
        const revision = this.#write(key, { holder: instance, token: this.#revision + 1 });
        return { token: revision, revision };
      }),
      renew: (agent, grant) => call((): LeaseGrant | undefined => {
        const key = `agents.${agent}`;
        if (this.#live(key)?.revision !== grant.revision) return undefined;
        return { token: grant.token, revision: this.#write(key, { holder: instance, token: grant.token }) };
      }),
      release: (agent, grant) => call(() => {
        const key = `agents.${agent}`;
        if (this.#live(key)?.revision === grant.revision) this.#entries.delete(key);
      }),
      read: (agent) => call(() => this.holder(agent)),
      announce: () => call(() => {
        this.#write(presence, { holder: instance, token: 0 });
        let live = 0;
        for (const key of [...this.#entries.keys()]) if (key.startsWith("replicas.") && this.#live(key) !== undefined) live++;
        return live;
      }),
      withdraw: () => {
        this.#entries.delete(presence);
        return Promise.resolve();
      },
      close: () => {
        if (!closed) this.#entries.delete(presence);
        closed = true;
        return Promise.resolve();
      },
    };
  }

  #call<T>(work: () => T): Promise<T> {
    if (this.unreachable) return Promise.reject(new Error("MemoryLeases: the store cannot be reached (unreachable is set)"));
    return new Promise<T>((resolve) => resolve(work()));
  }

  #write(key: string, value: Entry["value"]): number {
    const revision = ++this.#revision;
    this.#entries.set(key, { value, revision, writtenAt: this.#clock.now() });
    return revision;
  }

  /** The entry of `key` unless it expired (then it is removed, as the server's max age removes it). */
  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.#ttl !== undefined && this.#clock.now() - entry.writtenAt >= this.#ttl) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
