import type { OrchestratorPhase } from "./OrchestratorPhase.js";

/**
 * The orchestrator's lifecycle state. Every public {@link OrchestratorPhase},
 * plus `closing`: a fail-stop whose `shutdown()` has been asked for (public
 * phase `failed` until the shutdown completes, but no longer open to `listen()`).
 */
export type LifecycleState = OrchestratorPhase | "closing";

/**
 * What moves the lifecycle:
 * - `start`: `start()` was called;
 * - `started`: every agent has had its turn, the triggers are armed;
 * - `startFailed`: `start()` failed before any agent started (a module did not load);
 * - `shutdown`: `shutdown()` was called;
 * - `failStop`: a critical agent crashed;
 * - `finished`: the stop sequence and the listeners' close have ended.
 */
export type LifecycleEvent = "start" | "started" | "startFailed" | "shutdown" | "failStop" | "finished";

/** What each state allows besides its transitions. */
export interface StateTraits {
  /** The phase `orch.phase`, health and metrics show. */
  readonly phase: OrchestratorPhase;
  /** Shutdown has begun (or is over): operator calls and `schedule()` are refused, agents stop for good. */
  readonly stopping: boolean;
  /** The liveness loop keeps ticking. */
  readonly loop: boolean;
  /** `listen()` may open listeners (`shutdown()` would close them). */
  readonly listen: boolean;
}

/** The traits of every state. */
export const STATE_TRAITS: Readonly<Record<LifecycleState, StateTraits>> = Object.freeze({
  idle: { phase: "idle", stopping: false, loop: true, listen: true },
  starting: { phase: "starting", stopping: false, loop: true, listen: true },
  running: { phase: "running", stopping: false, loop: true, listen: true },
  stopping: { phase: "stopping", stopping: true, loop: false, listen: false },
  failed: { phase: "failed", stopping: true, loop: true, listen: true },
  closing: { phase: "failed", stopping: true, loop: true, listen: false },
  stopped: { phase: "stopped", stopping: true, loop: false, listen: false },
});

/**
 * Every legal transition: `TRANSITIONS[state][event]` is the next state. An
 * event missing from a state's row is refused there (the state stays).
 * `startFailed` is legal from `stopping` too: a `shutdown()` called while the
 * modules load does not keep a failed load from settling `closed` as failed.
 */
export const TRANSITIONS: Readonly<Record<LifecycleState, Partial<Record<LifecycleEvent, LifecycleState>>>> = Object.freeze({
  idle: { start: "starting", shutdown: "stopped" },
  starting: { started: "running", startFailed: "stopped", shutdown: "stopping", failStop: "failed" },
  running: { shutdown: "stopping", failStop: "failed" },
  stopping: { startFailed: "stopped", finished: "stopped" },
  failed: { shutdown: "closing" },
  closing: { finished: "stopped" },
  stopped: {},
});

/** The state `event` leads to from `state`, or `undefined` when the transition is not legal. */
export function nextState(state: LifecycleState, event: LifecycleEvent): LifecycleState | undefined {
  return TRANSITIONS[state][event];
}
