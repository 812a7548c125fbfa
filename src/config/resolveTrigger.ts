import { CronExpressionParser } from "cron-parser";
import { formatDuration } from "../duration.js";
import type { MisfirePolicy, OverlapPolicy, ResolvedTrigger } from "../schedule/ScheduleSpec.js";
import { isValidAgentName } from "./agentName.js";
import { ConfigChecker } from "./ConfigChecker.js";
import { DEFAULTS } from "./defaults.js";
import { describeValue } from "./describeValue.js";
import { childPath } from "./keyPath.js";
import { parseInstant } from "./parseInstant.js";

/** The keys that choose a trigger's kind; a trigger mapping has exactly one. */
export const TRIGGER_KINDS = ["cron", "at", "delay", "every"] as const;

/** Accepted `overlap` values. */
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ["skip", "queue", "allow"];

/** Accepted `misfire` values. */
export const MISFIRE_POLICIES: readonly MisfirePolicy[] = ["skip", "once"];

const TRIGGER_KEYS = [...TRIGGER_KINDS, "timezone", "name", "overlap", "misfire", "misfireGrace", "timeout"] as const;

const CRON_EXPECTATION = "5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first";

/** Where a trigger sits, for error messages. */
export interface TriggerContext {
  /** The agent the trigger belongs to. */
  agent: string;
  /** Key path named in error messages. @default `schedule.<agent>` */
  path?: string;
  /** Position of the trigger in its agent's list; appended to `path` as `[index]`. */
  index?: number;
}

/** Options of {@link resolveSchedule}. */
export interface ScheduleContext {
  /** Key path named in error messages. @default `schedule.<agent>` */
  path?: string;
  /**
   * Trigger names the agent already uses (its configured triggers, when
   * `orch.schedule()` adds more): derived names avoid them, an explicit `name`
   * equal to one is an error.
   */
  taken?: Iterable<string>;
}

/**
 * Validate one trigger spec (`schedule.<agent>`, or one item of its list) and
 * return it with defaults filled in, durations in milliseconds and `at` in
 * milliseconds since the epoch. Throws a {@link ConfigError} naming the key path,
 * the bad value and what was expected. An `at` in the past is accepted (the
 * scheduler skips it with a warning).
 *
 * @example
 * ```ts
 * resolveTrigger({ cron: "0 17 * * 1-5", timezone: "America/New_York" }, { agent: "report" });
 * // { kind: "cron", cron: "0 17 * * 1-5", timezone: "America/New_York",
 * //   name: "cron:0 17 * * 1-5@America/New_York", overlap: "skip", misfire: "skip", misfireGrace: 1000 }
 * ```
 */
export function resolveTrigger(spec: unknown, context: TriggerContext): ResolvedTrigger {
  const base = context.path ?? childPath("schedule", context.agent);
  const path = context.index === undefined ? base : childPath(base, context.index);
  return checkTrigger(new ConfigChecker(undefined), spec, path).trigger;
}

/**
 * Validate the value of `schedule.<agent>` (one trigger or a list) and return
 * its triggers with names unique for the agent: a derived name already in use
 * gets `#2`, `#3`, …; a duplicate explicit `name` is an error. The orchestrator
 * also calls it for `orch.schedule(name, spec)`.
 *
 * @example
 * ```ts
 * resolveSchedule("pnl", [{ every: "15s" }, { every: "15s", overlap: "queue" }]);
 * // names "every:15s" and "every:15s#2"
 * ```
 */
export function resolveSchedule(agent: string, spec: unknown, context: ScheduleContext = {}): ResolvedTrigger[] {
  const checker = new ConfigChecker(undefined);
  const path = context.path ?? childPath("schedule", typeof agent === "string" ? agent : String(agent));
  if (!isValidAgentName(agent)) {
    checker.fail(path, `invalid agent name ${describeValue(agent)}: expected letters, digits, "_" or "-", and not __proto__, constructor or prototype`, {
      value: agent,
    });
  }
  return checkSchedule(checker, spec, path, context.taken ?? []);
}

/** A validated trigger and whether its name was written by the user. */
export interface CheckedTrigger {
  /** The trigger, with its derived or explicit name. */
  readonly trigger: ResolvedTrigger;
  /** Whether `name` was written by the user (then it is never suffixed). */
  readonly explicitName: boolean;
}

/** {@link resolveSchedule} with a given checker (positions from the config file). */
export function checkSchedule(checker: ConfigChecker, spec: unknown, path: string, taken: Iterable<string>): ResolvedTrigger[] {
  if (spec === undefined || spec === null) checker.expected(path, "a trigger (a cron string or a mapping) or a list of triggers", spec);
  const items: Array<{ checked: CheckedTrigger; path: string }> = Array.isArray(spec)
    ? spec.map((item: unknown, index) => ({ checked: checkTrigger(checker, item, childPath(path, index)), path: childPath(path, index) }))
    : [{ checked: checkTrigger(checker, spec, path), path }];
  const used = new Set(taken);
  for (const { checked, path: itemPath } of items) {
    if (!checked.explicitName) continue;
    const name = checked.trigger.name;
    if (used.has(name)) {
      checker.fail(childPath(itemPath, "name"), `duplicate trigger name ${JSON.stringify(name)}: the agent's trigger names must be unique`, { value: name });
    }
    used.add(name);
  }
  return items.map(({ checked }) => {
    if (checked.explicitName) return checked.trigger;
    const base = checked.trigger.name;
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}#${n}`;
    used.add(name);
    return name === base ? checked.trigger : Object.freeze({ ...checked.trigger, name });
  });
}

/** {@link resolveTrigger} with a given checker and the trigger's own key path. */
export function checkTrigger(checker: ConfigChecker, spec: unknown, path: string): CheckedTrigger {
  if (typeof spec === "string") {
    const cron = checkCron(checker, spec, path, undefined);
    return { trigger: finish(checker, { kind: "cron", cron }, {}, path, `cron:${cron}`), explicitName: false };
  }
  const object = checker.mapping(spec, path, TRIGGER_KEYS);
  if (object === undefined) checker.expected(path, 'a trigger: a cron string, or a mapping with one of "cron", "at", "delay", "every"', spec);
  const kinds = TRIGGER_KINDS.filter((kind) => object[kind] !== undefined);
  const [kind, second] = kinds;
  if (kind === undefined) {
    checker.expected(path, 'a trigger mapping with one of "cron", "at", "delay", "every"', spec);
  }
  if (second !== undefined) {
    checker.fail(path, `a trigger has exactly one of "cron", "at", "delay", "every", got ${kinds.map((k) => JSON.stringify(k)).join(" and ")}`, {
      value: spec,
    });
  }
  if (kind !== "cron" && object["timezone"] !== undefined) {
    checker.fail(childPath(path, "timezone"), `"timezone" applies to cron triggers only, not to "${kind}" triggers`, { value: object["timezone"] });
  }
  const explicitName = object["name"] !== undefined;
  switch (kind) {
    case "cron": {
      const timezone = checkTimezone(checker, object["timezone"], childPath(path, "timezone"));
      const cron = checkCron(checker, object["cron"], childPath(path, "cron"), timezone);
      const shape = timezone === undefined ? { kind, cron } : { kind, cron, timezone };
      return { trigger: finish(checker, shape, object, path, `cron:${cron}${timezone === undefined ? "" : `@${timezone}`}`), explicitName };
    }
    case "at": {
      const at = checkAt(checker, object["at"], childPath(path, "at"));
      return { trigger: finish(checker, { kind, at }, object, path, `at:${new Date(at).toISOString()}`), explicitName };
    }
    case "delay": {
      const delay = checker.duration(object["delay"], childPath(path, "delay")) as number;
      return { trigger: finish(checker, { kind, delay }, object, path, `delay:${formatDuration(delay)}`), explicitName };
    }
    case "every": {
      const every = checker.duration(object["every"], childPath(path, "every")) as number;
      return { trigger: finish(checker, { kind, every }, object, path, `every:${formatDuration(every)}`), explicitName };
    }
  }
}

type TriggerShape =
  | { kind: "cron"; cron: string; timezone?: string }
  | { kind: "at"; at: number }
  | { kind: "delay"; delay: number }
  | { kind: "every"; every: number };

/** Add the common options (name, overlap, misfire, misfireGrace, timeout) to a trigger's shape. */
function finish(checker: ConfigChecker, shape: TriggerShape, options: Record<string, unknown>, path: string, derivedName: string): ResolvedTrigger {
  const name = checker.string(options["name"], childPath(path, "name")) ?? derivedName;
  const overlap = checker.choice(options["overlap"], childPath(path, "overlap"), OVERLAP_POLICIES) ?? DEFAULTS.trigger.overlap;
  const misfire = checker.choice(options["misfire"], childPath(path, "misfire"), MISFIRE_POLICIES) ?? DEFAULTS.trigger.misfire;
  const misfireGrace = checker.duration(options["misfireGrace"], childPath(path, "misfireGrace")) ?? DEFAULTS.trigger.misfireGrace;
  const timeout = checker.duration(options["timeout"], childPath(path, "timeout"));
  const common = { name, overlap, misfire, misfireGrace, ...(timeout === undefined ? {} : { timeout }) };
  return Object.freeze({ ...shape, ...common });
}

function checkCron(checker: ConfigChecker, value: unknown, path: string, timezone: string | undefined): string {
  if (typeof value !== "string" || value.trim() === "") checker.expected(path, `a cron expression: ${CRON_EXPECTATION}`, value);
  const expression = value.trim().split(/\s+/).join(" ");
  if (!expression.startsWith("@")) {
    const fields = expression.split(" ").length;
    if (fields !== 5 && fields !== 6) {
      checker.fail(path, `invalid cron expression ${describeValue(value)}: it has ${fields} fields; expected ${CRON_EXPECTATION}`, { value });
    }
  }
  try {
    // next() finds expressions that parse but never fire, such as "0 0 31 2,4 *"
    CronExpressionParser.parse(expression, timezone === undefined ? {} : { tz: timezone }).next();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    checker.fail(path, `invalid cron expression ${describeValue(value)}: ${reason}; expected ${CRON_EXPECTATION}`, { value, cause: error });
  }
  return expression;
}

function checkTimezone(checker: ConfigChecker, value: unknown, path: string): string | undefined {
  const zone = checker.string(value, path);
  if (zone === undefined) return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
  } catch (error) {
    checker.fail(path, `unknown time zone ${describeValue(zone)}: expected an IANA time zone name such as "America/New_York" or "UTC"`, {
      value: zone,
      cause: error,
    });
  }
  return zone;
}

function checkAt(checker: ConfigChecker, value: unknown, path: string): number {
  const expected = 'an ISO 8601 instant with a time zone designator, such as "2026-12-01T14:30:00Z" or "2026-12-01T09:30:00-05:00", or a Date';
  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isNaN(time)) checker.expected(path, expected, value);
    return time;
  }
  const instant = typeof value === "string" ? parseInstant(value.trim()) : undefined;
  if (instant === undefined) checker.expected(path, expected, value);
  return instant;
}
