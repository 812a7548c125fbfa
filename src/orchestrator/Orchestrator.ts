import type { AgentClass } from "../agent/Agent.js";
import type { Bus } from "../bus/Bus.js";
import type { BackfillOptions, BackfillResult } from "./Backfill.js";
import type { GroupControl } from "./GroupControl.js";
import type { TriggerControl } from "./TriggerControl.js";
import type { ScheduleSpec } from "../schedule/ScheduleSpec.js";
import type { AgentStatus } from "../supervisor/AgentStatus.js";
import type { OrchestratorEventName, OrchestratorEvents } from "../supervisor/events.js";
import type { HealthReport } from "../observe/Health.js";
import type { HttpHandler } from "../observe/HttpReply.js";
import type { ListenOptions, Listening } from "../observe/Listeners.js";
import type { StatusHandler } from "../status/StatusRequest.js";
import type { ShutdownOptions, StartOptions } from "./lifecycleOptions.js";
import type { OrchestratorPhase } from "./OrchestratorPhase.js";

/** What `closed` settles with. */
export interface ClosedInfo {
  /** Why it stopped: the shutdown reason, or the agent and error of a fail-stop. */
  readonly reason: string;
  /** True after a fail-stop or a failed start. */
  readonly failed: boolean;
}

/** What {@link Orchestrator.schedule} returns. */
export interface ScheduleHandle {
  /** Remove the triggers added by this call; slots not yet fired never fire. */
  cancel(): void;
}

/** The orchestrator: see {@link createOrchestrator}. */
export interface Orchestrator {
  /** The shared bus (the host may publish and subscribe too). */
  readonly bus: Bus;
  /** Current phase. */
  readonly phase: OrchestratorPhase;
  /**
   * Load modules, start agents in registration order, arm triggers. Rejects on a config error, a
   * critical crash in `start()`, or an aborted `signal` (`LifecycleError` `ABORTED`, after shutting
   * down what had started).
   */
  start(options?: StartOptions): Promise<void>;
  /**
   * Fail readiness at once; after `drainDelay` stop triggers, flush the bus, stop agents in reverse
   * order with deadlines, close listeners. Idempotent (a later call joins the first, its `signal`
   * still able to cut the waits); always resolves, except for a bad option.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
  /** `shutdown()`: `await using orch = createOrchestrator(...)` shuts it down at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>;
  /** Settles once the orchestrator has stopped, for any reason. */
  readonly closed: Promise<ClosedInfo>;
  /** Every agent's status, in registration order. */
  agents(): AgentStatus[];
  /** One agent's status. */
  agent(name: string): AgentStatus | undefined;
  /**
   * Operator: re-arm a disabled agent (clears its crash window, streak and back-off) and start it now.
   * Before `start()` has reached the agent, it starts once, in its turn (even if the config disables it).
   * Throws `NOT_STARTED` before `start()`, `SHUT_DOWN` once shutdown has begun, `UNKNOWN_AGENT`.
   */
  enable(name: string): void;
  /**
   * Operator: stop the agent and start a fresh incarnation now. Before `start()` has reached the agent,
   * the same as `enable()`: it starts once, in its turn, and no restart is counted.
   */
  restart(name: string): void;
  /**
   * Operator: stop the agent and keep it down until `enable()`. Before `start()` has reached the agent,
   * its pending start is cancelled: `start()` skips it.
   */
  disable(name: string): void;
  /**
   * Operator controls of a group and every agent below it (its child groups'
   * too), in start order: `restart()` (stop all in reverse start order, start
   * all in start order, no back-off), `disable()` (reverse start order) and
   * `enable()` (the group's restart intensity cleared, then start order).
   * Works for every group, built in or configured, with or without a
   * strategy. Each call is checked at once and its work queued, as for
   * {@link Orchestrator.restart}.
   *
   * @example
   * ```ts
   * orch.group("trading").restart();
   * orch.group("trading").disable();
   * orch.group("trading").enable();   // the way back for a group that failed at the top of the tree
   * ```
   * @throws LifecycleError `UNKNOWN_GROUP` (naming the known groups) here; `NOT_STARTED` before `start()` and `SHUT_DOWN` once shutdown has begun from each control
   */
  group(name: string): GroupControl;
  /** Add triggers for an agent at run time; the handle's `cancel()` removes them. */
  schedule(name: string, spec: ScheduleSpec): ScheduleHandle;
  /**
   * Run every slot of an agent's trigger in `[from, to)`, oldest first, one
   * at a time, through the normal trigger path (overlap, timeout, signal), as
   * ticks with `catchup: true`. Slots the trigger store says ran already are
   * skipped (without a store, every slot runs). Each slot is reported as a
   * `backfill:progress` event; the backfill yields to the event loop between
   * slots, so other agents keep their latency.
   *
   * @example
   * ```ts
   * const { ran, skipped } = await orch.backfill("reconcile", "eod", { from: "2026-11-02T00:00:00Z", to: "2026-11-28T00:00:00Z" });
   * ```
   * @returns how many slots ran and how many were skipped
   * @throws (rejects) LifecycleError `NOT_STARTED` unless running, `UNKNOWN_AGENT` for an unknown agent or trigger, `ABORTED` when `signal` aborts it, `SHUT_DOWN` when the orchestrator stops meanwhile; ConfigError `INVALID_OPTION` for a bad range or signal, or a `delay` trigger
   */
  backfill(agent: string, trigger: string, options: BackfillOptions): Promise<BackfillResult>;
  /**
   * Operator controls of an agent's trigger: `pause()` (its slots are skipped,
   * counted `paused`, until `resume()`; remembered across restarts with a
   * trigger store), `resume()`, `runNow()`. Allowed before `start()`.
   *
   * @example
   * ```ts
   * orch.trigger("reconcile", "eod").pause();
   * await orch.trigger("reconcile", "eod").runNow();
   * ```
   * @throws LifecycleError `UNKNOWN_AGENT` for an unknown agent or trigger (naming the known ones), `SHUT_DOWN` once shutdown has begun
   */
  trigger(agent: string, trigger: string): TriggerControl;
  /** Readiness: ok when running and every critical agent is up. */
  health(): HealthReport;
  /**
   * Prometheus exposition text of the whole registry. Concurrent calls and scrapes share one render: a
   * call made while one is in flight gets that render's text (or error).
   */
  metrics(): Promise<string>;
  /** `GET`/`HEAD` readiness handler (`/readyz`, and its alias `/healthz`). */
  readonly healthHandler: HttpHandler;
  /** The same function as {@link Orchestrator.healthHandler}, named after the probe (`/readyz`). */
  readonly readinessHandler: HttpHandler;
  /** `GET`/`HEAD` /livez handler: the orchestrator's own loop is alive. */
  readonly livenessHandler: HttpHandler;
  /** `GET`/`HEAD` /startupz handler: 200 once `start()` has resolved (and from then on), 503 before. */
  readonly startupHandler: HttpHandler;
  /** `GET` /metrics handler. */
  readonly metricsHandler: HttpHandler;
  /**
   * The status page (`GET`: HTML, or JSON with `Accept: application/json` or `?format=json`; `POST
   * ?action=…`: an operator action, only with `status: { authorize }` and from the page's own origin).
   * Mount it where the operators reach it; the built-in health listener serves it at `/statusz` when
   * the `status` option is given. See docs/operations.md.
   *
   * @example
   * ```ts
   * app.use("/ops/statusz", orch.statusHandler);   // Express: page, JSON and actions on one mount
   * ```
   */
  readonly statusHandler: StatusHandler;
  /** Fetch API handler answering `/readyz`, `/healthz`, `/livez`, `/startupz`, `/metrics` and `/statusz` (paths ending in them). */
  fetch(request: Request): Promise<Response>;
  /** Start the built-in listeners (ports default to the config's `http:`, else 8000 and 8001); `shutdown()` closes them. */
  listen(options?: ListenOptions): Promise<Listening>;
  /** Listen to lifecycle events; returns a function that removes the listener. */
  on<E extends OrchestratorEventName>(event: E, listener: (payload: OrchestratorEvents[E]) => void): () => void;
}

/** Re-exported for registrations. */
export type { AgentClass };
