import type { Agent, AgentClass } from "../agent/Agent.js";
import type { ResolvedGroup } from "../config/ResolvedConfig.js";
import { isThenable } from "../check.js";
import { describeThrown } from "../errors/describeThrown.js";
import { isoTime } from "../isoTime.js";
import { AgentCounters, type CrashReason } from "../stats/AgentCounters.js";
import { AgentLogger } from "./AgentLogger.js";
import type { AgentState, AgentStatus } from "./AgentStatus.js";
import { CrashHandler } from "./CrashHandler.js";
import { Incarnation } from "./Incarnation.js";
import { OperatorQueue } from "./OperatorQueue.js";
import { startIncarnation } from "./startIncarnation.js";
import { stopIncarnation } from "./stopIncarnation.js";
import type { SupervisedAgent, SupervisorHost } from "./SupervisorHost.js";
import { watchHeartbeat } from "./watchHeartbeat.js";

/** What a start that is over at once resolves with. */
const DONE: Promise<void> = Promise.resolve();

/**
 * The per-agent state machine: starts incarnations, hands every kind of crash
 * to its {@link CrashHandler} (restart after back-off, disable, escalate,
 * fail-stop), takes operator actions one after the other and stops the agent
 * with a deadline.
 */
export class AgentSupervisor {
  /** The agent's counters: the one source of its crash and restart counts. */
  readonly counters = new AgentCounters();
  readonly #host: SupervisorHost;
  readonly #agent: SupervisedAgent;
  readonly #log: AgentLogger;
  /** Made at the first crash: an agent that never crashes needs no crash bookkeeping. */
  #crashes: CrashHandler | undefined;
  /** Made at the first operator action. */
  #operations: OperatorQueue | undefined;
  #state: AgentState = "stopped";
  #incarnation: Incarnation | undefined;
  #incarnations = 0;
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
    this.#log = new AgentLogger(host.logger, agent.name);
  }

  /** The crash handler, made on first use. */
  get #crashHandler(): CrashHandler {
    this.#crashes ??= new CrashHandler(this.#agent, this.#host, this.#log, this.counters, {
      setState: (state) => this.#setState(state),
      launch: () => this.#launchInBackground(),
    });
    return this.#crashes;
  }

  /** The operator queue, made on first use. */
  get #queue(): OperatorQueue {
    return (this.#operations ??= new OperatorQueue());
  }

  /** The agent's registered name. */
  get name(): string {
    return this.#agent.name;
  }

  /** The agent's class. */
  get agentClass(): AgentClass {
    return this.#agent.agentClass;
  }

  /** The agent's group (its restart policy). */
  get group(): ResolvedGroup {
    return this.#agent.group;
  }

  /** Where the agent is in its life. */
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

  /** A snapshot for `orch.agent(name)`, with the times also as ISO strings; `nextTriggerAt` comes from the scheduler. */
  status(nextTriggerAt?: number): AgentStatus {
    const status = this.snapshot(nextTriggerAt);
    const { lastCrashAt, nextRestartAt } = status;
    return {
      ...status,
      ...(lastCrashAt === undefined ? {} : { lastCrashAtIso: isoTime(lastCrashAt) }),
      ...(nextRestartAt === undefined ? {} : { nextRestartAtIso: isoTime(nextRestartAt) }),
      ...(nextTriggerAt === undefined ? {} : { nextTriggerAtIso: isoTime(nextTriggerAt) }),
    };
  }

  /** The status with its times as numbers only: what health and metrics read on every scrape. */
  snapshot(nextTriggerAt?: number): AgentStatus {
    const crashes = this.#crashes;
    const lastError = crashes?.lastError;
    const lastCrashAt = crashes?.lastCrashAt;
    const lastCrashReason = crashes?.lastReason;
    const nextRestartAt = crashes?.nextRestartAt;
    return {
      name: this.#agent.name,
      group: this.#agent.group.name,
      path: this.#agent.group.path,
      state: this.#state,
      restarts: this.counters.restarts,
      crashes: this.counters.totalCrashes,
      ...(lastError === undefined ? {} : { lastError }),
      ...(lastCrashAt === undefined ? {} : { lastCrashAt }),
      ...(lastCrashReason === undefined ? {} : { lastCrashReason }),
      ...(nextRestartAt === undefined ? {} : { nextRestartAt }),
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
   * before this point overrides the config. Settles as {@link AgentSupervisor.launch};
   * `undefined` when it is over at once (a `start()` that returned without a
   * promise, or nothing to start): the orchestrator awaits only a real promise.
   */
  startInTurn(enabledInConfig: boolean): Promise<void> | undefined {
    if (!this.#pendingStart) return undefined;
    this.#pendingStart = false;
    if (this.#state === "disabled") return undefined;
    if (!enabledInConfig && !this.#startWanted) {
      this.#setState("disabled");
      return undefined;
    }
    return this.#launch();
  }

  /**
   * Start a fresh incarnation. Resolves when its `start()` has settled, or when
   * the incarnation ended first (a crash, a hang past `startTimeout`). Starts
   * nothing while an incarnation is live or once shutdown has begun.
   */
  launch(): Promise<void> {
    try {
      return this.#launch() ?? DONE;
    } catch (error) {
      // what an async launch() did with a throw: reject with it, as it is
      return Promise.reject(error); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors -- the thrown value, unchanged
    }
  }

  /** {@link AgentSupervisor.launch}, with `undefined` when the start is over at once (no promise made). */
  #launch(): Promise<void> | undefined {
    this.#crashes?.cancelRestart();
    const host = this.#host;
    // once shutdown has begun nothing starts again, whatever was in flight when it began
    if (host.stopping()) return undefined;
    const name = this.#agent.name;
    const live = this.#incarnation;
    if (live !== undefined && !live.ended) {
      // never two incarnations side by side: whoever asked for a launch finds one running
      this.#log.error({ agent: name, incarnation: live.number }, `agent "${name}": a launch was asked for while incarnation ${live.number} is live; nothing started`);
      return undefined;
    }
    const inc = new Incarnation(++this.#incarnations, name, host.clock, host.bus, this.counters, this);
    this.#incarnation = inc;
    this.#setState("starting");
    const instance = startIncarnation(inc, { agent: this.#agent, host, log: this.#log });
    if (!isThenable(instance)) {
      this.#running(inc, instance);
      return undefined;
    }
    return instance.then((started) => this.#running(inc, started));
  }

  /** `start()` of `inc` has settled with `instance` (`undefined`: it failed, hung or ended): wire its triggers, it runs. */
  #running(inc: Incarnation, instance: Agent | undefined): void {
    // a crash (or a stop) in the turns between start() resolving and this line ended the incarnation:
    // the crash has been handled; wiring triggers to the dead incarnation would leave a subscription behind
    if (instance === undefined || inc.ended || this.#incarnation !== inc) return;
    const host = this.#host;
    const name = this.#agent.name;
    try {
      host.attachTriggers(name, inc, instance);
    } catch (error) {
      // no trigger can reach this incarnation (the host's bus refused the subscription): a start crash
      this.#crash(inc, "start", error);
      return;
    }
    this.#setState("running");
    const timeout = this.#agent.heartbeatTimeout;
    if (timeout !== undefined) watchHeartbeat(inc, name, timeout, () => host.clock.now(), (error) => inc.crash("hung", error));
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
    this.#crashes?.cancelRestart();
    // a stop already under way (an operator's) keeps its own deadline; this one ends when it does
    while (this.#stopping !== undefined) await this.#stopping;
    const inc = this.#incarnation;
    if (inc === undefined || inc.ended) {
      if (inc !== undefined) await inc.dispose();
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

  /** Stop `inc` within `deadline`, release it, end in `finalState`. */
  async #stopGracefully(inc: Incarnation, finalState: "stopped" | "disabled", deadline: number): Promise<void> {
    this.#setState("stopping");
    await stopIncarnation(inc, deadline, { agent: this.name, host: this.#host, log: this.#log, counters: this.counters });
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
    return this.#queue.run(async () => {
      this.#crashes?.reset();
      if (this.#state === "running" || this.#state === "starting" || this.#state === "stopping") return;
      this.#log.info({ agent: this.name }, `agent "${this.name}" enabled: crash window, failure streak and back-off cleared; starting`);
      this.#launchInBackground();
    });
  }

  /** Operator: stop the agent and keep it down until `enable()` (after any operator action still under way). */
  disable(): Promise<void> {
    if (this.#pendingStart) return this.#beforeStart("disable");
    return this.#queue.run(async () => {
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
    return this.#queue.run(async () => {
      if (this.#host.stopping()) return;
      if (this.#incarnation !== undefined) await this.stop("stopped");
      if (this.#host.stopping()) return;
      this.counters.restarts++;
      this.#log.info({ agent: this.name, reason: "operator" }, `agent "${this.name}" restarting (operator restart, no back-off)`);
      this.#host.emit("agent:restart", { agent: this.name, delay: 0, at: this.#host.clock.now(), attempt: this.#crashes?.attempt ?? 0, reason: "operator" });
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

  /** Start an incarnation without waiting for its `start()` (an operator action or a restart after back-off must not wait on it). */
  #launchInBackground(): void {
    try {
      this.#launch()?.catch((error: unknown) => this.#launchFailed(error));
    } catch (error) {
      this.#launchFailed(error);
    }
  }

  #launchFailed(error: unknown): void {
    this.#log.error({ agent: this.name, err: error }, `agent "${this.name}" could not be launched: ${describeThrown(error)}`);
  }

  /** Cancel a pending restart (shutdown has begun). */
  cancelRestart(): void {
    this.#crashes?.cancelRestart();
  }

  /** A crash of `inc`: release it at once, then let the crash handler count, report and decide. Ignored once `inc` has ended. */
  #crash(inc: Incarnation, reason: CrashReason, error: unknown): void {
    if (inc !== this.#incarnation || inc.ended) return;
    this.#incarnation = undefined;
    inc.release(error);
    this.#crashHandler.crashed(reason, error, inc.runningSince === undefined ? undefined : inc.startedAt);
  }

  #setState(state: AgentState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    if (this.#host.listens("agent:state")) this.#host.emit("agent:state", { agent: this.#agent.name, state, previous });
  }
}
