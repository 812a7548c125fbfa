import type { Duration } from "../../duration.js";
import { OnceSeries } from "../OnceSeries.js";
import type { ResolvedTriggerBase, TriggerOptions } from "../ScheduleSpec.js";
import type { TimeKind, TriggerKind } from "../TriggerKind.js";
import { durationKind } from "./durationKind.js";

/** Fire once, this long after the orchestrator starts (or after `orch.schedule()` is called). */
export interface DelayTriggerSpec extends Omit<TriggerOptions, "catchup"> {
  /** Fire once, this long after `start()` (or after `orch.schedule()`). */
  delay: Duration;
  /** Not for a delay: it counts from each start, so downtime misses none of its slots (use `at`, `every` or `cron`). */
  catchup?: never;
}

/** The fields of a `delay` trigger: the delay, in ms. */
export interface DelayFields {
  readonly kind: "delay";
  readonly delay: number;
}

/** One slot, `delay` after arming; it shares the series of any one-shot trigger due at the same instant. */
const timing: TimeKind<ResolvedTriggerBase & DelayFields> = {
  once: true,
  seriesKey: (trigger, now) => `once|${now + trigger.delay}`,
  createSeries: (key, trigger, now) => new OnceSeries(key, now + trigger.delay),
};

/** `{ delay: <duration> }`: once, that long after `start()` (or after `orch.schedule()` when already started). */
export const delayKind: TriggerKind<DelayFields, DelayTriggerSpec> = {
  ...durationKind<DelayFields, DelayTriggerSpec>("delay", { delay: "30s" }, false, timing),
  noCatchup:
    'a delay counts from each start (or each orch.schedule()), so downtime leaves no slot of it behind to catch up; for a job that must not be lost to downtime, use "at" (a fixed instant), "every" or "cron", each with its own catchup',
};
