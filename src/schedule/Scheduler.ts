import type { Clock } from "../clock.js";
import { ConfigError } from "../errors/ConfigError.js";
import { LifecycleError } from "../errors/LifecycleError.js";
import { checkTrigger } from "./checkTrigger.js";
import { NameTable } from "./NameTable.js";
import { ScheduledTrigger } from "./ScheduledTrigger.js";
import { settleSchedulerOptions, type SchedulerOptions, type SettledSchedulerOptions } from "./SchedulerOptions.js";
import { SchedulerScope } from "./SchedulerScope.js";
import type { ResolvedTrigger } from "./ScheduleSpec.js";
import type { Series } from "./Series.js";
import { SlotFanOut } from "./SlotFanOut.js";
import { TimerHeap } from "./TimerHeap.js";
import { timeKindOf } from "./triggerKinds.js";
import { countSkip, type TriggerActivity } from "./TriggerActivity.js";
import type { TriggerHandle, TriggerSource } from "./TriggerSource.js";

type SchedulerState = "idle" | "running" | "stopped";

/**
 * The {@link TriggerSource} of every time-based trigger kind. Fires the
 * triggers of many agents from one timer queue: a min-heap of series, one per
 * distinct schedule (cron expression and zone, `every` period, instant), and
 * one armed clock timer. Triggers sharing a schedule share its slot
 * computation; each slot is fanned out to all of them. What a kind's slots are
 * comes from its entry in `triggerKinds` (its `timing`).
 *
 * Guarantees: a slot never fires before its instant, never twice, and never
 * by replaying a backlog: slots found more than `misfireGrace` late are
 * skipped (`misfire: 'skip'`) or folded into one tick (`misfire: 'once'`).
 * Each wait is capped at {@link SchedulerOptions.maxWait} and the wall clock
 * is re-read at each wake-up, so far dates never overflow `setTimeout` and
 * clock jumps are noticed.
 *
 * @example
 * ```ts
 * const counters = new Map<string, AgentCounters>();
 * const scheduler = new Scheduler({
 *   counters: (agent) => counters.get(agent) ?? counters.set(agent, new AgentCounters()).get(agent)!,
 *   fire: (tick) => void bus.publish(`cron.${tick.agent}`, tick),
 * });
 * scheduler.add("report", { kind: "cron", name: "daily", cron: "0 17 * * 1-5", timezone: "America/New_York",
 *   overlap: "skip", misfire: "skip", misfireGrace: 1_000 });
 * scheduler.start();
 * ```
 */
export class Scheduler implements TriggerSource {
  readonly #options: SettledSchedulerOptions;
  readonly #clock: Clock;
  readonly #scope: SchedulerScope;
  readonly #fanOut: SlotFanOut;
  /** The series new triggers join, by key. */
  readonly #series = new Map<string, Series>();
  readonly #heap = new TimerHeap<Series>();
  /** Every trigger not cancelled, by agent and name. */
  readonly #registry = new Map<string, NameTable<ScheduledTrigger>>();
  #waiting: ScheduledTrigger[] = [];

  #state: SchedulerState = "idle";
  #timer: unknown = undefined;
  #wakeAt = Infinity;
  /** True while the scheduler itself walks the queue: adds then skip re-arming. */
  #batch = false;

  /** @throws ConfigError `INVALID_OPTION` naming the option (see {@link SchedulerOptions}). */
  constructor(options: SchedulerOptions) {
    this.#options = settleSchedulerOptions(options);
    this.#clock = this.#options.clock;
    this.#scope = new SchedulerScope(this.#clock, this.#options.zone);
    this.#fanOut = new SlotFanOut(this.#options, () => this.#state === "running");
  }

  /** True between {@link Scheduler.start} and {@link Scheduler.stop}. */
  get running(): boolean {
    return this.#state === "running";
  }

  /** Number of triggers added and not cancelled (spent one-shot triggers included). */
  get size(): number {
    let size = 0;
    for (const names of this.#registry.values()) size += names.size;
    return size;
  }

  /**
   * Schedule a trigger for an agent, before or after {@link Scheduler.start}.
   * Cron slots and `every` slots are those strictly after the arming instant
   * (`start()`, or this call when already started); a `delay` counts from it;
   * an `at` already past is skipped (`past`) with a warning.
   *
   * @throws ConfigError for a malformed trigger (naming the field), an unknown
   *   time zone, a malformed cron expression or one without a slot (the
   *   reason in the library's words, naming the cron field and its allowed
   *   values), a kind that is not time-based, or a name the agent already
   *   uses for a live trigger.
   * @throws LifecycleError `SHUT_DOWN` after {@link Scheduler.stop}.
   */
  add(agent: string, trigger: ResolvedTrigger): TriggerHandle {
    if (this.#state === "stopped") throw new LifecycleError("SHUT_DOWN", `Scheduler.add: the scheduler is stopped (agent "${String(agent)}")`);
    checkTrigger(agent, trigger);
    const kind = timeKindOf(trigger);
    if (kind === undefined) {
      throw new ConfigError(`trigger kind "${trigger.kind}" is not time-based; its own trigger source serves it, not the scheduler`, {
        path: `schedule.${agent}[${trigger.name}].kind`,
        value: trigger.kind,
      });
    }
    let names = this.#registry.get(agent);
    const existing = names?.get(trigger.name);
    if (existing !== undefined && (existing.state === "waiting" || existing.state === "armed")) {
      throw new ConfigError(`agent "${agent}" already has a trigger named "${trigger.name}"; trigger names must be unique per agent`, {
        path: `schedule.${agent}`,
        value: trigger.name,
      });
    }
    const entry = new ScheduledTrigger(agent, trigger, kind, kind.prepare?.(agent, trigger, this.#scope));
    if (names === undefined) {
      names = new NameTable();
      this.#registry.set(agent, names);
    }
    names.set(trigger.name, entry);
    if (this.#state === "running") this.#arm(entry, this.#clock.now());
    else this.#waiting.push(entry);
    return { cancel: () => this.#cancel(entry) };
  }

  /**
   * Arm every trigger added so far and start the timer.
   *
   * @throws LifecycleError `ALREADY_STARTED` when running, `SHUT_DOWN` after {@link Scheduler.stop}.
   */
  start(at?: number): void {
    if (this.#state === "running") throw new LifecycleError("ALREADY_STARTED", "Scheduler.start: already started");
    if (this.#state === "stopped") throw new LifecycleError("SHUT_DOWN", "Scheduler.start: the scheduler is stopped");
    this.#state = "running";
    const now = at ?? this.#clock.now();
    const waiting = this.#waiting;
    this.#waiting = [];
    this.#batch = true;
    try {
      for (const entry of waiting) {
        if (entry.state !== "waiting") continue;
        try {
          this.#arm(entry, now);
        } catch (error) {
          entry.state = "spent";
          this.#options.logger.error({ agent: entry.agent, trigger: entry.trigger.name, err: error }, "scheduler: could not arm a trigger; it will not fire");
        }
      }
    } finally {
      this.#batch = false;
    }
    this.#rearm();
  }

  /** Clear the timer: nothing fires afterwards. Idempotent; the scheduler cannot be started again. */
  stop(): void {
    if (this.#state === "stopped") return;
    this.#state = "stopped";
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#wakeAt = Infinity;
    this.#heap.clear();
    this.#series.clear();
    this.#waiting = [];
  }

  /** When the agent's next trigger fires (ms since the epoch), or `undefined` when none is armed. */
  nextFireAt(agent: string): number | undefined {
    if (this.#state !== "running") return undefined;
    const names = this.#registry.get(agent);
    if (names === undefined) return undefined;
    let next = Infinity;
    for (const entry of names.values()) {
      const series = entry.series;
      if (entry.state === "armed" && series !== undefined && series.at < next) next = series.at;
    }
    return next === Infinity ? undefined : next;
  }

  /** Names of the agent's triggers still to fire (added and neither cancelled nor spent). */
  triggerNames(agent: string): string[] {
    const names: string[] = [];
    for (const [name, entry] of this.#registry.get(agent) ?? []) {
      if (entry.state === "waiting" || entry.state === "armed") names.push(name);
    }
    return names;
  }

  /**
   * The trigger an agent's ticks name (`tick.trigger`), for the receiving side
   * (overlap, timeout); spent one-shot triggers stay known until cancelled.
   */
  trigger(agent: string, name: string): ResolvedTrigger | undefined {
    return this.#registry.get(agent)?.get(name)?.trigger;
  }

  /** The activity of the agent's trigger named `name` (its entry here), while it is registered. */
  activity(agent: string, name: string): TriggerActivity | undefined {
    return this.#registry.get(agent)?.get(name);
  }

  /** The activity of every trigger of `agent` not cancelled, in the order they were added. */
  activities(agent: string): TriggerActivity[] {
    return [...(this.#registry.get(agent)?.values() ?? [])];
  }

  /** Put a trigger into its series (creating the series when needed), or skip a one-shot already past. */
  #arm(entry: ScheduledTrigger, now: number): void {
    const { trigger, kind } = entry;
    const pastAt = kind.pastAt?.(trigger, now);
    if (pastAt !== undefined) {
      entry.state = "spent";
      // an `at` that catch-up runs is not skipped
      if (this.#options.caughtUp?.(entry.agent, trigger.name) === true) return;
      this.#fanOut.countersOf(entry.agent).triggersSkipped.past++;
      countSkip(entry, "past");
      this.#options.logger.warn(
        { agent: entry.agent, trigger: trigger.name, at: new Date(pastAt).toISOString() },
        `scheduler: trigger "${trigger.name}" of agent "${entry.agent}" is set for a time already past; skipped`,
      );
      return;
    }
    const after = kind.once ? -Infinity : now;
    const key = kind.seriesKey(trigger, now, entry.prepared);
    let series = this.#series.get(key);
    if (series === undefined || !series.canJoin(after)) {
      series = kind.createSeries(key, trigger, now, entry.prepared);
      series.arm(now);
      if (series.at === Infinity) {
        entry.state = "spent";
        this.#options.logger.error(
          { agent: entry.agent, trigger: trigger.name, err: series.error },
          `scheduler: trigger "${trigger.name}" of agent "${entry.agent}" has no next slot; it will not fire`,
        );
        return;
      }
      this.#series.set(series.key, series);
      this.#heap.push(series);
      if (!this.#batch && this.#state === "running" && series.at < this.#wakeAt) this.#rearm();
    }
    entry.after = after;
    entry.state = "armed";
    const triggers = this.#writable(series);
    entry.index = triggers.length;
    entry.series = series;
    triggers.push(entry);
  }

  /** The series' trigger list, copied first when a fan-out is iterating over it. */
  #writable(series: Series): ScheduledTrigger[] {
    if (series.busy && !series.copied) {
      series.triggers = series.triggers.slice();
      series.copied = true;
    }
    return series.triggers;
  }

  #cancel(entry: ScheduledTrigger): void {
    if (entry.state === "cancelled") return;
    entry.state = "cancelled";
    const names = this.#registry.get(entry.agent);
    if (names !== undefined && names.get(entry.trigger.name) === entry) {
      names.delete(entry.trigger.name);
      if (names.size === 0) this.#registry.delete(entry.agent);
    }
    const series = entry.series;
    if (series === undefined) return;
    entry.series = undefined;
    const triggers = this.#writable(series);
    const last = triggers.pop() as ScheduledTrigger;
    if (last !== entry) {
      triggers[entry.index] = last;
      last.index = entry.index;
    }
    entry.index = -1;
    if (triggers.length === 0) this.#retire(series);
  }

  /** Take a series out of the queue; when it has no slot left, its remaining triggers are spent. */
  #retire(series: Series): void {
    this.#heap.remove(series);
    if (this.#series.get(series.key) === series) this.#series.delete(series.key);
    if (series.at !== Infinity) return;
    for (const entry of series.triggers) {
      if (entry.series !== series) continue;
      entry.series = undefined;
      entry.state = "spent";
    }
  }

  #rearm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#wakeAt = Infinity;
    if (this.#state !== "running") return;
    const top = this.#heap.peek();
    if (top === undefined) return;
    const now = this.#clock.now();
    const delay = Math.min(Math.max(top.at - now, 0), this.#options.maxWait);
    this.#wakeAt = now + delay;
    this.#timer = this.#clock.setTimeout(this.#onTimer, delay);
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#wakeAt = Infinity;
    if (this.#state !== "running") return;
    const now = this.#clock.now();
    this.#batch = true;
    try {
      for (;;) {
        const series = this.#heap.peek();
        if (this.#state !== "running" || series === undefined || series.at > now) break;
        try {
          this.#fanOut.process(series, now);
        } catch (error) {
          series.at = Infinity;
          this.#options.logger.error({ series: series.describe(), err: error }, "scheduler: a series failed and was stopped");
        }
        if (series.heapIndex < 0) continue;
        if (series.at === Infinity || series.triggers.length === 0) this.#retire(series);
        else this.#heap.update(series);
      }
    } finally {
      this.#batch = false;
    }
    this.#rearm();
  };
}
