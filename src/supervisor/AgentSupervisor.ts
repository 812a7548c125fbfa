import type { Agent, AgentClass } from "../agent/Agent.js";
import type { ResolvedGroup } from "../config/ResolvedConfig.js";
import { isThenable } from "../check.js";
import { AgentError } from "../errors/AgentError.js";
import { describeThrown } from "../errors/describeThrown.js";
import { isoTime } from "../isoTime.js";
import { AgentCounters, type CrashReason } from "../stats/AgentCounters.js";
import { AgentLogger } from "./AgentLogger.js";
import type { AgentState, AgentStatus } from "./AgentStatus.js";
import { CrashHandler } from "./CrashHandler.js";
import type { GroupMember, GroupPort } from "./tree/GroupMember.js";
import { Incarnation } from "./Incarnation.js";
import { AgentOperations, type OperatedAgent, type StopState } from "./AgentOperations.js";
import { startIncarnation } from "./startIncarnation.js";
import { stopIncarnation, stopWithin } from "./stopIncarnation.js";
import { parkLaunch } from "./tree/DependencyGate.js";
import type { SupervisedAgent, SupervisorHost } from "./SupervisorHost.js";
import type { PlacedAgent } from "../lease/PlacementGate.js";
import { watchHeartbeat } from "./watchHeartbeat.js";

/** What a start that is over at once resolves with. */
const DONE: Promise<void> = Promise.resolve();

/**
 * The per-agent state machine: starts incarnations, hands every kind of crash
 * to its {@link CrashHandler} (restart after back-off, disable, escalate,
 * fail-stop), takes operator actions one after the other and stops the agent
 * with a deadline. As a {@link GroupMember} its group's supervisor (only for
 * a group with a strategy or an intensity) decides its restarts and stops and
 * starts it with its siblings; with a launch gate on the host, a launch waits
 * for the agent's dependencies.
 */
export class AgentSupervisor implements GroupMember, PlacedAgent {
  /** The agent's counters: the one source of its crash and restart counts. */
  readonly counters = new AgentCounters();
  readonly #host: SupervisorHost;
  readonly #agent: SupervisedAgent;
  readonly #log: AgentLogger;
  /** Made at the first crash: an agent that never crashes needs no crash bookkeeping. */
  #crashes: CrashHandler | undefined;
  /** Made at the first operator or group action (it keeps the restart time shown while its group holds the agent stopped). */
  #operations: AgentOperations | undefined;
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

  /** The crash handler, made on first use (at the first crash, or when the agent joins a supervising group). */
  get #crashHandler(): CrashHandler {
    this.#crashes ??= new CrashHandler(this.#agent, this.#host, this.#log, this.counters, {
      setState: (state) => this.#setState(state),
      launch: () => this.#launchInBackground(),
    });
    return this.#crashes;
  }

  /** The operator and group actions, made on first use. */
  get #ops(): AgentOperations {
    this.#operations ??= new AgentOperations(this.#operated());
    return this.#operations;
  }

  /** This supervisor as {@link AgentOperations} drives it. */
  #operated(): OperatedAgent {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getters below read this supervisor's private fields
    const self = this;
    return {
      name: this.#agent.name,
      group: this.#agent.group.name,
      host: this.#host,
      log: this.#log,
      counters: this.counters,
      get state() { return self.#state; },
      get pendingStart() { return self.#pendingStart; },
      get hasIncarnation() { return self.#incarnation !== undefined; },
      get crashes() { return self.#crashes; },
      setState: (state) => this.#setState(state),
      wantStart: (wanted) => void (this.#startWanted = wanted),
      stop: (finalState) => this.stop(finalState),
      launch: () => this.#launchCaught(),
    };
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
    const nextRestartAt = crashes?.nextRestartAt ?? this.#operations?.groupRestartAt;
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
    const operations = this.#operations;
    if (operations !== undefined) operations.groupRestartAt = undefined;
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
    if (this.#agent.singleton === true && host.placement?.holds(name) !== true) {
      // a singleton runs only on the replica holding its lease: here it waits in standby
      this.#setState("standby");
      return undefined;
    }
    const gate = host.gate;
    if (gate !== undefined && parkLaunch(gate, name, this.#log, () => this.#launchInBackground())) return undefined;
    const inc = new Incarnation(++this.#incarnations, name, host.clock, host.bus, this.counters, this, this.#agent.singleton === true ? host.placement?.lease(name) : undefined);
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
  async stop(finalState: StopState, deadline = this.#host.settings.stopTimeout): Promise<void> {
    this.#crashes?.cancelRestart();
    const operations = this.#operations;
    if (finalState !== "backoff" && operations !== undefined) operations.groupRestartAt = undefined;
    this.#host.gate?.unpark(this.#agent.name);
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
  async #stopGracefully(inc: Incarnation, finalState: StopState, deadline: number): Promise<void> {
    this.#setState("stopping");
    await stopIncarnation(inc, deadline, { agent: this.name, group: this.#agent.group.name, host: this.#host, log: this.#log, counters: this.counters });
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
    return this.#ops.enable();
  }

  /** Operator: stop the agent and keep it down until `enable()` (after any operator action still under way). */
  disable(): Promise<void> {
    return this.#ops.disable();
  }

  /**
   * Operator: stop the current incarnation (if any) and start a fresh one now,
   * without back-off (after any operator action still under way). Starts
   * nothing once shutdown has begun.
   */
  restart(): Promise<void> {
    return this.#ops.restart();
  }

  /** Takes no part in a group restart: disabled, failed, a singleton in standby, or its first start still pending. */
  get idle(): boolean {
    return this.#pendingStart || this.#state === "disabled" || this.#state === "failed" || this.#state === "standby";
  }

  /** {@link PlacedAgent.groupName}. */
  get groupName(): string {
    return this.#agent.group.name;
  }

  /** {@link PlacedAgent.wantsLease}: in `standby`, with every dependency running. */
  get wantsLease(): boolean {
    return this.#state === "standby" && (this.#host.gate?.missing(this.#agent.name).length ?? 0) === 0;
  }

  /** {@link PlacedAgent.leaseAcquired}: this replica holds the singleton's lease now; launch it (unless its first start is still pending). */
  leaseAcquired(): void {
    if (this.#pendingStart || this.#state !== "standby") return;
    this.#launchInBackground();
  }

  /**
   * {@link PlacedAgent.leaseEnded}: the lease is lost or given up; stop within
   * `deadline` ms and wait in `standby`. A stop already under way (an
   * operator's, a group's, the shutdown's) is not given longer than the
   * lease: past `deadline` its incarnation is abandoned (its bus view closed,
   * its signal aborted) while that stop ends as it would.
   */
  async leaseEnded(deadline: number): Promise<void> {
    const running = this.#stopping;
    if (running !== undefined) {
      const clock = this.#host.clock;
      const started = clock.now();
      if ((await stopWithin(running, deadline, clock)) === "timeout") {
        const inc = this.#incarnation;
        if (inc !== undefined) await inc.dispose(new AgentError("AGENT_FAILED", this.name, `agent "${this.name}" lost its lease while stopping; abandoned`));
        return;
      }
      deadline = Math.max(0, deadline - (clock.now() - started));
    }
    return this.stop("standby", deadline);
  }

  /** {@link GroupMember.stopFor}: stop for a restart of its group, ending in `backoff` (queued after operator actions). */
  stopFor(nextRestartAt: number): Promise<void> {
    return this.#ops.stopFor(nextRestartAt);
  }

  /** {@link GroupMember.startFor}: start again for a restart of `group` (queued after operator actions). */
  startFor(group: string, crashed: boolean): Promise<void> {
    return this.#ops.startFor(group, crashed);
  }

  /** {@link GroupMember.disableFor}: `group` failed at the top of the tree; stop and disable (queued after operator actions). */
  disableFor(group: string): Promise<void> {
    return this.#ops.disableFor(group);
  }

  /** {@link GroupMember.joinGroup}: its group's supervisor decides its restarts from now on. */
  joinGroup(port: GroupPort): void {
    // only an agent of a supervising group pays for its port: on its crash handler, made now
    this.#crashHandler.group = port;
  }

  /** Start an incarnation without waiting for its `start()` (an operator action or a restart after back-off must not wait on it). */
  #launchInBackground(): void {
    void this.#launchCaught();
  }

  /** {@link AgentSupervisor.#launch} with a failure to launch logged: the promise never rejects. */
  #launchCaught(): Promise<void> | undefined {
    try {
      return this.#launch()?.catch((error: unknown) => this.#launchFailed(error));
    } catch (error) {
      this.#launchFailed(error);
      return undefined;
    }
  }


  #launchFailed(error: unknown): void {
    this.#log.error({ agent: this.name, err: error }, `agent "${this.name}" could not be launched: ${describeThrown(error)}`);
  }

  /** Cancel a pending restart and a launch waiting for dependencies (shutdown has begun). */
  cancelRestart(): void {
    this.#crashes?.cancelRestart();
    this.#host.gate?.unpark(this.#agent.name);
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
    const host = this.#host;
    if (host.listens("agent:state")) host.emit("agent:state", { agent: this.#agent.name, group: this.#agent.group.name, state, previous });
    host.gate?.stateChanged(this.#agent.name, state);
    if (this.#agent.singleton === true) host.placement?.stateChanged(this.#agent.name, state);
  }
}
