import { describeThrown } from "../errors/describeThrown.js";
import { LifecycleError } from "../errors/LifecycleError.js";
import type { Logger } from "../logger.js";
import type { AgentSupervisor } from "../supervisor/AgentSupervisor.js";
import type { Lifecycle } from "./Lifecycle.js";
import { failStopCause } from "./failStopCause.js";
import { checkStartOptions, type StartOptions } from "./lifecycleOptions.js";
import type { ClosedInfo } from "./Orchestrator.js";

/** What the start sequence drives, and how it hands over to a shutdown. */
export interface StartParts {
  readonly lifecycle: Lifecycle;
  readonly logger: Logger;
  /** Load the agents named by module in the config (rejects with the load error). */
  loadModules(): Promise<void>;
  /** Everything that runs from the start on: keep-alive, signal handlers, the liveness loop. */
  beginRunning(): void;
  /** The supervisors, in start order. */
  supervisors(): readonly AgentSupervisor[];
  /** Whether the config leaves `agent` enabled. */
  enabledInConfig(agent: string): boolean;
  /** Arm the triggers (every agent has had its turn); a promise when catch-up must be decided first (a trigger store), which start() waits for. */
  armTriggers(): Promise<void> | undefined;
  /** The stop sequence under way, once one has begun. */
  stopping(): Promise<void> | undefined;
  /** Begin a shutdown with this reason. */
  shutdown(reason: string): Promise<void>;
  /** The end: emit `shutdown` and settle `closed`. */
  finish(info: ClosedInfo): void;
}

/**
 * `start()`: load modules, start the agents in their turn, arm the triggers.
 * An aborted `signal` shuts down what has started, and `start()` rejects with
 * a `LifecycleError` `ABORTED` once that shutdown's stop sequence has ended.
 */
export class StartSequence {
  readonly #parts: StartParts;
  /** The reason of the aborted `start()` signal, once it was aborted. */
  #abort: { readonly reason: unknown } | undefined;
  /** Resolves once an aborted start's shutdown has ended: what a wait that cannot be interrupted races. */
  readonly #abortEnded: Promise<void>;
  #endAbort!: () => void;
  /** Whether `start()` was given a signal. */
  #signalled = false;

  constructor(parts: StartParts) {
    this.#parts = parts;
    this.#abortEnded = new Promise<void>((resolve) => (this.#endAbort = resolve));
  }

  /** Run the start (the lifecycle refuses a second one). */
  async run(options: StartOptions | undefined): Promise<void> {
    const signal = checkStartOptions(options);
    this.#parts.lifecycle.start();
    if (signal === undefined) return this.#startAll();
    this.#signalled = true;
    const onAbort = (): void => this.#aborted(signal);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      if (signal.aborted) this.#aborted(signal);
      await this.#startAll();
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  async #startAll(): Promise<void> {
    const { lifecycle, logger } = this.#parts;
    if (this.#abort !== undefined) {
      await this.#parts.stopping();
      throw this.#interrupted();
    }
    // an import or an asynchronous config schema cannot be interrupted: an aborted start stops waiting for it
    // once its shutdown has ended (what the loading does later is ignored; a refusal then is not reported)
    const loading = this.#parts.loadModules();
    try {
      // without a signal, nothing can abort: no race (and no extra turn before the agents start)
      await (this.#signalled ? Promise.race([loading, this.#abortEnded]) : loading);
    } catch (error) {
      if (this.#abort !== undefined) throw this.#interrupted();
      if (lifecycle.startFailed()) this.#parts.finish({ reason: `start failed: ${describeThrown(error)}`, failed: true });
      throw error;
    }
    if (this.#abort !== undefined) {
      loading.catch(() => undefined);
      await this.#parts.stopping();
      throw this.#interrupted();
    }
    this.#parts.beginRunning();
    for (const supervisor of this.#parts.supervisors()) {
      if (lifecycle.phase !== "starting") break;
      // an operator's enable(), restart() or disable() since start() began applies to this pending start
      // a start() that returned without a promise is over: no await (no microtask round) for it
      const starting = supervisor.startInTurn(this.#parts.enabledInConfig(supervisor.name));
      if (starting !== undefined) await starting;
    }
    const failure = lifecycle.failure;
    if (failure !== undefined) {
      await this.#parts.stopping();
      throw new LifecycleError("FAIL_STOP", `start() failed: ${failStopCause(failure)}`, { cause: failure.error });
    }
    if (lifecycle.phase !== "starting") {
      await this.#parts.stopping();
      throw this.#interrupted();
    }
    const arming = this.#parts.armTriggers();
    if (arming !== undefined) {
      await arming;
      if (lifecycle.phase !== "starting") {
        await this.#parts.stopping();
        throw this.#interrupted();
      }
    }
    lifecycle.started();
    logger.info({ agents: this.#parts.supervisors().length }, "orchestrator running");
  }

  /** The start signal was aborted: shut down what started. */
  #aborted(signal: AbortSignal): void {
    if (this.#abort !== undefined || this.#parts.lifecycle.phase !== "starting") return;
    const reason: unknown = signal.reason;
    this.#abort = { reason };
    const why = `start aborted: ${describeThrown(reason)}`;
    this.#parts.logger.warn({ err: reason }, why);
    void this.#parts.shutdown(why).then(this.#endAbort);
  }

  /** The rejection of a `start()` that a shutdown (or its own aborted signal) interrupted. */
  #interrupted(): LifecycleError {
    const abort = this.#abort;
    if (abort === undefined) return new LifecycleError("SHUT_DOWN", "start() was interrupted by shutdown()");
    return new LifecycleError("ABORTED", `start() was aborted: ${describeThrown(abort.reason)}; what it had started was stopped`, { cause: abort.reason });
  }
}
