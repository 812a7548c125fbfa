import { keysOf } from "../orchestrator/keysOf.js";
import type { CrashReason, EscalationReason } from "../stats/AgentCounters.js";
import type { AgentState } from "./AgentStatus.js";
import type { Escalation } from "./Escalation.js";
import type { RunOutcome } from "../state/TriggerStore.js";

/** Payloads of the events `orch.on(event, listener)` delivers. */
export interface OrchestratorEvents {
  /** An agent changed state. `group`: the agent's own group (as in every `agent:*` event). */
  "agent:state": { readonly agent: string; readonly group: string; readonly state: AgentState; readonly previous: AgentState };
  /** An agent crashed (counted once per crash). */
  "agent:crash": { readonly agent: string; readonly group: string; readonly reason: CrashReason; readonly error: unknown; readonly crashes: number };
  /**
   * A restart was scheduled (`reason: 'crash'`, after `delay` ms, at `at`), done
   * by an operator (`reason: 'operator'`), or done by a group (`reason:
   * 'group'`, `byGroup` naming it: a sibling's crash restarted the set under
   * `one_for_all` / `rest_for_one`, or the group itself was restarted).
   */
  "agent:restart": {
    readonly agent: string;
    /** The agent's own group. */
    readonly group: string;
    readonly delay: number;
    readonly at: number;
    readonly attempt: number;
    readonly reason: "crash" | "operator" | "group";
    /** The group whose strategy or restart restarted the agent, for `reason: 'group'` (the agent's own group or one above it). */
    readonly byGroup?: string;
  };
  /** An agent was disabled by a rule (`crash-loop`, `restart-limit`), by its group failing at the top of the tree (`group-intensity`) or by an operator. */
  "agent:disabled": { readonly agent: string; readonly group: string; readonly reason: EscalationReason | "operator" };
  /** A `stop()` did not settle within its deadline; the incarnation was abandoned. */
  "agent:stop-timeout": { readonly agent: string; readonly group: string; readonly timeout: number };
  /**
   * A group went over its restart intensity (more than `maxRestarts` restarts
   * of its children within `within` ms) and failed as a whole: its agents were
   * stopped. `agent` is the agent whose crash tipped it over. `action`: what
   * followed — `restart` (its parent restarts it after a back-off), `parent`
   * (its parent failed in turn: see the parent's event), `disabled` (a
   * top-level group: every agent disabled, one escalation) or `fail-stop` (a
   * critical group: the orchestrator stops).
   */
  "group:failed": {
    readonly group: string;
    readonly path: readonly string[];
    readonly agent: string;
    readonly maxRestarts: number;
    readonly within: number;
    readonly action: "restart" | "parent" | "disabled" | "fail-stop";
  };
  /**
   * This replica took the lease of a singleton agent (`placement: singleton`):
   * the agent starts here. `holder` is this replica, `token` the fencing token
   * of the acquisition, `expiresAt` when the lease runs out unless renewed.
   */
  "lease:acquired": { readonly agent: string; readonly group: string; readonly holder: string; readonly token: number; readonly expiresAt: number };
  /**
   * This replica lost the lease of a singleton agent without giving it up: it
   * could not renew in time (`unreachable`: the store did not answer, so it
   * must assume another replica may take it) or found it taken (`taken`). Its
   * agent was stopped (state `standby`).
   */
  "lease:lost": { readonly agent: string; readonly group: string; readonly holder: string; readonly token: number; readonly reason: "unreachable" | "taken" };
  /**
   * This replica gave the lease of a singleton agent up once its agent had
   * stopped, so another replica may take it at once: `shutdown`, `disabled`
   * (by an operator, its crash loop or its group), `failed` (fail-stop), or
   * `rebalance` (this replica held more than its share).
   */
  "lease:released": { readonly agent: string; readonly group: string; readonly holder: string; readonly token: number; readonly reason: "shutdown" | "disabled" | "failed" | "rebalance" };
  /** An escalation was raised (also published on `orchestrator.escalation`). */
  escalation: Escalation;
  /**
   * The trigger store could not read its data at start: it was moved aside
   * (`movedTo`) and the orchestrator started with empty trigger state.
   */
  "store:corrupt": { readonly store: string; readonly message: string; readonly movedTo?: string };
  /**
   * At start, a trigger had slots that fell while the orchestrator was down:
   * `run` missed slots run now (catch-up), `downtime` skipped, `interrupted`
   * runs not run again, `retried` interrupted runs run once more.
   */
  "trigger:catchup": {
    readonly agent: string;
    readonly trigger: string;
    readonly run: number;
    readonly downtime: number;
    readonly interrupted: number;
    readonly retried: number;
  };
  /**
   * One slot of an `orch.backfill()`: how its run ended, or why it did not run
   * (`ran-already`: the store says it ran; `agent-down`); `ran` and `skipped`
   * count the backfill's slots so far.
   */
  "backfill:progress": {
    readonly agent: string;
    readonly trigger: string;
    readonly slot: number;
    readonly outcome: RunOutcome | "ran-already" | "agent-down";
    readonly ran: number;
    readonly skipped: number;
  };
  /**
   * An operator paused a trigger (`orch.trigger(agent, name).pause()`, or the
   * status page): its slots are skipped with reason `paused` until resumed.
   * `by` names who acted when the action came through the status page;
   * `remembered` says whether the trigger store kept the pause (false without a
   * store, before the store is read at start, or when the store could not record it).
   */
  "trigger:paused": { readonly agent: string; readonly trigger: string; readonly by?: string; readonly remembered: boolean };
  /** An operator resumed a paused trigger: its next slot runs. `by` and `remembered` as for `trigger:paused`. */
  "trigger:resumed": { readonly agent: string; readonly trigger: string; readonly by?: string; readonly remembered: boolean };
  /** The orchestrator has stopped (emitted just before `closed` settles). */
  shutdown: { readonly reason: string; readonly failed: boolean };
}

/** Names of the events of {@link OrchestratorEvents}. */
export type OrchestratorEventName = keyof OrchestratorEvents;

/**
 * Every event name `orch.on()` accepts, in the order of {@link OrchestratorEvents}.
 * Derived from a literal checked against {@link OrchestratorEvents}: adding an
 * event there without adding it here does not compile.
 */
export const ORCHESTRATOR_EVENTS: readonly OrchestratorEventName[] = keysOf<OrchestratorEvents>({
  "agent:state": true,
  "agent:crash": true,
  "agent:restart": true,
  "agent:disabled": true,
  "agent:stop-timeout": true,
  "group:failed": true,
  "lease:acquired": true,
  "lease:lost": true,
  "lease:released": true,
  escalation: true,
  "store:corrupt": true,
  "trigger:catchup": true,
  "backfill:progress": true,
  "trigger:paused": true,
  "trigger:resumed": true,
  shutdown: true,
});
