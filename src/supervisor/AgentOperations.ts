import type { AgentCounters } from "../stats/AgentCounters.js";
import type { AgentLogger } from "./AgentLogger.js";
import type { AgentState } from "./AgentStatus.js";
import type { CrashHandler } from "./CrashHandler.js";
import { OperatorQueue } from "./OperatorQueue.js";
import type { SupervisorHost } from "./SupervisorHost.js";

/** The states a graceful stop can end in. */
export type StopState = "stopped" | "disabled" | "backoff" | "standby";

/** What {@link AgentOperations} drives in its {@link AgentSupervisor}. */
export interface OperatedAgent {
  readonly name: string;
  /** The agent's own group's name (in its events). */
  readonly group: string;
  readonly host: SupervisorHost;
  readonly log: AgentLogger;
  readonly counters: AgentCounters;
  readonly state: AgentState;
  /** The orchestrator's `start()` has not reached the agent yet. */
  readonly pendingStart: boolean;
  /** An incarnation is set (live, or ended and not yet released by a stop). */
  readonly hasIncarnation: boolean;
  /** The crash handler, once the agent has crashed. */
  readonly crashes: CrashHandler | undefined;
  setState(state: AgentState): void;
  /** Whether the pending start should start the agent even when the config disables it. */
  wantStart(wanted: boolean): void;
  stop(finalState: StopState): Promise<void>;
  /** Start an incarnation; the promise (never rejecting: a failure is logged) settles with its `start()`; `undefined` when nothing to wait for. */
  launch(): Promise<void> | undefined;
}

/**
 * The actions taken on one agent from outside its crash handling, one after
 * the other: an operator's `enable()`, `disable()`, `restart()`, and its
 * group's stop, start and disable. Each waits for the one in progress (a
 * `disable()` issued while a `restart()` is still stopping the agent runs
 * after it), so a later action is never undone by an earlier one.
 */
export class AgentOperations {
  /** The restart time the agent shows while its group holds it stopped (`undefined`: none); kept here, made only for an agent some action reached. */
  groupRestartAt: number | undefined = undefined;
  readonly #agent: OperatedAgent;
  readonly #queue = new OperatorQueue();

  constructor(agent: OperatedAgent) {
    this.#agent = agent;
  }

  /** See `AgentSupervisor.enable`. */
  enable(): Promise<void> {
    const agent = this.#agent;
    if (agent.pendingStart) return this.#beforeStart("enable");
    return this.#queue.run(async () => {
      agent.crashes?.reset();
      if (agent.state === "running" || agent.state === "starting" || agent.state === "stopping") return;
      agent.log.info({ agent: agent.name }, `agent "${agent.name}" enabled: crash window, failure streak and back-off cleared; starting`);
      void agent.launch();
    });
  }

  /** See `AgentSupervisor.disable`. */
  disable(): Promise<void> {
    const agent = this.#agent;
    if (agent.pendingStart) return this.#beforeStart("disable");
    return this.#queue.run(async () => {
      if (agent.state === "disabled") return;
      await agent.stop("disabled");
      agent.log.info({ agent: agent.name, reason: "operator" }, `agent "${agent.name}" disabled by the operator`);
      agent.host.emit("agent:disabled", { agent: agent.name, group: agent.group, reason: "operator" });
    });
  }

  /** See `AgentSupervisor.restart`. */
  restart(): Promise<void> {
    const agent = this.#agent;
    if (agent.pendingStart) return this.#beforeStart("restart");
    const host = agent.host;
    return this.#queue.run(async () => {
      if (host.stopping()) return;
      if (agent.hasIncarnation) await agent.stop("stopped");
      if (host.stopping()) return;
      agent.counters.restarts++;
      agent.log.info({ agent: agent.name, reason: "operator" }, `agent "${agent.name}" restarting (operator restart, no back-off)`);
      host.emit("agent:restart", { agent: agent.name, group: agent.group, delay: 0, at: host.clock.now(), attempt: agent.crashes?.attempt ?? 0, reason: "operator" });
      void agent.launch();
    });
  }

  /** The group stops the agent for a restart: it ends in `backoff`, showing `nextRestartAt`. */
  stopFor(nextRestartAt: number): Promise<void> {
    const agent = this.#agent;
    if (agent.pendingStart) return Promise.resolve();
    return this.#queue.run(async () => {
      // a singleton in standby runs on another replica: nothing to stop here
      if (agent.host.stopping() || agent.state === "disabled" || agent.state === "failed" || agent.state === "standby") return;
      this.groupRestartAt = nextRestartAt;
      await agent.stop("backoff");
    });
  }

  /** The group starts the agent again (if still in `backoff`); counted unless `crashed`. */
  startFor(byGroup: string, crashed: boolean): Promise<void> {
    const agent = this.#agent;
    if (agent.pendingStart) return Promise.resolve();
    const host = agent.host;
    let started: Promise<void> | undefined;
    return this.#queue
      .run(async () => {
        if (host.stopping() || agent.state !== "backoff") return;
        this.groupRestartAt = undefined;
        const name = agent.name;
        if (crashed && agent.crashes !== undefined) {
          agent.crashes.countRestart();
        } else {
          agent.counters.restarts++;
          agent.log.info({ agent: name, group: byGroup, reason: "group" }, `agent "${name}" restarting with its group "${byGroup}"`);
          if (host.listens("agent:restart")) {
            host.emit("agent:restart", { agent: name, delay: 0, at: host.clock.now(), attempt: agent.crashes?.attempt ?? 0, reason: "group", group: agent.group, byGroup });
          }
        }
        started = agent.launch();
      })
      .then(() => started);
  }

  /** The group failed at the top of the tree: stop and disable the agent. */
  disableFor(group: string): Promise<void> {
    const agent = this.#agent;
    const name = agent.name;
    const disabled = (): void => {
      agent.log.warn({ agent: name, group, reason: "group-intensity" }, `agent "${name}" disabled: its group "${group}" went over its restart intensity`);
      agent.host.emit("agent:disabled", { agent: name, group: agent.group, reason: "group-intensity" });
    };
    if (agent.pendingStart) {
      agent.wantStart(false);
      if (agent.state !== "disabled") {
        agent.setState("disabled");
        disabled();
      }
      return Promise.resolve();
    }
    return this.#queue.run(async () => {
      if (agent.state === "disabled") return;
      await agent.stop("disabled");
      disabled();
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
    const agent = this.#agent;
    const name = agent.name;
    if (action === "disable") {
      agent.wantStart(false);
      if (agent.state !== "disabled") {
        agent.setState("disabled");
        agent.log.info({ agent: name, reason: "operator" }, `agent "${name}" disabled by the operator before start() reached it: it will not start`);
        agent.host.emit("agent:disabled", { agent: name, group: agent.group, reason: "operator" });
      }
      return Promise.resolve();
    }
    agent.wantStart(true);
    if (agent.state === "disabled") agent.setState("stopped");
    agent.log.info({ agent: name, reason: "operator" }, `agent "${name}": ${action}() before start() reached it; it starts once, in its turn`);
    return Promise.resolve();
  }
}
