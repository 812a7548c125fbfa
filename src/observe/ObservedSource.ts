import type { BusStats } from "../bus/Bus.js";
import type { Clock } from "../clock.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import type { HistogramData } from "../stats/HistogramData.js";
import type { OrchestratorPhase } from "../orchestrator/OrchestratorPhase.js";
import type { AgentStatus } from "../supervisor/AgentStatus.js";

/** Re-exported from the orchestrator, where the phase is defined (its lifecycle moves it). */
export { ORCHESTRATOR_PHASES } from "../orchestrator/OrchestratorPhase.js";
export type { OrchestratorPhase } from "../orchestrator/OrchestratorPhase.js";

/** One agent as the observability module reads it. */
export interface ObservedAgent {
  /** The agent's current snapshot (its `name`, `group` and `state` are used; `lastError` never is). */
  readonly status: AgentStatus;
  /** Whether the agent belongs to a critical group: health fails while it is not `running`. */
  readonly critical: boolean;
  /** The agent's counters across all its incarnations. */
  readonly counters: AgentCounters;
}

/** The trigger store as health shows it. */
export interface TriggerStoreStatus {
  /** The store's description (`file /var/lib/app/state.json`). */
  readonly description: string;
  /** What went wrong when it was read at start, if anything: the orchestrator runs on with empty trigger state. */
  readonly problem?: { readonly code: string; readonly message: string; readonly movedTo?: string };
}

/** The state of a networked bus's connection to its broker. */
export interface BusConnectionStatus {
  /** Whether the bus is connected now. */
  readonly connected: boolean;
  /** Reconnections since the bus was created. */
  readonly reconnects: number;
  /** When true, a disconnected bus makes health fail. */
  readonly required: boolean;
}

/** The orchestrator's own tick loop, for liveness. */
export interface LoopStatus {
  /** When the loop last ticked, in ms since the epoch on the source's clock (0 when it never has). */
  readonly lastTickAt: number;
  /** How often the loop ticks, in ms. */
  readonly intervalMs: number;
}

/** One singleton agent's lease on this replica. */
export interface ObservedLease {
  /** The agent's name. */
  readonly agent: string;
  /** Whether this replica holds its lease now. */
  readonly held: boolean;
  /** Leases this replica acquired. */
  readonly acquisitions: number;
  /** Leases this replica lost (not renewed in time, or taken). */
  readonly losses: number;
}

/** The live figures of one agent with `isolation: thread`. */
export interface ObservedThread {
  /** The agent's name. */
  readonly agent: string;
  /** Its thread's figures: event-loop utilisation since the previous read, heap in use as last reported. */
  readonly gauge: { readonly running: boolean; readonly heapUsed: number; utilization(): number };
}

/** A group of the supervision tree that has a supervisor (a strategy other than one_for_one, an intensity, or such a group below it). */
export interface ObservedGroup {
  /** The group's name. */
  readonly name: string;
  /** Times the group failed as a whole (its `group:failed` events) since the orchestrator started. */
  readonly failures: number;
}

/**
 * What the orchestrator exposes to health and metrics. Every member is read
 * when a probe or a scrape asks (never pushed), so the orchestrator's hot paths
 * only bump plain counters.
 *
 * @example
 * ```ts
 * const source: ObservedSource = {
 *   phase: () => this.#phase,
 *   agents: () => this.#supervisors.map((s) => ({ status: s.snapshot(), critical: s.critical, counters: s.counters })),
 *   busStats: () => this.bus.stats?.(),
 *   cronLateness: this.#scheduler.lateness,
 *   loop: () => ({ lastTickAt: this.#lastTickAt, intervalMs: TICK_MS }),
 *   clock: this.#clock,
 * };
 * ```
 */
export interface ObservedSource {
  /** The orchestrator's current phase. */
  phase(): OrchestratorPhase;
  /** Every registered agent (enabled or not), in registration order. */
  agents(): ReadonlyArray<ObservedAgent>;
  /** The bus's counters, or `undefined` when the bus keeps none. */
  busStats(): BusStats | undefined;
  /**
   * The networked bus's connection, or `undefined` for an in-process bus.
   * Leave the member out when the bus can never have a connection: the bus
   * connection metrics are then not registered at all.
   */
  busConnection?(): BusConnectionStatus | undefined;
  /**
   * The trigger store, when there is one: what it is, and the problem it met
   * at start (a corrupt file moved aside). Leave the member out without a store.
   */
  triggerStore?(): TriggerStoreStatus;
  /** The agents with `isolation: thread`; leave it out when there are none. */
  threads?(): ReadonlyArray<ObservedThread>;
  /** The singleton agents' leases; leave it out when there is no singleton. */
  leases?(): ReadonlyArray<ObservedLease>;
  /**
   * The groups that have a supervisor; leave it out when no group of the
   * configuration has a strategy or an intensity (no group series then).
   */
  groups?(): ReadonlyArray<ObservedGroup>;
  /** How many triggers are paused now (`orch.trigger(agent, name).pause()`); leave it out when none can be. */
  pausedTriggers?(): number;
  /** How late trigger slots reached their agent, in seconds. */
  readonly cronLateness: HistogramData;
  /** The orchestrator's tick loop. */
  loop(): LoopStatus;
  /**
   * Whether `start()` has resolved; stays true once it has (the startup probe).
   * When left out, the probe passes while the phase is `running`.
   */
  started?(): boolean;
  /** The clock the orchestrator runs on (timestamps in health documents, loop staleness). */
  readonly clock: Clock;
}
