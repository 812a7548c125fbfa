import { childPath } from "../../config/keyPath.js";
import { formatDuration, type Duration } from "../../duration.js";
import { EverySeries } from "../EverySeries.js";
import type { ResolvedTriggerBase, TriggerOptions } from "../ScheduleSpec.js";
import type { TimeKind, TriggerKind } from "../TriggerKind.js";
import { isMilliseconds } from "./milliseconds.js";

/** Fire on every multiple of `every` since the Unix epoch. */
export interface EveryTriggerSpec extends TriggerOptions {
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
  prepare: () => undefined,
  seriesKey: (trigger) => `every|${trigger.every}`,
  createSeries: (key, trigger) => new EverySeries(key, trigger.every),
};

/** `{ every: <duration> }`: on every multiple of the period since the Unix epoch, the first strictly after arming. */
export const everyKind: TriggerKind<EveryFields, EveryTriggerSpec> = {
  kind: "every",
  example: { every: "15s" },
  keys: [],
  read(reader, spec, path) {
    const at = childPath(path, "every");
    const every = reader.duration(spec["every"], at) as number;
    return { fields: { kind: "every", every }, derivedName: `every:${formatDuration(every)}`, written: { path: at, value: spec["every"] } };
  },
  check(trigger, fail) {
    if (!isMilliseconds(trigger["every"], true)) fail("every", "a positive number of milliseconds");
  },
  timing,
};
