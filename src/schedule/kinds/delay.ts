import type { Duration } from "../../duration.js";
import { OnceSeries } from "../OnceSeries.js";
import type { ResolvedTriggerBase, TriggerOptions } from "../ScheduleSpec.js";
import type { TimeKind, TriggerKind } from "../TriggerKind.js";
import { durationKind } from "./durationKind.js";

/** Fire once, this long after the orchestrator starts (or after `orch.schedule()` is called). */
export interface DelayTriggerSpec extends TriggerOptions {
  /** Fire once, this long after `start()` (or after `orch.schedule()`). */
  delay: Duration;
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
export const delayKind: TriggerKind<DelayFields, DelayTriggerSpec> = durationKind<DelayFields, DelayTriggerSpec>("delay", { delay: "30s" }, false, timing);
