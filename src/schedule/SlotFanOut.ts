import { AgentCounters } from "../stats/AgentCounters.js";
import { DueSlots } from "./DueSlots.js";
import { firesLatest } from "./misfire.js";
import type { ScheduledTrigger } from "./ScheduledTrigger.js";
import type { SettledSchedulerOptions } from "./SchedulerOptions.js";
import type { TickMessage } from "./ScheduleSpec.js";
import type { Series } from "./Series.js";
import type { TriggerTarget } from "./TriggerTarget.js";
import { countSkip } from "./TriggerActivity.js";

/**
 * Hands the due slots of a series to each of its triggers: counts the slots
 * missed, decides by each trigger's `misfire` policy whether the latest runs,
 * skips agents that are not active, builds the tick and calls the sink.
 */
export class SlotFanOut {
  readonly #options: SettledSchedulerOptions;
  /** True while the owner is running: a fan-out stops as soon as it is not. */
  readonly #running: () => boolean;
  readonly #due = new DueSlots();

  /**
   * @param options - the scheduler's options: clock, logger, counters, lateness, isActive and the sink
   * @param running - whether the scheduler still runs (a fan-out stops once it does not)
   */
  constructor(options: SettledSchedulerOptions, running: () => boolean) {
    this.#options = options;
    this.#running = running;
  }

  /** Collect the slots of `series` due at `now` and hand them to its triggers. */
  process(series: Series, now: number): void {
    const due = this.#due;
    due.reset();
    series.collect(now, due);
    if (series.error !== undefined) {
      this.#options.logger.error({ series: series.describe(), err: series.error }, "scheduler: no further slot can be computed; the series stops");
    }
    series.busy = true;
    series.copied = false;
    let lateTriggers = 0;
    try {
      lateTriggers = this.#fanOut(series, now, due);
    } finally {
      series.busy = false;
      series.copied = false;
    }
    if (lateTriggers > 0) {
      this.#options.logger.warn(
        { series: series.describe(), slots: due.count, atLeast: due.capped, triggers: lateTriggers, lateMs: now - due.first },
        "scheduler: slots found late (stalled event loop, suspended machine or clock jump) were skipped as misfires",
      );
    }
  }

  /** The counters of `agent`; a `counters()` that throws is logged and the slot is counted nowhere. */
  countersOf(agent: string): AgentCounters {
    try {
      return this.#options.counters(agent);
    } catch (error) {
      this.#options.logger.error({ agent, err: error }, "scheduler: counters() threw; this slot is not counted");
      return new AgentCounters();
    }
  }

  /** Each trigger's share of the due slots; returns how many triggers had slots skipped as misfires. */
  #fanOut(series: Series, now: number, due: DueSlots): number {
    const once = series.once;
    const latest = due.latest;
    const iso = new Date(latest).toISOString();
    const onTime = now - latest;
    const triggers = series.triggers;
    let lateTriggers = 0;
    for (let i = 0; i < triggers.length && this.#running(); i++) {
      const entry = triggers[i] as ScheduledTrigger;
      if (entry.series !== series) continue;
      if (once) {
        entry.state = "spent";
        entry.series = undefined;
      }
      const count = due.countAfter(entry.after);
      if (count === 0) continue;
      entry.after = latest;
      const counters = entry.counters ?? this.#countersOf(entry);
      if (entry.paused) {
        // an operator paused it: every due slot is skipped, the misfire policy does not matter
        counters.triggersSkipped.paused += count;
        countSkip(entry, "paused", count);
        this.#passed(entry, latest);
        continue;
      }
      const trigger = entry.trigger;
      const fire = firesLatest(onTime, trigger.misfire, trigger.misfireGrace);
      const missed = fire ? count - 1 : count;
      if (missed > 0) {
        counters.triggersSkipped.misfire += missed;
        countSkip(entry, "misfire", missed);
        lateTriggers++;
        // the slots before the latest were not run; the latest is begun (or passed over) just below
        if (fire) this.#passed(entry, latest - 1);
      }
      if (fire) this.#deliver(entry, latest, iso, counters);
      else this.#passed(entry, latest);
    }
    return lateTriggers;
  }

  /**
   * The counters of the entry's agent, kept on the entry once answered: its
   * target's (the `target` option, asked once per trigger), else `counters()`'s.
   */
  #countersOf(entry: ScheduledTrigger): AgentCounters {
    const resolve = this.#options.target;
    if (resolve !== undefined) {
      let target: TriggerTarget | undefined;
      try {
        target = resolve(entry.agent);
      } catch (error) {
        this.#options.logger.error({ agent: entry.agent, err: error }, "scheduler: target() threw; the slot goes through fire()");
      }
      if (target !== undefined) {
        entry.target = target;
        return (entry.counters = target.counters);
      }
    }
    try {
      return (entry.counters = this.#options.counters(entry.agent));
    } catch (error) {
      this.#options.logger.error({ agent: entry.agent, err: error }, "scheduler: counters() threw; this slot is not counted");
      return new AgentCounters();
    }
  }

  /** Deliver through the trigger's target: no lookup by agent, no tick message unless the target needs one. */
  #deliverTo(target: TriggerTarget, entry: ScheduledTrigger, scheduledAt: number, iso: string, counters: AgentCounters): void {
    const { clock, logger, lateness } = this.#options;
    let active: boolean;
    try {
      active = target.isActive();
    } catch (error) {
      logger.error({ agent: entry.agent, err: error }, "scheduler: isActive() threw; the slot is skipped");
      active = false;
    }
    if (!active) {
      counters.triggersSkipped["agent-down"]++;
      countSkip(entry, "agent-down");
      this.#passed(entry, scheduledAt);
      return;
    }
    const firedAt = clock.now();
    counters.triggersFired += this.#options.firedIncrement;
    lateness?.observe((firedAt - scheduledAt) / 1_000);
    const key = entry.keyPrefix + iso;
    try {
      target.deliver(entry.trigger, scheduledAt, firedAt, key);
    } catch (error) {
      logger.error({ agent: entry.agent, trigger: entry.trigger.name, key, err: error }, "scheduler: fire() threw");
    }
  }

  /** Tell the `passed` option (a trigger store) that slots up to `slot` of the entry's trigger were not run. */
  #passed(entry: ScheduledTrigger, slot: number): void {
    const passed = this.#options.passed;
    if (passed === undefined) return;
    try {
      passed(entry.agent, entry.trigger.name, slot);
    } catch (error) {
      this.#options.logger.error({ agent: entry.agent, trigger: entry.trigger.name, err: error }, "scheduler: passed() threw");
    }
  }

  #deliver(entry: ScheduledTrigger, scheduledAt: number, iso: string, counters: AgentCounters): void {
    const target = entry.target;
    if (target !== undefined) return this.#deliverTo(target, entry, scheduledAt, iso, counters);
    const agent = entry.agent;
    const { clock, logger, isActive, lateness } = this.#options;
    let active = true;
    if (isActive !== undefined) {
      try {
        active = isActive(agent);
      } catch (error) {
        logger.error({ agent, err: error }, "scheduler: isActive() threw; the slot is skipped");
        active = false;
      }
    }
    if (!active) {
      counters.triggersSkipped["agent-down"]++;
      countSkip(entry, "agent-down");
      this.#passed(entry, scheduledAt);
      return;
    }
    const firedAt = clock.now();
    // entry.keyPrefix is tickKeyPrefix(agent, trigger): the key is tickKey() without a second Date
    const tick: TickMessage = { agent, trigger: entry.trigger.name, scheduledAt, firedAt, key: entry.keyPrefix + iso };
    counters.triggersFired += this.#options.firedIncrement;
    lateness?.observe((firedAt - scheduledAt) / 1_000);
    try {
      this.#options.fire(tick, entry.trigger);
    } catch (error) {
      logger.error({ agent, trigger: tick.trigger, key: tick.key, err: error }, "scheduler: fire() threw");
    }
  }
}
