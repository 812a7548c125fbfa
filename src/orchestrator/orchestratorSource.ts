import type { Bus } from "../bus/Bus.js";
import type { TriggerStoreStatus } from "../observe/ObservedSource.js";
import type { Clock } from "../clock.js";
import type { ObservedGroup, ObservedLease, ObservedSource, ObservedThread } from "../observe/ObservedSource.js";
import type { HistogramData } from "../stats/HistogramData.js";
import type { AgentRoster } from "./AgentRoster.js";
import type { Lifecycle } from "./Lifecycle.js";
import type { LivenessLoop } from "./LivenessLoop.js";

/** The orchestrator's parts that health and metrics read. */
export interface SourceParts {
  readonly lifecycle: Lifecycle;
  readonly roster: AgentRoster;
  readonly bus: Bus;
  readonly lateness: HistogramData;
  readonly loop: LivenessLoop;
  readonly clock: Clock;
  /** The trigger store's status, when there is a store. */
  readonly triggerStore?: () => TriggerStoreStatus;
  /** How many triggers are paused now. */
  readonly pausedTriggers?: () => number;
  /** The thread agents' figures, when any agent runs in a thread. */
  readonly threads?: () => ReadonlyArray<ObservedThread>;
  readonly leases?: () => ReadonlyArray<ObservedLease>;
  /** The groups that have a supervisor, when some group of the configuration has a strategy or an intensity. */
  readonly groups?: () => ReadonlyArray<ObservedGroup>;
}

/** The {@link ObservedSource} of one orchestrator: every member reads its parts when a probe or a scrape asks. */
export function orchestratorSource({ lifecycle, roster, bus, lateness, loop, clock, triggerStore, pausedTriggers, threads, groups, leases }: SourceParts): ObservedSource {
  const source: ObservedSource = {
    phase: () => lifecycle.phase,
    started: () => lifecycle.hasStarted,
    // health and metrics never read nextTriggerAt: no trigger lookup per agent and scrape
    agents: () => roster.all.map((supervisor) => ({ status: supervisor.snapshot(), critical: supervisor.group.critical, counters: supervisor.counters })),
    busStats: () => bus.stats?.(),
    cronLateness: lateness,
    loop: () => loop.status(),
    clock,
  };
  const connection = bus.connection?.bind(bus);
  if (connection !== undefined) source.busConnection = connection;
  if (triggerStore !== undefined) source.triggerStore = triggerStore;
  if (pausedTriggers !== undefined) source.pausedTriggers = pausedTriggers;
  if (threads !== undefined) source.threads = threads;
  if (leases !== undefined) source.leases = leases;
  if (groups !== undefined) source.groups = groups;
  return source;
}
