import type { ResolvedGroup } from "../../config/ResolvedConfig.js";
import type { AgentState } from "../AgentStatus.js";
import type { CrashRecord } from "../Escalation.js";

/**
 * How a group takes a crash of one of its agents that the agent's own policy
 * restarts: `self` — the agent restarts after its own back-off, as without a
 * group (one_for_one under the intensity); `set` — the group restarts a set
 * (the crashed agent announces its back-off, the group's timer starts the set
 * when it ends); `failed` — the group went over its intensity and took over
 * (the agent schedules nothing); `escalated` — as `failed`, and the failure
 * reaches the top of the tree, where the group escalates (`group-intensity`):
 * the agent sends no escalation of its own for this crash.
 */
export type GroupRestartVerdict = "self" | "set" | "failed" | "escalated";

/** What an agent's crash handler asks of its group's supervisor. Only agents of a group with a strategy or an intensity have one. */
export interface GroupPort {
  /**
   * The agent `name` crashed (`crash`) and its own policy would restart it
   * at `nextRestartAt`: the group decides how.
   */
  childCrashed(name: string, crash: CrashRecord, nextRestartAt: number): GroupRestartVerdict;
}

/**
 * An agent as its group's supervisor drives it. Every action is queued after
 * the agent's operator actions, and does nothing once shutdown has begun.
 */
export interface GroupMember {
  /** The agent's registered name. */
  readonly name: string;
  /** The agent's own group. */
  readonly group: ResolvedGroup;
  /** Where the agent is in its life. */
  readonly state: AgentState;
  /** Takes no part in a group restart: disabled, failed, or its first start still pending. */
  readonly idle: boolean;
  /**
   * Stop for a restart of its group: ends in `backoff`, showing
   * `nextRestartAt`; a restart of its own still pending is cancelled. Does
   * nothing to an idle agent.
   */
  stopFor(nextRestartAt: number): Promise<void>;
  /**
   * Start again for a restart of `group`, if still in `backoff` (an operator
   * may have acted since). `crashed`: the agent whose crash caused the
   * restart (its restart counts as its own, announced when it crashed);
   * otherwise the restart is counted and emitted as `agent:restart` with
   * reason `group`. Resolves once its `start()` has settled, or at once when
   * nothing starts or the launch waits for its dependencies.
   */
  startFor(group: string, crashed: boolean): Promise<void>;
  /** `group` failed at the top of the tree: stop and disable (`agent:disabled` reason `group-intensity`, no escalation of its own). */
  disableFor(group: string): Promise<void>;
  /** Hand the agent's restart decisions to its group's supervisor (only for a group with a strategy or an intensity). */
  joinGroup(port: GroupPort): void;
  /** The operator's `enable()` of the agent (`orch.group(name).enable()` enables each agent of the group). */
  enable(): Promise<void>;
  /** The operator's `disable()` of the agent (`orch.group(name).disable()` disables each agent of the group). */
  disable(): Promise<void>;
}
