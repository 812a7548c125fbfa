import type { AgentState } from "../supervisor/AgentStatus.js";
import type { ObservedAgent, ObservedSource, OrchestratorPhase, TriggerStoreStatus } from "./ObservedSource.js";

/** One agent in a {@link HealthReport}. */
export interface AgentHealth {
  /** The agent's state. */
  readonly state: AgentState;
  /** True while `state` is `running`, and for a singleton agent in `standby` (it runs on another replica). */
  readonly up: boolean;
  /** Whether the agent belongs to a critical group (health fails while it is down). */
  readonly critical: boolean;
  /** Its group's name. */
  readonly group: string;
  /** The groups from the top-level group down to its own (`["desk", "trading"]`), as in `AgentStatus.path`. */
  readonly path: readonly string[];
}

/** What `orch.health()` returns. */
export interface HealthReport {
  /** True when the orchestrator is running and every critical agent is up. */
  readonly ok: boolean;
  /** The HTTP status a health endpoint answers: 200 when `ok`, else 503. */
  readonly status: 200 | 503;
  /** Every agent by name. */
  readonly agents: Readonly<Record<string, AgentHealth>>;
}

/**
 * Why health fails, as shown in the plain-text body of a 503 (a fixed set of
 * phrases: never an error message or a configuration value).
 */
export type UnavailableReason =
  | "not started"
  | "starting"
  | "stopping"
  | "stopped"
  | "failed"
  | "critical agent down"
  | "bus disconnected";

/** A {@link HealthReport} with what the HTTP handlers need besides. */
export interface HealthEvaluation {
  /** The report itself. */
  readonly report: HealthReport;
  /** The orchestrator's phase when evaluated. */
  readonly phase: OrchestratorPhase;
  /** Why health fails; `undefined` when it passes. */
  readonly reason: UnavailableReason | undefined;
  /** The bus connection when the bus has one. */
  readonly bus: { readonly connected: boolean; readonly required: boolean } | undefined;
  /** `clock.now()` at evaluation. */
  readonly time: number;
  /** The trigger store, when there is one (its problem warns; it never fails health). */
  readonly store: TriggerStoreStatus | undefined;
  /** The agents evaluated, as read from the source (their statuses carry the crash and restart times). */
  readonly observed: ReadonlyArray<ObservedAgent>;
}

const PHASE_REASONS: Record<Exclude<OrchestratorPhase, "running">, UnavailableReason> = {
  idle: "not started",
  starting: "starting",
  stopping: "stopping",
  stopped: "stopped",
  failed: "failed",
};

/**
 * Evaluate health: ok when the phase is `running`, every critical agent is
 * `running` and a required bus connection is up (decision 24: an agent is up
 * only while `running`).
 *
 * @param agents - the agents to evaluate, when the caller has already read them from `source`
 */
export function evaluateHealth(source: ObservedSource, agents: ReadonlyArray<ObservedAgent> = source.agents()): HealthEvaluation {
  const phase = source.phase();
  const byName: Record<string, AgentHealth> = {};
  let criticalDown = false;
  for (const { status, critical } of agents) {
    // a singleton in standby runs on the replica holding its lease: up here too (decision 39)
    const up = status.state === "running" || status.state === "standby";
    if (critical && !up) criticalDown = true;
    byName[status.name] = { state: status.state, up, critical, group: status.group, path: status.path };
  }
  const connection = source.busConnection?.();
  const bus = connection === undefined ? undefined : { connected: connection.connected, required: connection.required };
  let reason: UnavailableReason | undefined;
  if (phase !== "running") reason = PHASE_REASONS[phase];
  else if (criticalDown) reason = "critical agent down";
  else if (bus !== undefined && bus.required && !bus.connected) reason = "bus disconnected";
  const ok = reason === undefined;
  return { report: { ok, status: ok ? 200 : 503, agents: byName }, phase, reason, bus, time: source.clock.now(), observed: agents, store: source.triggerStore?.() };
}
