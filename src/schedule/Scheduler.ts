import { MAX_TIMEOUT_MS, systemClock, type Clock } from "../clock.js";
import { ConfigError } from "../errors/ConfigError.js";
import { LifecycleError } from "../errors/LifecycleError.js";
import { consoleLogger, type Logger } from "../logger.js";
import { AgentCounters } from "../stats/AgentCounters.js";
import type { HistogramData } from "../stats/HistogramData.js";
import { checkTrigger } from "./checkTrigger.js";
import { cronHashSeed, firstCronSlot, parseCronPattern, type CronPattern } from "./CronSchedule.js";
import { CronSeries } from "./CronSeries.js";
import { CronExpressionError } from "./cronSyntax.js";
import { DueSlots } from "./DueSlots.js";
import { EverySeries } from "./EverySeries.js";
import { OnceSeries } from "./OnceSeries.js";
import { ScheduledTrigger } from "./ScheduledTrigger.js";
import type { ResolvedTrigger, TickMessage } from "./ScheduleSpec.js";
import type { Series } from "./Series.js";
import { TimerHeap } from "./TimerHeap.js";
import { TimeZone } from "./TimeZone.js";

/** The longest the scheduler's timer waits before it re-reads the wall clock, in ms. */
export const DEFAULT_MAX_WAIT_MS = 30_000;

/** Parsed cron patterns kept at most (the cache is emptied past it). */
const PATTERN_CACHE_LIMIT = 10_000;

/** Options of a {@link Scheduler}. */
export interface SchedulerOptions {
  /**
   * Source of time and timers. The wall clock (`now()`) is re-read on every wake-up.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Where warnings go: an `at` already past, slots found late, a `fire` that threw.
   * @default consoleLogger
   */
  logger?: Logger;
  /** The counters of an agent, where fired and skipped slots are counted. */
  counters: (agent: string) => AgentCounters;
  /**
   * Receives, for each fired tick, the seconds between its slot and its firing.
   * @default none
   */
  lateness?: HistogramData;
  /**
   * Whether an agent can take a tick now. A slot of an inactive agent is not
   * fired and counts as skipped (`agent-down`); it never waits for a restart.
   * @default every agent is active
   */
  isActive?: (agent: string) => boolean;
  /** Called synchronously with each tick to deliver (the message published on `cron.<agent>`); errors it throws are logged. */
  fire: (tick: TickMessage) => void;
  /**
   * Longest single wait of the timer, in ms: far slots are reached in steps, so
   * a wall-clock jump or a suspended machine is noticed within this time.
   * @default 30000
   */
  maxWait?: number;
  /**
   * Time zone of cron triggers that name none.
   * @default the host's zone
   */
  timezone?: string;
}

/** What {@link Scheduler.add} returns. */
export interface ScheduleHandle {
  /** Remove the trigger: none of its slots fires afterwards. Idempotent. */
  cancel(): void;
}

type SchedulerState = "idle" | "running" | "stopped";

/**
 * Fires the triggers of many agents from one timer queue: a min-heap of
 * series, one per distinct schedule (cron expression and zone, `every` period,
 * instant), and one armed clock timer. Triggers sharing a schedule share its
 * slot computation; each slot is fanned out to all of them.
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
export class Scheduler {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #counters: (agent: string) => AgentCounters;
  readonly #lateness: HistogramData | undefined;
  readonly #isActive: ((agent: string) => boolean) | undefined;
  readonly #fire: (tick: TickMessage) => void;
  readonly #maxWait: number;
  readonly #defaultZone: string;

  readonly #zones = new Map<string, TimeZone>();
  /** Parsed cron patterns by `zone|seed|expression`. */
  readonly #patterns = new Map<string, CronPattern>();
  /** Parsed cron patterns by series key. */
  readonly #patternBySeries = new Map<string, CronPattern>();
  /** The series new triggers join, by key. */
  readonly #series = new Map<string, Series>();
  readonly #heap = new TimerHeap<Series>();
  /** Every trigger not cancelled, by agent and name. */
  readonly #registry = new Map<string, Map<string, ScheduledTrigger>>();
  #waiting: ScheduledTrigger[] = [];
  readonly #due = new DueSlots();

  #state: SchedulerState = "idle";
  #timer: unknown = undefined;
  #wakeAt = Infinity;
  /** True while the scheduler itself walks the queue: adds then skip re-arming. */
  #batch = false;

  constructor(options: SchedulerOptions) {
    if (typeof options.fire !== "function") throw new TypeError(`Scheduler: expected \`fire\` to be a function, got ${typeof options.fire}`);
    if (typeof options.counters !== "function") {
      throw new TypeError(`Scheduler: expected \`counters\` to be a function, got ${typeof options.counters}`);
    }
    const maxWait = options.maxWait ?? DEFAULT_MAX_WAIT_MS;
    if (!Number.isFinite(maxWait) || maxWait <= 0 || maxWait > MAX_TIMEOUT_MS) {
      throw new TypeError(`Scheduler: expected \`maxWait\` to be a number of ms in (0, ${MAX_TIMEOUT_MS}], got ${String(maxWait)}`);
    }
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? consoleLogger;
    this.#counters = options.counters;
    this.#lateness = options.lateness;
    this.#isActive = options.isActive;
    this.#fire = options.fire;
    this.#maxWait = maxWait;
    const zone = options.timezone ?? new Intl.DateTimeFormat().resolvedOptions().timeZone;
    try {
      this.#defaultZone = this.#zone(zone).name;
    } catch (error) {
      throw new TypeError(`Scheduler: expected \`timezone\` to be an IANA time zone name, got ${JSON.stringify(zone)}`, { cause: error });
    }
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
   *   values), or a name the agent already uses for a live trigger.
   * @throws LifecycleError `SHUT_DOWN` after {@link Scheduler.stop}.
   */
  add(agent: string, trigger: ResolvedTrigger): ScheduleHandle {
    if (this.#state === "stopped") throw new LifecycleError("SHUT_DOWN", `Scheduler.add: the scheduler is stopped (agent "${String(agent)}")`);
    checkTrigger(agent, trigger);
    let names = this.#registry.get(agent);
    const existing = names?.get(trigger.name);
    if (existing !== undefined && (existing.state === "waiting" || existing.state === "armed")) {
      throw new ConfigError(`agent "${agent}" already has a trigger named "${trigger.name}"; trigger names must be unique per agent`, {
        path: `schedule.${agent}`,
        value: trigger.name,
      });
    }
    const entry = new ScheduledTrigger(agent, trigger, this.#keyOf(agent, trigger));
    if (names === undefined) {
      names = new Map();
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
  start(): void {
    if (this.#state === "running") throw new LifecycleError("ALREADY_STARTED", "Scheduler.start: already started");
    if (this.#state === "stopped") throw new LifecycleError("SHUT_DOWN", "Scheduler.start: the scheduler is stopped");
    this.#state = "running";
    const now = this.#clock.now();
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
          this.#logger.error({ agent: entry.agent, trigger: entry.trigger.name, err: error }, "scheduler: could not arm a trigger; it will not fire");
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

  /** The series key of a trigger (for `delay`, completed when armed); parses and validates cron patterns. */
  #keyOf(agent: string, trigger: ResolvedTrigger): string {
    switch (trigger.kind) {
      case "cron": {
        const pattern = this.#pattern(agent, trigger);
        const key = `cron|${pattern.zone.name}|${pattern.canonical}`;
        if (!this.#patternBySeries.has(key)) this.#patternBySeries.set(key, pattern);
        return key;
      }
      case "every":
        return `every|${trigger.every}`;
      case "at":
        return `once|${trigger.at}`;
      case "delay":
        return "";
    }
  }

  #pattern(agent: string, trigger: ResolvedTrigger & { kind: "cron" }): CronPattern {
    const path = `schedule.${agent}[${trigger.name}]`;
    const zoneName = trigger.timezone ?? this.#defaultZone;
    let zone: TimeZone;
    try {
      zone = this.#zone(zoneName);
    } catch (error) {
      throw new ConfigError(`unknown time zone ${JSON.stringify(zoneName)}; expected an IANA name such as "America/New_York"`, {
        path: `${path}.timezone`,
        value: zoneName,
        cause: error,
      });
    }
    const expression = trigger.cron.trim();
    // `H` fields are resolved per trigger, identically on every instance and in the config check.
    const seed = cronHashSeed(agent, trigger.name, expression);
    const cacheKey = `${zone.name}|${seed ?? ""}|${expression}`;
    let pattern = this.#patterns.get(cacheKey);
    if (pattern !== undefined) return pattern;
    try {
      pattern = parseCronPattern(expression, zone, seed);
      // The same floating-time path as firing: refused only when firing would find no slot either.
      firstCronSlot(pattern, this.#clock.now());
    } catch (error) {
      // Our own words only: an unexpected failure keeps its text in `cause`, never in the message.
      const known = error instanceof CronExpressionError;
      throw new ConfigError(`invalid cron expression ${JSON.stringify(trigger.cron)}: ${known ? error.message : "it cannot be read"}`, {
        path: `${path}.cron`,
        value: trigger.cron,
        ...(known ? {} : { cause: error }),
      });
    }
    if (this.#patterns.size >= PATTERN_CACHE_LIMIT) this.#patterns.clear();
    this.#patterns.set(cacheKey, pattern);
    return pattern;
  }

  #zone(name: string): TimeZone {
    let zone = this.#zones.get(name);
    if (zone === undefined) {
      zone = new TimeZone(name);
      this.#zones.set(name, zone);
    }
    return zone;
  }

  /** Put a trigger into its series (creating the series when needed), or skip an `at` already past. */
  #arm(entry: ScheduledTrigger, now: number): void {
    const trigger = entry.trigger;
    let after = now;
    if (trigger.kind === "at") {
      if (trigger.at < now) {
        entry.state = "spent";
        this.#countersOf(entry.agent).triggersSkipped.past++;
        this.#logger.warn(
          { agent: entry.agent, trigger: trigger.name, at: new Date(trigger.at).toISOString() },
          `scheduler: trigger "${trigger.name}" of agent "${entry.agent}" is set for a time already past; skipped`,
        );
        return;
      }
      after = -Infinity;
    } else if (trigger.kind === "delay") {
      entry.seriesKey = `once|${now + trigger.delay}`;
      after = -Infinity;
    }
    let series = this.#series.get(entry.seriesKey);
    if (series === undefined || !series.canJoin(after)) {
      series = this.#createSeries(entry, now);
      series.arm(now);
      if (series.at === Infinity) {
        entry.state = "spent";
        this.#logger.error(
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

  #createSeries(entry: ScheduledTrigger, now: number): Series {
    const trigger = entry.trigger;
    const key = entry.seriesKey;
    switch (trigger.kind) {
      case "cron":
        return new CronSeries(key, this.#patternBySeries.get(key) as CronPattern);
      case "every":
        return new EverySeries(key, trigger.every);
      case "at":
        return new OnceSeries(key, trigger.at);
      case "delay":
        return new OnceSeries(key, now + trigger.delay);
    }
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
    const delay = Math.min(Math.max(top.at - now, 0), this.#maxWait);
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
          this.#process(series, now);
        } catch (error) {
          series.at = Infinity;
          this.#logger.error({ series: series.describe(), err: error }, "scheduler: a series failed and was stopped");
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

  /** Hand the due slots of one series to each of its triggers. */
  #process(series: Series, now: number): void {
    const due = this.#due;
    due.reset();
    series.collect(now, due);
    if (series.error !== undefined) {
      this.#logger.error({ series: series.describe(), err: series.error }, "scheduler: no further slot can be computed; the series stops");
    }
    const once = series instanceof OnceSeries;
    const latest = due.latest;
    const iso = new Date(latest).toISOString();
    const onTime = now - latest;
    const triggers = series.triggers;
    series.busy = true;
    series.copied = false;
    let lateTriggers = 0;
    try {
      for (let i = 0; i < triggers.length && this.#state === "running"; i++) {
        const entry = triggers[i] as ScheduledTrigger;
        if (entry.series !== series) continue;
        if (once) {
          entry.state = "spent";
          entry.series = undefined;
        }
        const count = due.countAfter(entry.after);
        if (count === 0) continue;
        entry.after = latest;
        const trigger = entry.trigger;
        const fire = onTime <= trigger.misfireGrace || trigger.misfire === "once";
        const missed = fire ? count - 1 : count;
        const counters = this.#countersOf(entry.agent);
        if (missed > 0) {
          counters.triggersSkipped.misfire += missed;
          lateTriggers++;
        }
        if (fire) this.#deliver(entry, latest, iso, counters);
      }
    } finally {
      series.busy = false;
      series.copied = false;
    }
    if (lateTriggers > 0) {
      this.#logger.warn(
        { series: series.describe(), slots: due.count, atLeast: due.capped, triggers: lateTriggers, lateMs: now - due.first },
        "scheduler: slots found late (stalled event loop, suspended machine or clock jump) were skipped as misfires",
      );
    }
  }

  #deliver(entry: ScheduledTrigger, scheduledAt: number, iso: string, counters: AgentCounters): void {
    const agent = entry.agent;
    let active = true;
    if (this.#isActive !== undefined) {
      try {
        active = this.#isActive(agent);
      } catch (error) {
        this.#logger.error({ agent, err: error }, "scheduler: isActive() threw; the slot is skipped");
        active = false;
      }
    }
    if (!active) {
      counters.triggersSkipped["agent-down"]++;
      return;
    }
    const firedAt = this.#clock.now();
    // entry.keyPrefix is tickKeyPrefix(agent, trigger): the key is tickKey() without a Date per trigger
    const tick: TickMessage = { agent, trigger: entry.trigger.name, scheduledAt, firedAt, key: entry.keyPrefix + iso };
    counters.triggersFired++;
    this.#lateness?.observe((firedAt - scheduledAt) / 1_000);
    try {
      this.#fire(tick);
    } catch (error) {
      this.#logger.error({ agent, trigger: tick.trigger, key: tick.key, err: error }, "scheduler: fire() threw");
    }
  }

  #countersOf(agent: string): AgentCounters {
    try {
      return this.#counters(agent);
    } catch (error) {
      this.#logger.error({ agent, err: error }, "scheduler: counters() threw; this slot is not counted");
      return new AgentCounters();
    }
  }
}
