import { DURATION_BUCKETS, HistogramData } from "./HistogramData.js";

/**
 * Why an agent crashed (a bounded set, used as a metric label):
 * `start` — its `start()` threw or rejected; `error` — a handler or `onCron` threw
 * or rejected; `fail` — it called `fail()`; `hung` — missed heartbeat,
 * `startTimeout` or a trigger `timeout`.
 */
export type CrashReason = "start" | "error" | "fail" | "hung";

/**
 * Why an escalation was raised: `consecutive-failures`, `crash-loop` and
 * `restart-limit` are about one agent; `group-intensity` about a group that
 * went over its restart intensity at the top of the tree (its agents disabled).
 */
export type EscalationReason = "consecutive-failures" | "crash-loop" | "restart-limit" | "group-intensity";

/** The escalation reasons counted per agent (a group's failure is counted per group, not per agent). */
export type AgentEscalationReason = Exclude<EscalationReason, "group-intensity">;

/**
 * Why a trigger slot was not run: `overlap` — the previous run was still going
 * (`overlap: skip`); `agent-down` — the agent was not running; `misfire` — the
 * slot was found late (past `misfireGrace`) under `misfire: skip`, or folded into
 * one run under `misfire: once`; `past` — an `at` already in the past when armed;
 * `paused` — the trigger was paused by an operator; `downtime` — the slot fell
 * while the orchestrator was down, outside what the trigger's `catchup` runs;
 * `interrupted` — its run started and the host stopped before it ended, and it
 * is not run again (`delivery: at-most-once`).
 */
export type SkipReason = "overlap" | "agent-down" | "misfire" | "past" | "paused" | "downtime" | "interrupted";

/** Counters of one agent across all its incarnations, read by the metrics at scrape time. */
export class AgentCounters {
  /** Crashes by reason. */
  readonly crashes: Record<CrashReason, number> = { start: 0, error: 0, fail: 0, hung: 0 };
  /** Restarts (incarnations after the first). */
  restarts = 0;
  /** Escalations by reason. */
  readonly escalations: Record<AgentEscalationReason, number> = {
    "consecutive-failures": 0,
    "crash-loop": 0,
    "restart-limit": 0,
  };
  /** Handler calls (bus handlers through the agent's view, and `onCron`) that threw or rejected. */
  handlerErrors = 0;
  /** Errors or timeouts of `stop()`. */
  stopFailures = 0;
  /** Trigger slots that reached the agent. */
  triggersFired = 0;
  /** Trigger slots not run, by reason. */
  readonly triggersSkipped: Record<SkipReason, number> = {
    overlap: 0,
    "agent-down": 0,
    misfire: 0,
    past: 0,
    paused: 0,
    downtime: 0,
    interrupted: 0,
  };
  /** Duration of handler calls and `onCron` runs, in seconds. */
  readonly handlerDuration = new HistogramData(DURATION_BUCKETS);

  /** Total crashes of every reason. */
  get totalCrashes(): number {
    const c = this.crashes;
    return c.start + c.error + c.fail + c.hung;
  }
}
