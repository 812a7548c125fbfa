import type { Agent, AgentClass } from "../agent/Agent.js";
import type { AgentContext } from "../agent/AgentContext.js";
import type { Bus } from "../bus/Bus.js";
import type { Clock } from "../clock.js";
import type { ResolvedConfig, ResolvedGroup } from "../config/ResolvedConfig.js";
import { formatDuration } from "../duration.js";
import { AgentError } from "../errors/AgentError.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { Logger } from "../logger.js";
import { AgentCounters, type CrashReason, type EscalationReason } from "../stats/AgentCounters.js";
import type { AgentState, AgentStatus } from "./AgentStatus.js";
import { backoffDelay } from "./backoff.js";
import { CrashWindow } from "./CrashWindow.js";
import type { CrashRecord, Escalation } from "./Escalation.js";
import { Incarnation } from "./Incarnation.js";
import type { OrchestratorEvents } from "./events.js";

const HISTORY = 10;

/** What an {@link AgentSupervisor} needs from its orchestrator. */
export interface SupervisorHost {
  readonly clock: Clock;
  readonly bus: Bus;
  readonly random: () => number;
  readonly logger: Logger;
  readonly settings: ResolvedConfig["supervisor"];
  /** True once shutdown (or a fail-stop) has begun: nothing restarts or escalates. */
  stopping(): boolean;
  emit<E extends keyof OrchestratorEvents>(event: E, payload: OrchestratorEvents[E]): void;
  escalate(event: Escalation): void;
  /** A crash under a fail-stop policy. */
  failStop(agent: string, error: unknown): void;
  /** Wire the triggers of a running incarnation (the `cron.<agent>` subscription). */
  attachTriggers(agent: string, incarnation: Incarnation, instance: Agent): void;
}

/** What the supervisor knows of one agent's registration. */
export interface SupervisedAgent {
  readonly name: string;
  readonly agentClass: AgentClass;
  readonly group: ResolvedGroup;
  readonly config: unknown;
  readonly heartbeatTimeout: number | undefined;
}

/**
 * The per-agent state machine: starts incarnations, turns every kind of crash
 * into one decision (restart after back-off, disable, escalate, fail-stop) and
 * stops the agent with a deadline.
 */
export class AgentSupervisor {
  readonly counters = new AgentCounters();
  readonly #host: SupervisorHost;
  readonly #agent: SupervisedAgent;
  readonly #log: Logger;
  readonly #window: CrashWindow;
  readonly #history: CrashRecord[] = [];
  #state: AgentState = "stopped";
  #incarnation: Incarnation | undefined;
  #incarnations = 0;
  #restartTimer: unknown;
  #nextRestartAt: number | undefined;
  #restartsSinceEnable = 0;
  #restarts = 0;
  #crashes = 0;
  #streak = 0;
  #attempt = 0;
  #lastError: string | undefined;
  /** The operator action (enable, disable, restart) in progress: the next one waits for it. */
  #operation: Promise<void> | undefined;
  /** The graceful stop in progress: a second `stop()` joins it instead of cutting it short. */
  #stopping: Promise<void> | undefined;
  /**
   * The orchestrator's `start()` has not reached this agent yet: operator
   * actions apply to its pending start instead of launching anything.
   */
  #pendingStart = true;
  /** An operator `enable()` / `restart()` before the pending start: start it even if the config disables it. */
  #startWanted = false;

  constructor(agent: SupervisedAgent, host: SupervisorHost) {
    this.#agent = agent;
    this.#host = host;
    this.#window = new CrashWindow(agent.group.crashLoop.within);
    this.#log = childLogger(host.logger, agent.name);
  }

  get name(): string {
    return this.#agent.name;
  }

  /** The agent's class. */
  get agentClass(): AgentClass {
    return this.#agent.agentClass;
  }

  get group(): ResolvedGroup {
    return this.#agent.group;
  }

  get state(): AgentState {
    return this.#state;
  }

  /** The live agent instance, while an incarnation runs. */
  get instance(): Agent | undefined {
    return this.#incarnation?.ended === false ? this.#incarnation.instance : undefined;
  }

  /** The current incarnation (for tests and the chaos suite's invariants). */
  get incarnation(): Incarnation | undefined {
    return this.#incarnation;
  }

  status(nextTriggerAt?: number): AgentStatus {
    return {
      name: this.#agent.name,
      group: this.#agent.group.name,
      state: this.#state,
      restarts: this.#restarts,
      crashes: this.#crashes,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
      ...(this.#nextRestartAt === undefined ? {} : { nextRestartAt: this.#nextRestartAt }),
      ...(nextTriggerAt === undefined ? {} : { nextTriggerAt }),
    };
  }

  /** True until the orchestrator's `start()` reaches this agent ({@link AgentSupervisor.startInTurn}). */
  get pendingStart(): boolean {
    return this.#pendingStart;
  }

  /**
   * The orchestrator's `start()` reaches this agent: start it, unless it is
   * disabled (by the config, `enabledInConfig` false, or by an operator's
   * `disable()` since `start()` began). An operator's `enable()` or `restart()`
   * before this point overrides the config. Resolves as {@link AgentSupervisor.launch}.
   */
  async startInTurn(enabledInConfig: boolean): Promise<void> {
    if (!this.#pendingStart) return;
    this.#pendingStart = false;
    if (this.#state === "disabled") return;
    if (!enabledInConfig && !this.#startWanted) {
      this.#setState("disabled");
      return;
    }
    await this.launch();
  }

  /**
   * Start a fresh incarnation. Resolves when its `start()` has settled, or when
   * the incarnation ended first (a crash, a hang past `startTimeout`). Starts
   * nothing while an incarnation is live or once shutdown has begun.
   */
  async launch(): Promise<void> {
    this.#clearRestart();
    const host = this.#host;
    // once shutdown has begun nothing starts again, whatever was in flight when it began
    if (host.stopping()) return;
    const name = this.#agent.name;
    const live = this.#incarnation;
    if (live !== undefined && !live.ended) {
      // never two incarnations side by side: whoever asked for a launch finds one running
      this.#log.error({ agent: name, incarnation: live.number }, `agent "${name}": a launch was asked for while incarnation ${live.number} is live; nothing started`);
      return;
    }
    const inc: Incarnation = new Incarnation(++this.#incarnations, name, host.clock, host.bus, this.counters, (error) =>
      this.#crash(inc, "error", error),
    );
    this.#incarnation = inc;
    this.#setState("starting");

    const context: AgentContext = {
      name,
      bus: inc.bus,
      log: this.#log,
      signal: inc.controller.signal,
      config: this.#agent.config,
      clock: inc.clock,
      random: host.random,
      heartbeat: () => {
        if (!inc.ended) inc.lastBeat = host.clock.now();
      },
      fail: (error: unknown) => this.#crash(inc, "fail", error),
    };

    let instance: Agent;
    try {
      instance = new this.#agent.agentClass(context as AgentContext<never>);
    } catch (error) {
      this.#crash(inc, "start", error);
      return;
    }
    inc.instance = instance;

    const { startTimeout } = host.settings;
    const timer = inc.clock.setTimeout(() => {
      this.#crash(inc, "hung", new AgentError("AGENT_HUNG", name, `agent "${name}": start() did not settle within ${formatDuration(startTimeout)} (supervisor.startTimeout)`));
    }, startTimeout);

    // an async wrapper turns a synchronous throw into a rejection
    const started = (async () => instance.start())();
    const outcome = await Promise.race([
      started.then(
        () => ({ ok: true as const }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      inc.whenEnded.then(() => undefined),
    ]);
    inc.clock.clearTimeout(timer);
    if (outcome === undefined || inc.ended) return;
    if (!outcome.ok) {
      this.#crash(inc, "start", outcome.error);
      return;
    }
    inc.runningSince = host.clock.now();
    inc.lastBeat = inc.runningSince;
    this.#setState("running");
    host.attachTriggers(name, inc, instance);
    this.#watchHeartbeat(inc);
  }

  /** Report a crash of the current incarnation from outside (a failing `onCron` or trigger timeout). */
  crashCurrent(incarnation: Incarnation, reason: CrashReason, error: unknown): void {
    this.#crash(incarnation, reason, error);
  }

  /**
   * Stop gracefully: abort the signal, run `stop()` within `stopTimeout`, then
   * release the incarnation. Past the deadline it is abandoned and reported.
   * Ends in `finalState` (a "stopped" never overrides "failed" or "disabled").
   * A stop already under way is joined, never cut short: this call resolves
   * after it, within that stop's own deadline.
   */
  async stop(finalState: "stopped" | "disabled", deadline = this.#host.settings.stopTimeout): Promise<void> {
    this.#clearRestart();
    // a stop already under way (an operator's) keeps its own deadline; this one ends when it does
    while (this.#stopping !== undefined) await this.#stopping;
    const inc = this.#incarnation;
    if (inc === undefined || inc.ended) {
      if (inc !== undefined) await inc.dispose(new AgentError("AGENT_FAILED", this.name, "stopped"));
      this.#incarnation = undefined;
      // "stopped" never overrides "failed" or "disabled" (say, a shutdown joining an operator's disable())
      if (finalState === "disabled" || (this.#state !== "failed" && this.#state !== "disabled")) this.#setState(finalState);
      return;
    }
    const stopping = this.#stopGracefully(inc, finalState, deadline);
    this.#stopping = stopping;
    try {
      await stopping;
    } finally {
      if (this.#stopping === stopping) this.#stopping = undefined;
    }
  }

  /** Abort `inc`, give its `stop()` until `deadline`, release it, end in `finalState`. */
  async #stopGracefully(inc: Incarnation, finalState: "stopped" | "disabled", deadline: number): Promise<void> {
    const host = this.#host;
    const name = this.#agent.name;
    this.#setState("stopping");
    inc.abort(new AgentError("AGENT_FAILED", name, `agent "${name}" is stopping`));
    const instance = inc.instance;
    if (instance !== undefined) {
      let timer: unknown;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = host.clock.setTimeout(() => resolve("timeout"), Math.max(0, deadline));
      });
      const stopping = (async () => instance.stop())();
      const outcome = await Promise.race([
        stopping.then(
          () => "ok" as const,
          (error: unknown) => ({ error }),
        ),
        timeout,
      ]);
      host.clock.clearTimeout(timer);
      if (outcome === "timeout") {
        this.counters.stopFailures++;
        this.#log.warn(
          { agent: name, timeout: deadline },
          `agent "${name}": stop() did not settle within ${formatDuration(deadline)}; the incarnation is abandoned`,
        );
        host.emit("agent:stop-timeout", { agent: name, timeout: deadline });
      } else if (outcome !== "ok") {
        this.counters.stopFailures++;
        this.#log.error({ agent: name, err: outcome.error }, `agent "${name}": stop() failed: ${describeThrown(outcome.error)}`);
      }
    }
    await inc.dispose(new AgentError("AGENT_FAILED", name, "stopped"));
    if (this.#incarnation === inc) this.#incarnation = undefined;
    this.#setState(finalState);
  }

  /**
   * Operator: clear the crash window, the streak and the back-off, and start now (unless running).
   * Operator actions on one agent take effect one after the other: this one
   * waits for a `disable()` or `restart()` still stopping the agent. Resolves
   * once the new incarnation is under way (not when its `start()` settles).
   */
  enable(): Promise<void> {
    if (this.#pendingStart) return this.#beforeStart("enable");
    return this.#serialize(async () => {
      this.#window.clear();
      this.#streak = 0;
      this.#attempt = 0;
      this.#restartsSinceEnable = 0;
      if (this.#state === "running" || this.#state === "starting" || this.#state === "stopping") return;
      this.#log.info({ agent: this.name }, `agent "${this.name}" enabled: crash window, failure streak and back-off cleared; starting`);
      this.#launchInBackground();
    });
  }

  /** Operator: stop the agent and keep it down until `enable()` (after any operator action still under way). */
  disable(): Promise<void> {
    if (this.#pendingStart) return this.#beforeStart("disable");
    return this.#serialize(async () => {
      if (this.#state === "disabled") return;
      await this.stop("disabled");
      this.#log.info({ agent: this.name, reason: "operator" }, `agent "${this.name}" disabled by the operator`);
      this.#host.emit("agent:disabled", { agent: this.name, reason: "operator" });
    });
  }

  /**
   * Operator: stop the current incarnation (if any) and start a fresh one now,
   * without back-off (after any operator action still under way). Starts
   * nothing once shutdown has begun.
   */
  restart(): Promise<void> {
    if (this.#pendingStart) return this.#beforeStart("restart");
    return this.#serialize(async () => {
      if (this.#host.stopping()) return;
      if (this.#incarnation !== undefined) await this.stop("stopped");
      if (this.#host.stopping()) return;
      this.#restarts++;
      this.counters.restarts++;
      this.#log.info({ agent: this.name, reason: "operator" }, `agent "${this.name}" restarting (operator restart, no back-off)`);
      this.#host.emit("agent:restart", { agent: this.name, delay: 0, at: this.#host.clock.now(), attempt: this.#attempt, reason: "operator" });
      this.#launchInBackground();
    });
  }

  /**
   * An operator action before the orchestrator's `start()` has reached this
   * agent applies to that pending start, at once: `disable()` cancels it (the
   * agent stays disabled until `enable()`); `enable()` and `restart()` make
   * the agent start once, in its turn (even when the config disables it).
   * Nothing starts ahead of its turn and no restart is counted.
   */
  #beforeStart(action: "enable" | "disable" | "restart"): Promise<void> {
    const name = this.name;
    if (action === "disable") {
      this.#startWanted = false;
      if (this.#state !== "disabled") {
        this.#setState("disabled");
        this.#log.info({ agent: name, reason: "operator" }, `agent "${name}" disabled by the operator before start() reached it: it will not start`);
        this.#host.emit("agent:disabled", { agent: name, reason: "operator" });
      }
      return Promise.resolve();
    }
    this.#startWanted = true;
    if (this.#state === "disabled") this.#setState("stopped");
    this.#log.info({ agent: name, reason: "operator" }, `agent "${name}": ${action}() before start() reached it; it starts once, in its turn`);
    return Promise.resolve();
  }

  /** Run `action` after the operator action in progress, if any; at once otherwise. */
  #serialize(action: () => Promise<void>): Promise<void> {
    const previous = this.#operation;
    const result = previous === undefined ? action() : previous.then(action);
    const done: Promise<void> = result.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      if (this.#operation === done) this.#operation = undefined;
    });
    this.#operation = done;
    return result;
  }

  /** Start an incarnation without waiting for its `start()` (an operator action must not wait on it). */
  #launchInBackground(): void {
    this.launch().catch((error: unknown) => this.#log.error({ agent: this.name, err: error }, `agent "${this.name}" could not be launched: ${describeThrown(error)}`));
  }

  /** Cancel a pending restart (shutdown has begun). */
  cancelRestart(): void {
    this.#clearRestart();
  }

  /**
   * Turn a crash of `inc` into one decision. Ordered so that nothing about the
   * thrown value can skip the decision: it is described by a total function,
   * the bookkeeping comes next, reporting (log line, `agent:crash`) cannot throw
   * past its guard, and the decision (restart, disable, escalate, fail-stop)
   * always follows.
   */
  #crash(inc: Incarnation, reason: CrashReason, error: unknown): void {
    if (inc !== this.#incarnation || inc.ended) return;
    const host = this.#host;
    const name = this.#agent.name;
    const now = host.clock.now();
    const stable = inc.runningSince !== undefined && now - inc.startedAt >= host.settings.resetAfter;
    this.#incarnation = undefined;
    inc.dispose(error).catch(() => undefined);

    this.counters.crashes[reason]++;
    this.#crashes++;
    const message = describeThrown(error);
    this.#lastError = message;
    this.#history.push({ at: now, error: message });
    if (this.#history.length > HISTORY) this.#history.shift();
    try {
      this.#log.error({ agent: name, reason, err: error }, `agent "${name}" crashed (${reason}): ${message}`);
      host.emit("agent:crash", { agent: name, reason, error, crashes: this.#crashes });
    } catch {
      // reporting a crash must never keep it from being handled
    }
    this.#decide(name, error, stable, now);
  }

  /** Restart after back-off, disable, escalate or fail-stop, per the group's policy. */
  #decide(name: string, error: unknown, stable: boolean, now: number): void {
    const host = this.#host;
    if (host.stopping()) {
      this.#setState("stopped");
      return;
    }
    const group = this.#agent.group;
    if (group.restart.kind === "fail-stop") {
      this.#setState("failed");
      host.failStop(name, error);
      return;
    }
    if (stable) {
      this.#attempt = 0;
      this.#streak = 0;
    }
    this.#streak++;
    const inWindow = this.#window.record(now);
    if (group.restart.kind === "max" && this.#restartsSinceEnable >= group.restart.max) {
      this.#disableByRule("restart-limit");
    } else if (inWindow > group.crashLoop.maxCrashes) {
      this.#disableByRule("crash-loop");
    } else {
      if (this.#streak === group.escalateAfter) this.#escalate("consecutive-failures", false);
      this.#scheduleRestart();
    }
  }

  #scheduleRestart(): void {
    const host = this.#host;
    const delay = backoffDelay(this.#attempt, host.settings.backoff, host.random);
    this.#attempt++;
    const at = host.clock.now() + delay;
    this.#nextRestartAt = at;
    this.#setState("backoff");
    const attempt = this.#attempt;
    this.#log.warn({ agent: this.name, delay, attempt }, `agent "${this.name}" restarts in ${formatDuration(delay)} (back-off, attempt ${attempt})`);
    host.emit("agent:restart", { agent: this.name, delay, at, attempt, reason: "crash" });
    this.#restartTimer = host.clock.setTimeout(() => {
      this.#restartTimer = undefined;
      this.#nextRestartAt = undefined;
      if (host.stopping()) return;
      this.#restartsSinceEnable++;
      this.#restarts++;
      this.counters.restarts++;
      this.#log.info({ agent: this.name, attempt }, `agent "${this.name}" restarting (attempt ${attempt})`);
      void this.launch();
    }, delay);
  }

  #disableByRule(reason: EscalationReason): void {
    this.#setState("disabled");
    const { crashLoop } = this.#agent.group;
    const why =
      reason === "restart-limit"
        ? `reaching its group's restart limit (${this.#restartsSinceEnable} restart${this.#restartsSinceEnable === 1 ? "" : "s"})`
        : `a crash loop (more than ${crashLoop.maxCrashes} crashes within ${formatDuration(crashLoop.within)})`;
    this.#log.warn({ agent: this.name, reason }, `agent "${this.name}" disabled after ${why}; enable("${this.name}") starts it again`);
    this.#host.emit("agent:disabled", { agent: this.name, reason });
    this.#escalate(reason, true);
  }

  #escalate(reason: EscalationReason, disabled: boolean): void {
    this.counters.escalations[reason]++;
    this.#host.escalate({ agent: this.name, reason, disabled, crashes: [...this.#history] });
  }

  #watchHeartbeat(inc: Incarnation): void {
    const timeout = this.#agent.heartbeatTimeout;
    if (timeout === undefined) return;
    const clock = this.#host.clock;
    const name = this.#agent.name;
    const check = (): void => {
      if (inc.ended) return;
      const idle = clock.now() - inc.lastBeat;
      if (idle >= timeout) {
        this.#crash(
          inc,
          "hung",
          new AgentError("AGENT_HUNG", name, `agent "${name}": no heartbeat for ${formatDuration(idle)} (heartbeatTimeout ${formatDuration(timeout)})`),
        );
      } else {
        inc.clock.setTimeout(check, timeout - idle);
      }
    };
    inc.clock.setTimeout(check, timeout);
  }

  #clearRestart(): void {
    if (this.#restartTimer !== undefined) {
      this.#host.clock.clearTimeout(this.#restartTimer);
      this.#restartTimer = undefined;
    }
    this.#nextRestartAt = undefined;
  }

  #setState(state: AgentState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#host.emit("agent:state", { agent: this.name, state, previous });
  }
}

function childLogger(logger: Logger, agent: string): Logger {
  return {
    debug: (fields, message) => logger.debug({ agent, ...fields }, message),
    info: (fields, message) => logger.info({ agent, ...fields }, message),
    warn: (fields, message) => logger.warn({ agent, ...fields }, message),
    error: (fields, message) => logger.error({ agent, ...fields }, message),
  };
}
