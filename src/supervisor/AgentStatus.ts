import { keysOf } from "../orchestrator/keysOf.js";
import type { LeaseView } from "../lease/LeaseStore.js";
import type { CrashReason } from "../stats/AgentCounters.js";

/**
 * Where an agent is in its life:
 * `starting` — its `start()` runs; `running` — started and up; `backoff` — crashed,
 * waiting for its restart; `stopping` — its `stop()` runs; `stopped` — stopped by
 * shutdown or never started; `disabled` — taken out by a rule or an operator until
 * `enable()`; `failed` — crashed under a fail-stop policy; `standby` — a
 * singleton agent (`placement: singleton`) whose lease another replica holds,
 * or nobody yet: it runs there, or here once this replica takes the lease.
 */
export type AgentState = "starting" | "running" | "backoff" | "stopping" | "stopped" | "disabled" | "failed" | "standby";

/**
 * Every {@link AgentState}, in the order of an agent's life (what
 * `agent_status{state}` lists per agent). Derived from a record with a key per
 * state, so a state added to the type without a place here does not compile.
 */
export const AGENT_STATES: ReadonlyArray<AgentState> = keysOf<Record<AgentState, true>>({
  starting: true,
  running: true,
  backoff: true,
  stopping: true,
  stopped: true,
  disabled: true,
  failed: true,
  standby: true,
});

/** A snapshot of one agent, from `orch.agents()` / `orch.agent(name)`. */
export interface AgentStatus {
  readonly name: string;
  /** Its group's name: the last name of {@link AgentStatus.path}. */
  readonly group: string;
  /**
   * The groups from the top-level group down to the agent's own group:
   * `["desk", "trading"]`; `["data"]` for an agent of the built-in `data`
   * group. One frozen array per group, shared by its agents' snapshots.
   */
  readonly path: readonly string[];
  readonly state: AgentState;
  /** Restarts since start (incarnations after the first). */
  readonly restarts: number;
  /** Crashes since start. */
  readonly crashes: number;
  /** Message of the last crash's error. */
  readonly lastError?: string;
  /** When the last crash happened (ms since the epoch), once there was one. */
  readonly lastCrashAt?: number;
  /** Why the last crash happened (`start`, `error`, `fail`, `hung`), once there was one: the kind of the last error, safe to show where its message is not. */
  readonly lastCrashReason?: CrashReason;
  /** {@link AgentStatus.lastCrashAt} as an ISO 8601 string, e.g. `"2026-01-05T09:00:00.000Z"`. */
  readonly lastCrashAtIso?: string;
  /** When the pending restart is due (ms since the epoch), while in `backoff`. */
  readonly nextRestartAt?: number;
  /** {@link AgentStatus.nextRestartAt} as an ISO 8601 string. */
  readonly nextRestartAtIso?: string;
  /** When the agent's next trigger fires (ms since the epoch), when it has one. */
  readonly nextTriggerAt?: number;
  /** {@link AgentStatus.nextTriggerAt} as an ISO 8601 string. */
  readonly nextTriggerAtIso?: string;
  /**
   * A singleton agent's lease, as this replica last saw it: the holding
   * replica (this one while the agent runs here), the fencing token and when
   * it runs out unless renewed. Absent for other agents, and while nobody holds it.
   */
  readonly lease?: LeaseView;
}
