import { OptionCheck } from "../check.js";
import { systemClock, type Clock } from "../clock.js";
import { formatDuration } from "../duration.js";
import { AgentError } from "../errors/AgentError.js";
import { ConfigError } from "../errors/ConfigError.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import type { RunOutcome } from "../state/TriggerStore.js";
import { abortTick, cronTick, slotTick } from "./cronTick.js";
import type { CronTick, ResolvedTrigger, TickMessage } from "./ScheduleSpec.js";
import { CronLane } from "./CronLane.js";
import { NameTable } from "./NameTable.js";
import { incarnationEnded } from "./incarnationEnded.js";
import { setDeadline } from "./setDeadline.js";
import { CronSpans } from "../trace/CronSpans.js";
import { runStarted, type TriggerActivity } from "./TriggerActivity.js";

export { incarnationEnded } from "./incarnationEnded.js";

/** The spans of every runner's runs, while a tracer provider is registered: one table for all (ticks are distinct objects), so a runner costs no field for it. */
const RUN_SPANS = new CronSpans();

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
   * `signal` is aborted on timeout and on {@link CronRunner.dispose}. Return
   * `undefined` for a run that is over, or a promise of its end.
   */
  run(tick: CronTick): Promise<void> | void;
  /** The trigger a tick names, for its `overlap` and `timeout`; unknown triggers get `overlap: 'skip'` and no timeout. */
  lookup(trigger: string): ResolvedTrigger | undefined;
  /**
   * What the trigger's source keeps of the trigger named `trigger` (see
   * {@link TriggerActivity}), when it keeps anything: each run that reaches
   * `run` is noted there as the trigger's last run. Asked once per trigger
   * (and again when a trigger of the same name replaced it), never per run.
   */
  activity?(trigger: string): TriggerActivity | undefined;
  /** A run outlived its trigger's `timeout`: its signal is aborted and the run abandoned. Must not throw. */
  onHung(tick: CronTick, error: AgentError): void;
  /** A run threw or rejected (not called for runs already abandoned). Must not throw. */
  onError(tick: CronTick, error: unknown): void;
  /** Receives how long each run took, in seconds (abandoned runs too, once they settle). */
  durations?: { observe(seconds: number): void };
  /**
   * Each tick's end: its run settled (`ok`, `error`), outlived its timeout
   * (`hung`) or was aborted by {@link CronRunner.dispose} (`aborted`), or the
   * tick never ran (`skipped`: dropped by `overlap`, or it reached a disposed
   * runner or was waiting when the runner was disposed). `activity` is the
   * trigger's activity when the runner holds it (`undefined` otherwise: ask
   * the source). Must not throw.
   */
  readonly ended?: (tick: TickMessage, outcome: RunOutcome, activity: TriggerActivity | undefined) => void;
}

const check = new OptionCheck("CronRunner", (message, _option, value) => new ConfigError(message, { code: "INVALID_OPTION", value }));

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
 * A run ends when `run` returns (a synchronous `onCron`) or when its promise
 * settles; either way the trigger is free again from the next microtask on
 * (the runs that returned in one turn, of every runner, are settled together
 * in one microtask).
 * Each run's tick is built by `cronTick()`: its AbortController is made only
 * when `tick.signal` is read.
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
  /** The options, kept whole and called as methods: an options object may be a class instance whose methods live on its prototype (no closure per runner). */
  readonly #host: CronRunnerOptions;
  readonly #durations: CronRunnerOptions["durations"];
  /** The lanes of all runners with runs that returned without a promise, settled together in one microtask. */
  static #returnedHead: CronLane | undefined = undefined;
  static #returnedTail: CronLane | undefined = undefined;
  #lanes: NameTable<CronLane> | undefined = undefined;
  #disposed = false;
  /** Who waits for the outcome of a run handed over by {@link CronRunner.run}. */
  #watched: Map<TickMessage, (outcome: RunOutcome) => void> | undefined = undefined;

  /** @throws ConfigError `INVALID_OPTION` naming the option: `run`, `lookup`, `onHung` or `onError` not a function, `clock` not a Clock, `durations` without `observe`. */
  constructor(options: CronRunnerOptions) {
    check.object(options);
    for (const name of ["run", "lookup", "onHung", "onError"] as const) {
      const callback: unknown = (options as unknown as Record<string, unknown>)[name];
      if (typeof callback !== "function") throw check.error(name, "a function", callback);
    }
    const durations = options.durations;
    if (durations !== undefined && typeof durations?.observe !== "function") throw check.error("durations", "an object with an `observe` method", durations);
    this.#clock = check.optionalClock(options.clock) ?? systemClock;
    this.#counters = options.counters;
    this.#host = options;
    this.#durations = durations;
  }

  /** Number of runs in flight (abandoned runs excluded). */
  get active(): number {
    let active = 0;
    for (const lane of this.#lanes?.values() ?? []) active += lane.size;
    return active;
  }

  /** True after {@link CronRunner.dispose}. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * Take one tick message: run it now, queue it or drop it, by its trigger's
   * `overlap` policy. Each run gets its own {@link CronTick}, with its own signal.
   *
   * @param known - the trigger the tick names, when the caller has it at hand (else `lookup` finds it)
   */
  receive(message: TickMessage, known?: ResolvedTrigger): void {
    if (this.#refused(message)) return;
    const trigger = known ?? this.#find(message.trigger);
    const lane = this.#laneOf(message.trigger, trigger);
    if (lane.size > 0 && this.#held(lane, trigger, message)) return;
    this.#start(lane, cronTick(message), trigger, true);
  }

  /**
   * {@link CronRunner.receive} for a slot handed over directly (no message):
   * the run's tick is built from the slot's fields.
   */
  deliver(agent: string, trigger: ResolvedTrigger, scheduledAt: number, firedAt: number, key: string): void {
    const tick = slotTick(agent, trigger.name, scheduledAt, firedAt, key);
    if (this.#refused(tick)) return;
    const lane = this.#laneOf(trigger.name, trigger);
    if (lane.size > 0 && this.#held(lane, trigger, tick)) return;
    this.#start(lane, tick, trigger);
  }

  /**
   * Run `tick` once the trigger has no run in flight (at once for `overlap:
   * 'allow'`), never dropping it: a catch-up or backfill slot. Resolves with
   * how it ended (`skipped` when the runner was disposed before it started).
   */
  run(tick: CronTick, trigger: ResolvedTrigger, signal?: AbortSignal): Promise<RunOutcome> {
    return new Promise<RunOutcome>((resolve) => {
      if (this.#disposed || signal?.aborted === true) {
        this.#ended(tick, "skipped", undefined);
        resolve("skipped");
        return;
      }
      (this.#watched ??= new Map()).set(tick, resolve);
      const lane = this.#laneOf(trigger.name, trigger);
      const go = (nested = false): void => {
        signal?.removeEventListener("abort", abandon);
        if (this.#disposed) this.#ended(tick, "skipped", lane);
        else this.#start(lane, tick, trigger, nested);
      };
      // an aborted signal takes a run that is still waiting out of the line
      const abandon = (): void => {
        const waiters = lane.waiters;
        const at = waiters === undefined ? -1 : waiters.indexOf(go);
        if (at < 0) return;
        waiters?.splice(at, 1);
        this.#ended(tick, "skipped", lane);
      };
      if (trigger.overlap === "allow" || (lane.size === 0 && lane.queued === undefined)) return go(true);
      (lane.waiters ??= []).push(go);
      signal?.addEventListener("abort", abandon, { once: true });
    });
  }

  /** Report the end of `tick` (of `lane`, when known) to the host (when it listens) and to whoever waits for it. */
  #ended(tick: TickMessage, outcome: RunOutcome, lane: CronLane | undefined, error?: unknown): void {
    RUN_SPANS.end(tick, outcome, error);
    const ended = this.#host.ended;
    if (ended !== undefined) {
      try {
        ended(tick, outcome, lane?.activity);
      } catch {
        // ended must not throw; the run is over either way.
      }
    }
    const watched = this.#watched;
    if (watched === undefined) return;
    const resolve = watched.get(tick);
    if (resolve === undefined) return;
    watched.delete(tick);
    resolve(outcome);
  }

  /** True (and the tick counted `agent-down`) once disposed. */
  #refused(tick: TickMessage): boolean {
    if (!this.#disposed) return false;
    this.#counters.triggersSkipped["agent-down"]++;
    this.#ended(tick, "skipped", undefined);
    return true;
  }

  #laneOf(name: string, trigger: ResolvedTrigger | undefined): CronLane {
    const lanes = (this.#lanes ??= new NameTable<CronLane>());
    let lane = lanes.get(name);
    if (lane === undefined) {
      lane = new CronLane(name, trigger !== undefined, this);
      lane.activity = this.#activity(name);
      lanes.set(name, lane);
    } else if (trigger !== undefined && lane.activity !== undefined && lane.activity.trigger !== trigger) {
      // the trigger was removed and another of the same name added: its activity is another one
      lane.activity = this.#activity(name);
    }
    return lane;
  }

  #activity(name: string): TriggerActivity | undefined {
    try {
      return this.#host.activity?.(name);
    } catch {
      return undefined;
    }
  }

  /** A run of the lane is in flight: true when the trigger's `overlap` keeps `message` from starting (dropped or queued). */
  #held(lane: CronLane, trigger: ResolvedTrigger | undefined, message: TickMessage): boolean {
    const overlap = trigger?.overlap ?? "skip";
    if (overlap === "skip") {
      this.#counters.triggersSkipped.overlap++;
      this.#ended(message, "skipped", lane);
      return true;
    }
    if (overlap === "queue") {
      const replaced = lane.queued;
      lane.queued = message;
      if (replaced !== undefined) {
        this.#counters.triggersSkipped.overlap++;
        this.#ended(replaced, "skipped", lane);
      }
      return true;
    }
    return false;
  }

  /**
   * End of the incarnation: abort every run in flight, drop the waiting ticks
   * (counted `agent-down`) and clear the timeouts. Idempotent.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const lanes = [...(this.#lanes?.values() ?? [])];
    this.#lanes = undefined;
    for (const lane of lanes) {
      const queued = lane.queued;
      lane.queued = undefined;
      if (queued !== undefined) {
        this.#counters.triggersSkipped["agent-down"]++;
        this.#ended(queued, "skipped", lane);
      }
      for (const tick of lane.drain()) {
        abortTick(tick, incarnationEnded());
        this.#ended(tick, "aborted", lane);
      }
      const waiters = lane.waiters;
      lane.waiters = undefined;
      for (const go of waiters ?? []) go();
    }
  }

  #find(name: string): ResolvedTrigger | undefined {
    try {
      return this.#host.lookup(name);
    } catch {
      return undefined;
    }
  }

  /** Start `tick` (`nested`: its span, when tracing, is a child of the active context, see `CronSpans.run`). */
  #start(lane: CronLane, tick: CronTick, trigger: ResolvedTrigger | undefined, nested = false): void {
    const durations = this.#durations;
    lane.add(tick);
    const activity = lane.activity;
    if (activity !== undefined) runStarted(activity, tick.scheduledAt, this.#clock.now());
    const timeout = trigger?.timeout;
    if (timeout !== undefined) (lane.deadlines ??= new Map()).set(tick, setDeadline(this.#clock, timeout, () => this.#timedOut(lane, tick, timeout)));
    const started = durations === undefined ? 0 : performance.now();
    let result: Promise<void> | void;
    try {
      result = RUN_SPANS.run(this.#host, tick, nested);
    } catch (error) {
      durations?.observe((performance.now() - started) / 1_000);
      // Reported asynchronously, as a rejection would be.
      queueMicrotask(() => this.#settled(lane, tick, true, error));
      return;
    }
    if (result === undefined) {
      durations?.observe((performance.now() - started) / 1_000);
      this.#returnedLater(lane, tick);
      return;
    }
    void Promise.resolve(result).then(
      () => {
        durations?.observe((performance.now() - started) / 1_000);
        this.#settled(lane, tick, false, undefined);
      },
      (error: unknown) => {
        durations?.observe((performance.now() - started) / 1_000);
        this.#settled(lane, tick, true, error);
      },
    );
  }

  /** Note a run that returned without a promise: it is settled in the next microtask, with the others of this turn. */
  #returnedLater(lane: CronLane, tick: CronTick): void {
    const returned = lane.returned;
    if (returned !== undefined) {
      // `overlap: 'allow'` only: several runs of one trigger returned in the same turn
      if (Array.isArray(returned)) returned.push(tick);
      else lane.returned = [returned, tick];
      return;
    }
    lane.returned = tick;
    const tail = CronRunner.#returnedTail;
    CronRunner.#returnedTail = lane;
    if (tail !== undefined) {
      tail.nextReturned = lane;
      return;
    }
    CronRunner.#returnedHead = lane;
    queueMicrotask(CronRunner.#settleReturned);
  }

  /** Settle the runs that returned synchronously in the turn just ended, lane by lane, whatever their runner. */
  static readonly #settleReturned = (): void => {
    let lane = CronRunner.#returnedHead;
    CronRunner.#returnedHead = CronRunner.#returnedTail = undefined;
    while (lane !== undefined) {
      const next = lane.nextReturned;
      const returned = lane.returned as CronTick | CronTick[];
      lane.nextReturned = lane.returned = undefined;
      const runner = lane.runner;
      if (Array.isArray(returned)) for (const tick of returned) runner.#settled(lane, tick, false, undefined);
      else runner.#settled(lane, returned, false, undefined);
      lane = next;
    }
  };

  #settled(lane: CronLane, tick: CronTick, failed: boolean, error: unknown): void {
    if (!lane.delete(tick)) return;
    this.#ended(tick, failed ? "error" : "ok", lane, error);
    if (failed) {
      try {
        this.#host.onError(tick, error);
      } catch {
        // onError must not throw; a faulty callback cannot stop the queue.
      }
    }
    this.#next(lane);
  }

  #timedOut(lane: CronLane, tick: CronTick, timeout: number): void {
    lane.deadlines?.delete(tick);
    if (!lane.delete(tick)) return;
    const error = new AgentError(
      "AGENT_HUNG",
      tick.agent,
      `agent "${tick.agent}": onCron for trigger "${tick.trigger}" (slot ${new Date(tick.scheduledAt).toISOString()}) ` +
        `still running after its timeout of ${formatDuration(timeout)}`,
    );
    abortTick(tick, error);
    this.#ended(tick, "hung", lane, error);
    try {
      this.#host.onHung(tick, error);
    } catch {
      // onHung must not throw; the run is abandoned either way.
    }
    this.#next(lane);
  }

  /**
   * Once the lane is idle, start what waits: a run handed over by
   * {@link CronRunner.run} first (a catch-up or backfill slot waits once, and
   * its next slot is handed over only after it ends, so live ticks and handed
   * runs take turns), then a queued live tick; or forget an idle lane of an
   * unknown trigger.
   */
  #next(lane: CronLane): void {
    if (this.#disposed || lane.size > 0) return;
    const waiter = lane.waiters?.shift();
    if (waiter !== undefined) return waiter();
    const queued = lane.queued;
    if (queued === undefined) {
      if (!lane.known && this.#lanes?.get(lane.name) === lane) this.#lanes.delete(lane.name);
      return;
    }
    lane.queued = undefined;
    this.#start(lane, cronTick(queued), this.#find(queued.trigger));
  }
}
