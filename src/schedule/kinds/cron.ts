import { describeValue } from "../../check.js";
import { childPath } from "../../config/keyPath.js";
import { ConfigError } from "../../errors/ConfigError.js";
import { cronHashSeed, compileCronPattern, firstCronSlot, parseCronPattern, type CronPattern } from "../CronSchedule.js";
import { CronSeries } from "../CronSeries.js";
import { CronExpressionError } from "../CronExpressionError.js";
import { CRON_EXPECTATION } from "../cronFields.js";
import { checkCronSyntax } from "../cronSyntax.js";
import type { ResolvedTriggerBase, TriggerOptions } from "../ScheduleSpec.js";
import { TimeZone } from "../TimeZone.js";
import type { KindReading, SpecReader, TimeKind, TriggerKind } from "../TriggerKind.js";

/** A cron trigger: 5 fields, or 6 with seconds first. */
export interface CronTriggerSpec extends TriggerOptions {
  /** A cron expression of 5 fields (minute first) or 6 (second first), or a macro such as `@hourly`. */
  cron: string;
  /** IANA time zone the expression is read in. @default the host's zone */
  timezone?: string;
}

/** The fields of a cron trigger: the expression (whitespace normalised) and its zone. */
export interface CronFields {
  readonly kind: "cron";
  readonly cron: string;
  readonly timezone?: string;
}

type CronTrigger = ResolvedTriggerBase & CronFields;

/** Time zones kept for the config's slot check (the cache is emptied past it). */
const ZONE_CACHE_LIMIT = 64;
const configZones = new Map<string, TimeZone>();
/** The host's zone name, read once (an `Intl.DateTimeFormat` per trigger costs more than the rest of its check). */
let hostZoneName: string | undefined;

/** Patterns the config check compiled and found a slot for, by zone, `H` seed and expression (emptied past the limit). */
const PATTERN_CACHE_LIMIT = 256;
const checkedPatterns = new Map<string, CronPattern>();

/**
 * The pattern each cron trigger was validated with in the config, keyed by the
 * frozen trigger: the scheduler takes it as is when its zone and `H` seed agree,
 * so an expression is parsed once on its way from the config to its series.
 * Weak and keyed by identity, so it holds no state of any orchestrator.
 */
const validatedPatterns = new WeakMap<object, CronPattern>();

/** A refused cron expression, in the library's words only. */
function refusal(value: unknown, error: unknown): { message: string; cause?: unknown } {
  // An unexpected failure keeps its text in `cause`, never in the message.
  const known = error instanceof CronExpressionError;
  const message = `invalid cron expression ${describeValue(value)}: ${known ? error.message : "it cannot be read"}`;
  return known ? { message } : { message, cause: error };
}

/** Throw through `reader` for a refused expression written at `path`. */
function failCron(reader: SpecReader, path: string, value: unknown, error: unknown): never {
  const { message, cause } = refusal(value, error);
  return reader.fail(path, message, { value, ...(cause === undefined ? {} : { cause }) });
}

function unknownZone(zone: unknown): string {
  return `unknown time zone ${describeValue(zone)}: expected an IANA time zone name such as "America/New_York" or "UTC"`;
}

/** The expression with its whitespace normalised, after {@link checkCronSyntax}. */
function readCron(reader: SpecReader, value: unknown, path: string): string {
  if (typeof value !== "string" || value.trim() === "") reader.expected(path, `a cron expression: ${CRON_EXPECTATION}`, value);
  const expression = value.trim().split(/\s+/).join(" ");
  try {
    checkCronSyntax(expression);
  } catch (error) {
    failCron(reader, path, value, error);
  }
  // the written string when it is already normal: triggers written alike share it
  return expression === value ? value : expression;
}

function readTimezone(reader: SpecReader, value: unknown, path: string): string | undefined {
  const zone = reader.string(value, path);
  if (zone === undefined) return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
  } catch (error) {
    reader.fail(path, unknownZone(zone), { value: zone, cause: error });
  }
  return zone;
}

/** The zone the config checks a cron trigger in: its own, or the host's (as the scheduler's default). */
function configZone(name: string | undefined): TimeZone {
  const key = name ?? (hostZoneName ??= new Intl.DateTimeFormat().resolvedOptions().timeZone);
  let zone = configZones.get(key);
  if (zone === undefined) {
    zone = new TimeZone(key);
    if (configZones.size >= ZONE_CACHE_LIMIT) configZones.clear();
    configZones.set(key, zone);
  }
  return zone;
}

/**
 * The pattern of `expression` in `zone`, refused when it has no slot; the same
 * expression, zone and seed are compiled and checked once (10,000 agents on
 * one expression parse it once). Whether an expression has a slot does not
 * depend on when it is asked: cron fields name no year.
 */
function checkedPattern(expression: string, zone: TimeZone, seed: string | undefined): CronPattern {
  const key = `${zone.name}|${seed ?? ""}|${expression}`;
  let pattern = checkedPatterns.get(key);
  if (pattern === undefined) {
    pattern = compileCronPattern(expression, zone, seed);
    firstCronSlot(pattern, Date.now());
    if (checkedPatterns.size >= PATTERN_CACHE_LIMIT) checkedPatterns.clear();
    checkedPatterns.set(key, pattern);
  }
  return pattern;
}

/** The zone of a trigger added to a scheduler, or a `ConfigError` naming `timezone`. */
function schedulerZone(trigger: CronTrigger, path: string, zone: (name: string | undefined) => TimeZone): TimeZone {
  try {
    return zone(trigger.timezone);
  } catch (error) {
    throw new ConfigError(unknownZone(trigger.timezone), { path: `${path}.timezone`, value: trigger.timezone, cause: error });
  }
}

/** Cron slots: one series per normalised expression and zone, its pattern parsed and validated once. */
const timing: TimeKind<CronTrigger, CronPattern> = {
  once: false,
  prepare(agent, trigger, scope) {
    const path = `schedule.${agent}[${trigger.name}]`;
    const zone = schedulerZone(trigger, path, (name) => scope.zone(name));
    const expression = trigger.cron.trim();
    // `H` fields are resolved per trigger, identically on every instance and in the config check.
    const seed = cronHashSeed(agent, trigger.name, expression);
    const validated = validatedPatterns.get(trigger);
    if (validated !== undefined && validated.zone.name === zone.name && validated.hashSeed === seed) return validated;
    return scope.memo(`cron|${zone.name}|${seed ?? ""}|${expression}`, () => {
      try {
        const pattern = parseCronPattern(expression, zone, seed);
        // The same floating-time path as firing: refused only when firing would find no slot either.
        firstCronSlot(pattern, scope.now());
        return pattern;
      } catch (error) {
        const { message, cause } = refusal(trigger.cron, error);
        throw new ConfigError(message, { path: `${path}.cron`, value: trigger.cron, ...(cause === undefined ? {} : { cause }) });
      }
    });
  },
  seriesKey: (_trigger, _now, pattern) => `cron|${pattern.zone.name}|${pattern.canonical}`,
  createSeries: (key, _trigger, _now, pattern) => new CronSeries(key, pattern),
};

function reading(cron: string, timezone: string | undefined, written: KindReading<CronFields>["written"]): KindReading<CronFields> {
  const fields: CronFields = timezone === undefined ? { kind: "cron", cron } : { kind: "cron", cron, timezone };
  return { fields, derivedName: `cron:${cron}${timezone === undefined ? "" : `@${timezone}`}`, written };
}

/** `"<cron>"` or `{ cron, timezone? }`: on each slot of the expression in its zone, strictly after arming. */
export const cronKind: TriggerKind<CronFields, CronTriggerSpec> = {
  kind: "cron",
  example: { cron: "0 17 * * 1-5", timezone: "America/New_York" },
  keys: ["timezone"],
  read(reader, spec, path) {
    const timezone = readTimezone(reader, spec["timezone"], childPath(path, "timezone"));
    const cronPath = childPath(path, "cron");
    return reading(readCron(reader, spec["cron"], cronPath), timezone, { path: cronPath, value: spec["cron"] });
  },
  readString: (reader, spec, path) => reading(readCron(reader, spec, path), undefined, { path, value: spec }),
  /**
   * Refuse a cron trigger that has no slot, computed as the scheduler fires it
   * (floating local time in its zone, the DST rules of decision 21, `H` resolved
   * from `agent` and the trigger's final name). An expression with `H` whose
   * agent is unknown here is left to the scheduler, which checks it when added.
   */
  settle(reader, trigger, written, agent) {
    const seed = cronHashSeed(agent ?? "", trigger.name, trigger.cron);
    if (seed !== undefined && agent === undefined) return;
    try {
      validatedPatterns.set(trigger, checkedPattern(trigger.cron, configZone(trigger.timezone), seed));
    } catch (error) {
      failCron(reader, written.path, written.value, error);
    }
  },
  check(trigger, fail) {
    if (typeof trigger["cron"] !== "string") fail("cron", "a cron expression string");
    const timezone = trigger["timezone"];
    if (timezone !== undefined && (typeof timezone !== "string" || timezone === "")) fail("timezone", "an IANA time zone name");
  },
  timing,
};
