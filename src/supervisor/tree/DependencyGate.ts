import type { AgentLogger } from "../AgentLogger.js";
import type { AgentState } from "../AgentStatus.js";

/**
 * Holds back the launches of agents whose dependencies are not all running.
 * An {@link AgentSupervisor} asks it through `SupervisorHost.gate` before
 * every launch (first start, restart after back-off, group restart, operator
 * enable or restart); without a gate nothing is asked.
 */
export interface LaunchGate {
  /** The dependencies of `agent` that are not running now (empty: it may launch). */
  missing(agent: string): readonly string[];
  /** Call `launch` once every dependency of `agent` is running; replaces a launch of `agent` parked before. */
  park(agent: string, launch: () => void): void;
  /** Forget the parked launch of `agent`, if any (it was stopped, disabled, or launched otherwise). */
  unpark(agent: string): void;
  /** `agent` moved to `state`: a dependency that is now running releases the launches waiting only on it. */
  stateChanged(agent: string, state: AgentState): void;
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * A dependency in this state lets its dependents start: `running`, or a
 * singleton in `standby` (it runs on the replica holding its lease, and its
 * dependents here reach it over the networked bus).
 */
function satisfies(state: AgentState | undefined): boolean {
  return state === "running" || state === "standby";
}

/**
 * The {@link LaunchGate} of `dependsOn`: a launch waits until every agent it
 * depends on is `running` (or, for a singleton, in `standby`: it runs on another replica), then fires once (in a microtask, after the state
 * change that released it). Dependents are never stopped because a
 * dependency crashed; only their next launch waits.
 *
 * @example
 * const gate = new DependencyGate(new Map([["api", ["db"]]]), (name) => roster.find(name)?.state);
 * gate.missing("api"); // → ["db"] until db runs
 */
export class DependencyGate implements LaunchGate {
  readonly #dependsOn: ReadonlyMap<string, readonly string[]>;
  readonly #stateOf: (agent: string) => AgentState | undefined;
  /** dependency → the agents depending on it. */
  readonly #dependents = new Map<string, string[]>();
  readonly #parked = new Map<string, () => void>();
  /** Launches released, waiting for their microtask: an `unpark()` or `park()` before it cancels them. */
  readonly #released = new Map<string, () => void>();

  /**
   * @param dependsOn each agent's dependencies (agents without any may be left out).
   * @param stateOf the current state of an agent; `undefined` for an unknown one (which never runs).
   */
  constructor(dependsOn: ReadonlyMap<string, readonly string[]>, stateOf: (agent: string) => AgentState | undefined) {
    this.#dependsOn = dependsOn;
    this.#stateOf = stateOf;
    for (const [agent, dependencies] of dependsOn) {
      for (const dependency of dependencies) {
        const list = this.#dependents.get(dependency);
        if (list === undefined) this.#dependents.set(dependency, [agent]);
        else list.push(agent);
      }
    }
  }

  missing(agent: string): readonly string[] {
    const dependencies = this.#dependsOn.get(agent);
    if (dependencies === undefined || dependencies.length === 0) return NONE;
    const missing = dependencies.filter((dependency) => !satisfies(this.#stateOf(dependency)));
    return missing.length === 0 ? NONE : missing;
  }

  park(agent: string, launch: () => void): void {
    this.#released.delete(agent);
    this.#parked.set(agent, launch);
  }

  unpark(agent: string): void {
    this.#released.delete(agent);
    this.#parked.delete(agent);
  }

  /** The agents whose launch is parked, in the order they were parked (for logs and tests). */
  parked(): string[] {
    return [...this.#parked.keys()];
  }

  stateChanged(agent: string, state: AgentState): void {
    if (!satisfies(state) || this.#parked.size === 0) return;
    const dependents = this.#dependents.get(agent);
    if (dependents === undefined) return;
    for (const dependent of dependents) {
      const launch = this.#parked.get(dependent);
      if (launch === undefined || this.missing(dependent).length > 0) continue;
      this.#parked.delete(dependent);
      this.#released.set(dependent, launch);
      // after the dependency's own transition has finished: no launch inside another agent's state change
      queueMicrotask(() => {
        if (this.#released.get(dependent) !== launch) return; // unparked or parked again since
        this.#released.delete(dependent);
        launch();
      });
    }
  }
}

/**
 * Ask `gate` whether `agent` may launch now: when a dependency is not
 * running, park `launch` until they all are, log which ones it waits for and
 * return true; otherwise forget any launch parked before and return false.
 */
export function parkLaunch(gate: LaunchGate, agent: string, log: AgentLogger, launch: () => void): boolean {
  const missing = gate.missing(agent);
  if (missing.length === 0) {
    gate.unpark(agent);
    return false;
  }
  gate.park(agent, launch);
  const list = missing.map((dependency) => `"${dependency}"`).join(", ");
  log.warn({ agent, waitingFor: missing }, `agent "${agent}" waits for ${list} to be running before it starts`);
  return true;
}
