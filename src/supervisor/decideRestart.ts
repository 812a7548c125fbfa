import type { ResolvedRestartPolicy } from "../config/ResolvedConfig.js";
import type { CrashReason } from "../stats/AgentCounters.js";
import { slideCrashWindow } from "./CrashWindow.js";

/** The rules a crash is judged by: the agent's group, plus `supervisor.resetAfter`. Plain data. */
export interface RestartPolicy {
  /** What a crash leads to: restart always, at most `max` times since the last `enable()`, or fail-stop. */
  readonly restart: ResolvedRestartPolicy;
  /** More than `maxCrashes` crashes inside `within` ms disables the agent. */
  readonly crashLoop: { readonly maxCrashes: number; readonly within: number };
  /** The failure of a streak that escalates (`consecutive-failures`), once per streak. */
  readonly escalateAfter: number;
  /** A crashed incarnation that had run at least this long (ms, from its start) resets the back-off and the streak. */
  readonly resetAfter: number;
}

/** What the rules remember of one agent between crashes. Plain data; {@link decideRestart} returns the next one. */
export interface AgentRestartRecord {
  /** Restarts after a crash since start or the last `enable()` (what `restart: { max }` counts). */
  readonly restartsSinceEnable: number;
  /** Failures of the current streak (crashes with no stable run between them). */
  readonly streak: number;
  /** Back-off attempts since the last reset: the next restart waits with attempt `attempt` (from 0). */
  readonly attempt: number;
  /** Times of the crashes inside the crash-loop window, oldest first. */
  readonly crashTimes: readonly number[];
}

/**
 * Everything a restart decision depends on. A later supervision tree adds its
 * group's own record (intensity window, siblings) beside `agent`, and new
 * decision kinds beside those of {@link RestartDecision}, without reshaping these.
 */
export interface RestartState {
  /** The rules. */
  readonly policy: RestartPolicy;
  /** What they remember of the crashed agent. */
  readonly agent: AgentRestartRecord;
  /** Shutdown (or a fail-stop) has begun: nothing restarts or escalates. */
  readonly stopping: boolean;
}

/** One crash, as the rules see it. */
export interface Crash {
  /** Why it crashed (the decision does not depend on it today). */
  readonly reason: CrashReason;
  /** When it crashed, ms since the epoch. */
  readonly at: number;
  /** When the crashed incarnation was started, if its `start()` had resolved; absent when it crashed while starting. */
  readonly startedAt?: number;
}

/**
 * What to do about a crash. Every kind carries `next`, the agent's record to keep.
 * - `stop`: shutdown has begun; the agent ends `stopped`, nothing restarts or escalates;
 * - `fail-stop`: the group is fail-stop; the orchestrator stops;
 * - `disable`: a rule takes the agent out and escalates with `reason`;
 * - `restart`: restart after back-off attempt `attempt` (from 1, as announced; the
 *   back-off strategy gets `attempt − 1`), escalating `consecutive-failures` when `escalate`.
 */
export type RestartDecision =
  | { readonly kind: "stop"; readonly next: AgentRestartRecord }
  | { readonly kind: "fail-stop"; readonly next: AgentRestartRecord }
  | { readonly kind: "disable"; readonly reason: "restart-limit" | "crash-loop"; readonly next: AgentRestartRecord }
  | { readonly kind: "restart"; readonly attempt: number; readonly escalate: boolean; readonly next: AgentRestartRecord };

/** The record of an agent that has not crashed since start or its last `enable()`. */
export const FRESH_RECORD: AgentRestartRecord = Object.freeze({ restartsSinceEnable: 0, streak: 0, attempt: 0, crashTimes: Object.freeze([]) });

/**
 * Decide what a crash leads to, by precedence: shutdown under way (`stop`) >
 * fail-stop policy > restart limit > crash loop > restart (escalating on the
 * `escalateAfter`-th failure of a streak). A stable run (at least `resetAfter`
 * from its start) first resets the back-off and the streak. Pure: no clock, no
 * I/O, no mutation.
 */
export function decideRestart(state: RestartState, crash: Crash): RestartDecision {
  const { policy, agent } = state;
  if (state.stopping) return { kind: "stop", next: agent };
  if (policy.restart.kind === "fail-stop") return { kind: "fail-stop", next: agent };
  const stable = crash.startedAt !== undefined && crash.at - crash.startedAt >= policy.resetAfter;
  const streak = (stable ? 0 : agent.streak) + 1;
  const attempt = stable ? 0 : agent.attempt;
  const crashTimes = slideCrashWindow(agent.crashTimes, crash.at, policy.crashLoop.within);
  // Object.assign onto a fresh object: the records share one hidden class (a spread gives each its own)
  const next: AgentRestartRecord = Object.assign({}, agent, { streak, attempt, crashTimes });
  if (policy.restart.kind === "max" && agent.restartsSinceEnable >= policy.restart.max) return { kind: "disable", reason: "restart-limit", next };
  if (crashTimes.length > policy.crashLoop.maxCrashes) return { kind: "disable", reason: "crash-loop", next };
  return { kind: "restart", attempt: attempt + 1, escalate: streak === policy.escalateAfter, next: Object.assign({}, next, { attempt: attempt + 1 }) };
}
