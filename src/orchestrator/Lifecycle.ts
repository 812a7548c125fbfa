import { LifecycleError } from "../errors/LifecycleError.js";
import { nextState, STATE_TRAITS, type LifecycleEvent, type LifecycleState } from "./lifecycleTable.js";
import type { OrchestratorPhase } from "./OrchestratorPhase.js";

/** The critical agent whose crash stopped the orchestrator (or the critical group that failed), and its error. */
export interface FailStop {
  /** The agent that crashed (for a group, the agent whose crash failed it). */
  readonly agent: string;
  /** What it crashed with (for a group, the error that names the group and the agent's crash). */
  readonly error: unknown;
  /** The critical group whose failure at the top of the supervision tree stopped the orchestrator; absent when an agent's own crash did. */
  readonly group?: string;
}

/**
 * The orchestrator's lifecycle: one state, moved only by the named
 * transitions of the table in `lifecycleTable.ts`. A transition that is not
 * legal in the current state is refused: it returns `false` and the state
 * stays (a fail-stop during a shutdown, a second `shutdown()`).
 */
export class Lifecycle {
  #state: LifecycleState = "idle";
  #failure: FailStop | undefined;
  #hasStarted = false;

  /** The current state. */
  get state(): LifecycleState {
    return this.#state;
  }

  /** The public phase of the current state. */
  get phase(): OrchestratorPhase {
    return STATE_TRAITS[this.#state].phase;
  }

  /** Shutdown has begun or is over (a fail-stop included). */
  get stopping(): boolean {
    return STATE_TRAITS[this.#state].stopping;
  }

  /** The liveness loop keeps ticking. */
  get loopAlive(): boolean {
    return STATE_TRAITS[this.#state].loop;
  }

  /** `listen()` may open listeners now. */
  get listenable(): boolean {
    return STATE_TRAITS[this.#state].listen;
  }

  /** The fail-stop that stopped the orchestrator, once there was one. */
  get failure(): FailStop | undefined {
    return this.#failure;
  }

  /** `start()`: idle → starting; otherwise throws `ALREADY_STARTED` or `SHUT_DOWN`. */
  start(): void {
    if (this.#move("start")) return;
    if (this.#state === "starting" || this.#state === "running") throw new LifecycleError("ALREADY_STARTED", "start() called twice");
    throw new LifecycleError("SHUT_DOWN", "start() after shutdown: an orchestrator runs once; create a new one");
  }

  /** `start()` has resolved, at some time: true from then on, through a fail-stop and a shutdown (the startup probe). */
  get hasStarted(): boolean {
    return this.#hasStarted;
  }

  /** Every agent has had its turn: starting → running. */
  started(): boolean {
    if (!this.#move("started")) return false;
    this.#hasStarted = true;
    return true;
  }

  /** A module failed to load: starting (or stopping) → stopped. */
  startFailed(): boolean {
    return this.#move("startFailed");
  }

  /** `shutdown()`: idle → stopped, starting/running → stopping, failed → closing. */
  shutdown(): boolean {
    return this.#move("shutdown");
  }

  /** A critical agent crashed: starting/running → failed, keeping the failure. Refused once stopping. */
  failStop(failure: FailStop): boolean {
    if (!this.#move("failStop")) return false;
    this.#failure = failure;
    return true;
  }

  /** The stop sequence and the listeners' close have ended: stopping/closing → stopped. */
  finished(): boolean {
    return this.#move("finished");
  }

  #move(event: LifecycleEvent): boolean {
    const next = nextState(this.#state, event);
    if (next === undefined) return false;
    this.#state = next;
    return true;
  }
}
