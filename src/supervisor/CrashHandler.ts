import { formatDuration } from "../duration.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { AgentCounters, AgentEscalationReason, CrashReason } from "../stats/AgentCounters.js";
import type { AgentLogger } from "./AgentLogger.js";
import type { AgentState } from "./AgentStatus.js";
import { checkedDelay, exponentialBackoff, type BackoffStrategy } from "./backoff.js";
import { decideRestart, FRESH_RECORD, type AgentRestartRecord, type RestartDecision, type RestartPolicy, type RestartState } from "./decideRestart.js";
import type { CrashRecord } from "./Escalation.js";
import type { SupervisedAgent, SupervisorHost } from "./SupervisorHost.js";
import type { GroupPort, GroupRestartVerdict } from "./tree/GroupMember.js";

/** Crashes kept for an escalation. */
const HISTORY = 10;

/** What a {@link CrashHandler} drives in its supervisor. */
export interface CrashTarget {
  /** Move the agent to `state` (emits `agent:state`). */
  setState(state: AgentState): void;
  /** Start a fresh incarnation without waiting for it (the back-off has elapsed); a failure to launch is logged, never left unhandled. */
  launch(): void;
}

/**
 * Turns the crashes of one agent into decisions and applies them: the
 * bookkeeping (counters, history, log line, `agent:crash`) comes first, then
 * {@link decideRestart} decides, then the decision takes effect (restart timer,
 * disable, escalation, fail-stop). Nothing about the thrown value can skip the
 * decision: it is described by a total function and reporting is guarded.
 */
export class CrashHandler {
  /**
   * Its group's supervisor, when the group has a strategy or an intensity: a
   * crash its policy restarts is then decided with the group. Absent: the
   * group is never consulted (the default groups cost nothing).
   */
  group: GroupPort | undefined;
  readonly #agent: SupervisedAgent;
  readonly #host: SupervisorHost;
  readonly #log: AgentLogger;
  readonly #counters: AgentCounters;
  readonly #target: CrashTarget;
  readonly #policy: RestartPolicy;
  /** The exponential back-off of `supervisor.backoff`: the default, and the fallback for a broken strategy. */
  readonly #exponential: BackoffStrategy;
  readonly #history: CrashRecord[] = [];
  #record: AgentRestartRecord = FRESH_RECORD;
  #lastError: string | undefined;
  #lastReason: CrashReason | undefined;
  #timer: unknown;
  /** Counts scheduled restarts: a restart waiting in the host's pacer runs only while it is still the latest one. */
  #scheduled = 0;
  /** The scheduled restart whose back-off has elapsed (handed to the pacer), until it runs; -1: none. */
  #due = -1;
  /** The attempt of the pending restart. */
  #pendingAttempt = 0;
  #nextRestartAt: number | undefined;
  /** The back-off of the pending restart has elapsed: hand it to the host's pacer (one function per agent, not one per crash). */
  readonly #elapsed = (): void => {
    this.#timer = undefined;
    this.#due = this.#scheduled;
    this.#host.paced(this.#restart);
  };
  /** The pacer's turn for the pending restart: start a fresh incarnation, unless cancelled (or run) since. */
  readonly #restart = (): void => {
    if (this.#due !== this.#scheduled) return; // cancelled while waiting in the pacer, or run already
    this.#due = -1;
    this.#nextRestartAt = undefined;
    if (this.#host.stopping()) return;
    this.countRestart();
    this.#target.launch();
  };

  constructor(agent: SupervisedAgent, host: SupervisorHost, log: AgentLogger, counters: AgentCounters, target: CrashTarget) {
    this.#agent = agent;
    this.#host = host;
    this.#log = log;
    this.#counters = counters;
    this.#target = target;
    this.#exponential = exponentialBackoff(host.settings.backoff);
    const { restart, crashLoop, escalateAfter } = agent.group;
    this.#policy = { restart, crashLoop, escalateAfter, resetAfter: host.settings.resetAfter };
  }

  /** Message of the last crash's error. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Why the last crash happened (`start`, `error`, `fail`, `hung`), once there was one. */
  get lastReason(): CrashReason | undefined {
    return this.#lastReason;
  }

  /** When the last crash happened (ms since the epoch), once there was one. */
  get lastCrashAt(): number | undefined {
    return this.#history.at(-1)?.at;
  }

  /** When the pending restart is due, while one is. */
  get nextRestartAt(): number | undefined {
    return this.#nextRestartAt;
  }

  /** The last back-off attempt announced (0 after a reset). */
  get attempt(): number {
    return this.#record.attempt;
  }

  /**
   * Count the restart after the last crash (its `max`, the agent's restarts)
   * and log it: at the end of its own back-off, or when its group starts it
   * with its restart set.
   */
  countRestart(): void {
    this.#nextRestartAt = undefined;
    this.#record = Object.assign({}, this.#record, { restartsSinceEnable: this.#record.restartsSinceEnable + 1 }); // shares one hidden class, unlike a spread
    this.#counters.restarts++;
    if (this.#log.enabled("info")) {
      const name = this.#agent.name;
      const attempt = this.#pendingAttempt;
      this.#log.info({ agent: name, attempt }, `agent "${name}" restarting (attempt ${attempt})`);
    }
  }

  /** `enable()`: forget the crash window, the streak, the back-off and the `max` count. */
  reset(): void {
    this.#record = FRESH_RECORD;
  }

  /** Cancel the pending restart, if any. */
  cancelRestart(): void {
    this.#scheduled++;
    if (this.#timer !== undefined) {
      this.#host.clearBackoff(this.#timer, this.#elapsed);
      this.#timer = undefined;
    }
    this.#nextRestartAt = undefined;
  }

  /**
   * Handle a crash of the current incarnation (already released by the
   * supervisor). `startedAt`: when the incarnation was started, if its
   * `start()` had resolved.
   */
  crashed(reason: CrashReason, error: unknown, startedAt: number | undefined): void {
    const at = this.#host.clock.now();
    this.#report(reason, error, at);
    const state: RestartState = { policy: this.#policy, agent: this.#record, stopping: this.#host.stopping() };
    this.#apply(decideRestart(state, startedAt === undefined ? { reason, at } : { reason, at, startedAt }), error);
  }

  /** Count, remember, log and emit a crash; reporting never keeps it from being handled. */
  #report(reason: CrashReason, error: unknown, at: number): void {
    const name = this.#agent.name;
    this.#counters.crashes[reason]++;
    const message = describeThrown(error);
    this.#lastError = message;
    this.#lastReason = reason;
    this.#history.push({ at, error: message });
    if (this.#history.length > HISTORY) this.#history.shift();
    try {
      // an entry nobody reads and an event nobody listens to cost nothing to build
      if (this.#log.enabled("error")) this.#log.error({ agent: name, reason, err: error }, `agent "${name}" crashed (${reason}): ${message}`);
      if (this.#host.listens("agent:crash")) this.#host.emit("agent:crash", { agent: name, group: this.#agent.group.name, reason, error, crashes: this.#counters.totalCrashes });
    } catch {
      // reporting a crash must never keep it from being handled
    }
  }

  #apply(decision: RestartDecision, error: unknown): void {
    this.#record = decision.next;
    switch (decision.kind) {
      case "stop":
        this.#target.setState("stopped");
        return;
      case "fail-stop":
        this.#target.setState("failed");
        this.#host.failStop(this.#agent.name, error);
        return;
      case "disable":
        this.#disable(decision.reason);
        return;
      case "restart":
        this.#scheduleRestart(decision.attempt, decision.escalate);
        return;
    }
  }

  /** Restart after the back-off of `attempt`, as the group decides; `escalate`: the crash also escalates `consecutive-failures` (unless its group escalates it). */
  #scheduleRestart(attempt: number, escalate: boolean): void {
    const host = this.#host;
    const name = this.#agent.name;
    const delay = this.#delay(attempt);
    const now = host.clock.now();
    const at = now + delay;
    const group = this.group;
    let verdict: GroupRestartVerdict = "self";
    if (group !== undefined) {
      verdict = group.childCrashed(name, { at: now, error: this.#lastError ?? "", agent: name }, at);
      if (verdict === "failed" || verdict === "escalated") {
        // at most one escalation per crash: the group's `group-intensity` wins
        if (escalate && verdict === "failed") this.#escalate("consecutive-failures", false);
        // the group went over its intensity: it stops (or disables) its agents, this one included
        this.#target.setState("stopped");
        return;
      }
    }
    if (escalate) this.#escalate("consecutive-failures", false);
    this.#nextRestartAt = at;
    this.#target.setState("backoff");
    if (this.#log.enabled("warn")) this.#log.warn({ agent: name, delay, attempt }, `agent "${name}" restarts in ${formatDuration(delay)} (back-off, attempt ${attempt})`);
    if (host.listens("agent:restart")) host.emit("agent:restart", { agent: name, group: this.#agent.group.name, delay, at, attempt, reason: "crash" });
    this.#scheduled++;
    this.#pendingAttempt = attempt;
    // in a restart set the group's timer starts the agent, with its siblings in start order
    if (verdict === "self") this.#timer = host.setBackoff(this.#elapsed, delay);
  }

  /** The back-off before restart `attempt` (from 1): the group's strategy, or the exponential one when it has none or it misbehaves. */
  #delay(attempt: number): number {
    const group = this.#agent.group;
    const { delay, refused } = checkedDelay(group.backoff ?? this.#exponential, this.#exponential, attempt - 1, this.#host.random);
    if (refused !== undefined) {
      const name = this.#agent.name;
      this.#log.error(
        { agent: name, group: group.name, attempt },
        `agent "${name}": the back-off strategy of group "${group.name}" ${refused}; the exponential back-off of supervisor.backoff applies (${formatDuration(delay)})`,
      );
    }
    return delay;
  }

  #disable(reason: "restart-limit" | "crash-loop"): void {
    const name = this.#agent.name;
    this.#target.setState("disabled");
    const { crashLoop } = this.#agent.group;
    const restarts = this.#record.restartsSinceEnable;
    const why =
      reason === "restart-limit"
        ? `reaching its group's restart limit (${restarts} restart${restarts === 1 ? "" : "s"})`
        : `a crash loop (more than ${crashLoop.maxCrashes} crashes within ${formatDuration(crashLoop.within)})`;
    this.#log.warn({ agent: name, reason }, `agent "${name}" disabled after ${why}; enable("${name}") starts it again`);
    this.#host.emit("agent:disabled", { agent: name, group: this.#agent.group.name, reason });
    this.#escalate(reason, true);
  }

  #escalate(reason: AgentEscalationReason, disabled: boolean): void {
    this.#counters.escalations[reason]++;
    this.#host.escalate({ agent: this.#agent.name, reason, disabled, crashes: [...this.#history] });
  }
}
