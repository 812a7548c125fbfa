import type { Duration } from "../../duration.js";
import { EverySeries } from "../EverySeries.js";
import type { ResolvedTriggerBase, TriggerOptions } from "../ScheduleSpec.js";
import type { TimeKind, TriggerKind } from "../TriggerKind.js";
import { durationKind } from "./durationKind.js";

/** Fire on every multiple of `every` since the Unix epoch. */
export interface EveryTriggerSpec extends TriggerOptions {
  /** Fire on every multiple of this period since the Unix epoch (`15s`: at :00, :15, :30, :45), the first strictly after arming. */
  every: Duration;
}

/** The fields of an `every` trigger: the period, in ms. */
export interface EveryFields {
  readonly kind: "every";
  readonly every: number;
}

/** Slots are the multiples of the period: every instance agrees on them, and triggers of one period share a series. */
const timing: TimeKind<ResolvedTriggerBase & EveryFields> = {
  once: false,
  seriesKey: (trigger) => `every|${trigger.every}`,
  createSeries: (key, trigger) => new EverySeries(key, trigger.every),
};

/** `{ every: <duration> }`: on every multiple of the period since the Unix epoch, the first strictly after arming. */
export const everyKind: TriggerKind<EveryFields, EveryTriggerSpec> = durationKind<EveryFields, EveryTriggerSpec>("every", { every: "15s" }, true, timing);
