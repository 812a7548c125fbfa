import { childPath } from "../../config/keyPath.js";
import { parseInstant } from "../../config/parseInstant.js";
import { OnceSeries } from "../OnceSeries.js";
import type { ResolvedTriggerBase, TriggerOptions } from "../ScheduleSpec.js";
import type { SpecReader, TimeKind, TriggerKind } from "../TriggerKind.js";

/** Fire once at an ISO 8601 instant (an `at` already past is skipped with a warning). */
export interface AtTriggerSpec extends TriggerOptions {
  /** The instant to fire once, an ISO 8601 instant with its zone (`"2026-12-01T14:30:00Z"`); in code also a `Date`. */
  at: string | Date;
}

/** The fields of an `at` trigger: the instant, in ms since the epoch. */
export interface AtFields {
  readonly kind: "at";
  readonly at: number;
}

const EXPECTED = 'an ISO 8601 instant with a time zone designator, such as "2026-12-01T14:30:00Z" or "2026-12-01T09:30:00-05:00", or a Date';

/** One slot at the instant; an instant already past when armed is skipped (counted `past`). */
const timing: TimeKind<ResolvedTriggerBase & AtFields> = {
  once: true,
  pastAt: (trigger, now) => (trigger.at < now ? trigger.at : undefined),
  seriesKey: (trigger) => `once|${trigger.at}`,
  createSeries: (key, trigger) => new OnceSeries(key, trigger.at),
};

/** `{ at: "<ISO 8601>" }`: once, at that instant. */
export const atKind: TriggerKind<AtFields, AtTriggerSpec> = {
  kind: "at",
  example: { at: "2026-12-01T14:30:00Z" },
  read(reader, spec, path) {
    const where = childPath(path, "at");
    const at = readInstant(reader, spec["at"], where);
    return { fields: { kind: "at", at }, derivedName: `at:${new Date(at).toISOString()}`, written: { path: where, value: spec["at"] } };
  },
  check(trigger, fail) {
    const at = trigger["at"];
    if (typeof at !== "number" || !Number.isFinite(at)) fail("at", "an instant in ms since the epoch");
  },
  timing,
};

/** An ISO 8601 instant with a zone designator, or a valid Date, in ms since the epoch. */
function readInstant(reader: SpecReader, value: unknown, path: string): number {
  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isNaN(time)) reader.expected(path, EXPECTED, value);
    return time;
  }
  const instant = typeof value === "string" ? parseInstant(value.trim()) : undefined;
  if (instant === undefined) reader.expected(path, EXPECTED, value);
  return instant;
}
