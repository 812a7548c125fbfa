import { OptionCheck } from "../check.js";
import { systemClock, type Clock } from "../clock.js";
import { formatDuration } from "../duration.js";
import { AgentError } from "../errors/AgentError.js";
import { ConfigError } from "../errors/ConfigError.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import { cronTick } from "./cronTick.js";
import type { CronTick, ResolvedTrigger, TickMessage } from "./ScheduleSpec.js";
import { setDeadline } from "./setDeadline.js";

/** Options of a {@link CronRunner}. */
export interface CronRunnerOptions {
  /**
   * Clock of the trigger timeouts.
   * @default systemClock
   */
  clock?: Clock;
  /** The agent's counters: ticks dropped by `overlap` (and ticks reaching a disposed runner, as `agent-down`) are counted here. */
  counters: AgentCounters;
  /**
   * Runs one tick (calls the agent's `onCron`). `tick` is built by `cronTick()`: its
   * `signal` is aborted on timeout and on {@link CronRunner.dispose}.
   */
  run: (tick: CronTick) => Promise<void> | void;
  /** The trigger a tick names, for its `overlap` and `timeout`; unknown triggers get `overlap: 'skip'` and no timeout. */
  lookup: (trigger: string) => ResolvedTrigger | undefined;
  /** A run outlived its trigger's `timeout`: its signal is aborted and the run abandoned. Must not throw. */
  onHung: (tick: CronTick, error: AgentError) => void;
  /** A run threw or rejected (not called for runs already abandoned). Must not throw. */
  onError: (tick: CronTick, error: unknown) => void;
}

const check = new OptionCheck("CronRunner", (message, _option, value) => new ConfigError(message, { code: "INVALID_OPTION", value }));

interface Run {
  readonly tick: CronTick;
  readonly controller: AbortController;
  cancelTimeout: (() => void) | undefined;
}

/** The runs of one trigger name. */
interface Lane {
  readonly name: string;
  readonly running: Set<Run>;
  queued: TickMessage | undefined;
}

/**
 * The receiving side of the ticks of one agent incarnation: applies each
 * trigger's `overlap` policy and `timeout`.
 *
 * - `overlap: 'skip'` — a tick arriving while a run of the same trigger is in
 *   flight is dropped and counted (`overlap`);
 * - `overlap: 'queue'` — it runs once the current run ends; at most one waits:
 *   a newer tick replaces the waiting one, which is counted (`overlap`);
 * - `overlap: 'allow'` — runs side by side;
 * - `timeout` — a run still going after it has its signal aborted with an
 *   `AGENT_HUNG` {@link AgentError}, is abandoned (it no longer blocks the
 *   trigger) and reported through `onHung`.
 *
 * @example
 * ```ts
 * const runner = new CronRunner({
 *   clock, counters,
 *   run: (tick) => agent.onCron(tick), // tick.signal is the run's signal
 *   lookup: (name) => scheduler.trigger(agentName, name),
 *   onHung: (tick, error) => supervisor.crash(agentName, "hung", error),
 *   onError: (tick, error) => supervisor.crash(agentName, "error", error),
 * });
 * bus.subscribe(`cron.${agentName}`, (message) => runner.receive(message.payload as TickMessage));
 * // when the incarnation ends:
 * runner.dispose();
 * ```
 */
export class CronRunner {
  readonly #clock: Clock;
  readonly #counters: AgentCounters;
  readonly #run: CronRunnerOptions["run"];
  readonly #lookup: CronRunnerOptions["lookup"];
  readonly #onHung: CronRunnerOptions["onHung"];
  readonly #onError: CronRunnerOptions["onError"];
  readonly #lanes = new Map<string, Lane>();
  #disposed = false;

  /** @throws ConfigError `INVALID_OPTION` naming the option: `run`, `lookup`, `onHung` or `onError` not a function, `clock` not a Clock. */
  constructor(options: CronRunnerOptions) {
    check.object(options);
    for (const name of ["run", "lookup", "onHung", "onError"] as const) {
      if (typeof options[name] !== "function") throw check.error(name, "a function", options[name]);
    }
    this.#clock = check.optionalClock(options.clock) ?? systemClock;
    this.#counters = options.counters;
    this.#run = options.run;
    this.#lookup = options.lookup;
    this.#onHung = options.onHung;
    this.#onError = options.onError;
  }

  /** Number of runs in flight (abandoned runs excluded). */
  get active(): number {
    let active = 0;
    for (const lane of this.#lanes.values()) active += lane.running.size;
    return active;
  }

  /** True after {@link CronRunner.dispose}. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * Take one tick message: run it now, queue it or drop it, by its trigger's
   * `overlap` policy. Each run gets its own {@link CronTick}, with its own signal.
   */
  receive(message: TickMessage): void {
    if (this.#disposed) {
      this.#counters.triggersSkipped["agent-down"]++;
      return;
    }
    const trigger = this.#find(message.trigger);
    let lane = this.#lanes.get(message.trigger);
    if (lane === undefined) {
      lane = { name: message.trigger, running: new Set(), queued: undefined };
      this.#lanes.set(message.trigger, lane);
    }
    if (lane.running.size > 0) {
      const overlap = trigger?.overlap ?? "skip";
      if (overlap === "skip") {
        this.#counters.triggersSkipped.overlap++;
        return;
      }
      if (overlap === "queue") {
        if (lane.queued !== undefined) this.#counters.triggersSkipped.overlap++;
        lane.queued = message;
        return;
      }
    }
    this.#start(lane, message, trigger);
  }

  /**
   * End of the incarnation: abort every run in flight, drop the waiting ticks
   * (counted `agent-down`) and clear the timeouts. Idempotent.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const lanes = [...this.#lanes.values()];
    this.#lanes.clear();
    for (const lane of lanes) {
      if (lane.queued !== undefined) this.#counters.triggersSkipped["agent-down"]++;
      lane.queued = undefined;
      const runs = [...lane.running];
      lane.running.clear();
      for (const run of runs) {
        run.cancelTimeout?.();
        run.controller.abort(incarnationEnded());
      }
    }
  }

  #find(name: string): ResolvedTrigger | undefined {
    try {
      return this.#lookup(name);
    } catch {
      return undefined;
    }
  }

  #start(lane: Lane, message: TickMessage, trigger: ResolvedTrigger | undefined): void {
    const controller = new AbortController();
    const run: Run = { tick: cronTick(message, controller.signal), controller, cancelTimeout: undefined };
    const tick = run.tick;
    lane.running.add(run);
    const timeout = trigger?.timeout;
    if (timeout !== undefined) run.cancelTimeout = setDeadline(this.#clock, timeout, () => this.#timedOut(lane, run, timeout));
    let result: Promise<void> | void;
    try {
      result = this.#run(tick);
    } catch (error) {
      // Reported asynchronously, as a rejection would be.
      queueMicrotask(() => this.#settled(lane, run, true, error));
      return;
    }
    void Promise.resolve(result).then(
      () => this.#settled(lane, run, false, undefined),
      (error: unknown) => this.#settled(lane, run, true, error),
    );
  }

  #settled(lane: Lane, run: Run, failed: boolean, error: unknown): void {
    if (!lane.running.delete(run)) return;
    run.cancelTimeout?.();
    if (failed) {
      try {
        this.#onError(run.tick, error);
      } catch {
        // onError must not throw; a faulty callback cannot stop the queue.
      }
    }
    this.#next(lane);
  }

  #timedOut(lane: Lane, run: Run, timeout: number): void {
    if (!lane.running.delete(run)) return;
    run.cancelTimeout = undefined;
    const { tick } = run;
    const error = new AgentError(
      "AGENT_HUNG",
      tick.agent,
      `agent "${tick.agent}": onCron for trigger "${tick.trigger}" (slot ${new Date(tick.scheduledAt).toISOString()}) ` +
        `still running after its timeout of ${formatDuration(timeout)}`,
    );
    run.controller.abort(error);
    try {
      this.#onHung(tick, error);
    } catch {
      // onHung must not throw; the run is abandoned either way.
    }
    this.#next(lane);
  }

  /** Start the waiting tick once the lane is idle, or forget an idle lane. */
  #next(lane: Lane): void {
    if (this.#disposed || lane.running.size > 0) return;
    const queued = lane.queued;
    if (queued === undefined) {
      if (this.#lanes.get(lane.name) === lane) this.#lanes.delete(lane.name);
      return;
    }
    lane.queued = undefined;
    this.#start(lane, queued, this.#find(queued.trigger));
  }
}

/**
 * The reason a run's signal is aborted with when its incarnation ends (a stop,
 * a crash): an `AbortError`, as `AbortSignal.abort()` gives. The testing kit's
 * harness aborts its ticks' signals with the same reason when it stops.
 */
export function incarnationEnded(): DOMException {
  return new DOMException("The agent's incarnation ended", "AbortError");
}
