import { formatDuration } from "../duration.js";
import { cronHashSeed, firstCronSlot, parseCronPattern } from "../schedule/CronSchedule.js";
import { checkCronSyntax, CronExpressionError, CRON_EXPECTATION } from "../schedule/cronSyntax.js";
import type { MisfirePolicy, OverlapPolicy, ResolvedTrigger } from "../schedule/ScheduleSpec.js";
import { TimeZone } from "../schedule/TimeZone.js";
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

/** The agent a `schedule.<agent>` key path belongs to (agent names are plain keys). */
const AGENT_PATH = /^schedule\.([A-Za-z0-9_-]+)$/;
/** Time zones kept for cron checks (the cache is emptied past it). */
const ZONE_CACHE_LIMIT = 64;
const zones = new Map<string, TimeZone>();

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
  const checker = new ConfigChecker(undefined);
  const checked = checkTrigger(checker, spec, path);
  checkCronSlot(checker, checked, context.agent);
  return checked.trigger;
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
  return checkSchedule(checker, spec, path, context.taken ?? [], agent);
}

/** A validated trigger and whether its name was written by the user. */
export interface CheckedTrigger {
  /** The trigger, with its derived or explicit name. */
  readonly trigger: ResolvedTrigger;
  /** Whether `name` was written by the user (then it is never suffixed). */
  readonly explicitName: boolean;
  /** For a cron trigger: where its expression was written, and as written (for {@link checkCronSlot}'s errors). */
  readonly cronSource?: { readonly path: string; readonly value: unknown };
}

/**
 * {@link resolveSchedule} with a given checker (positions from the config file).
 * `agent` seeds the `H` fields of cron expressions; by default it is read from
 * a `schedule.<agent>` path (when it cannot be, an `H` expression is checked by
 * the scheduler when it is added).
 */
export function checkSchedule(checker: ConfigChecker, spec: unknown, path: string, taken: Iterable<string>, agent?: string): ResolvedTrigger[] {
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
  const owner = agent ?? AGENT_PATH.exec(path)?.[1];
  return items.map(({ checked }) => {
    let trigger = checked.trigger;
    if (!checked.explicitName) {
      const base = trigger.name;
      let name = base;
      for (let n = 2; used.has(name); n++) name = `${base}#${n}`;
      used.add(name);
      if (name !== base) trigger = Object.freeze({ ...trigger, name });
    }
    // After naming: the name seeds `H` fields.
    checkCronSlot(checker, { ...checked, trigger }, owner);
    return trigger;
  });
}

/**
 * {@link resolveTrigger} with a given checker and the trigger's own key path.
 * A cron expression is checked for its syntax here; whether it has a slot (which
 * depends on the final trigger name when it uses `H`) is {@link checkCronSlot}'s part.
 */
export function checkTrigger(checker: ConfigChecker, spec: unknown, path: string): CheckedTrigger {
  if (typeof spec === "string") {
    const cron = checkCron(checker, spec, path);
    return { trigger: finish(checker, { kind: "cron", cron }, {}, path, `cron:${cron}`), explicitName: false, cronSource: { path, value: spec } };
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
      const cronPath = childPath(path, "cron");
      const cron = checkCron(checker, object["cron"], cronPath);
      const shape = timezone === undefined ? { kind, cron } : { kind, cron, timezone };
      const trigger = finish(checker, shape, object, path, `cron:${cron}${timezone === undefined ? "" : `@${timezone}`}`);
      return { trigger, explicitName, cronSource: { path: cronPath, value: object["cron"] } };
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

/** The expression with its whitespace normalised, after {@link checkCronSyntax}. */
function checkCron(checker: ConfigChecker, value: unknown, path: string): string {
  if (typeof value !== "string" || value.trim() === "") checker.expected(path, `a cron expression: ${CRON_EXPECTATION}`, value);
  const expression = value.trim().split(/\s+/).join(" ");
  try {
    checkCronSyntax(expression);
  } catch (error) {
    failCron(checker, path, value, error);
  }
  return expression;
}

/**
 * Refuse a cron trigger that has no slot, computed as the scheduler fires it
 * (floating local time in its zone, the DST rules of decision 21, `H` resolved
 * from `agent` and the trigger's final name). An expression with `H` whose
 * agent is unknown here is left to the scheduler, which checks it when added.
 */
export function checkCronSlot(checker: ConfigChecker, checked: CheckedTrigger, agent: string | undefined): void {
  const { trigger, cronSource } = checked;
  if (trigger.kind !== "cron" || cronSource === undefined) return;
  const seed = cronHashSeed(agent ?? "", trigger.name, trigger.cron);
  if (seed !== undefined && agent === undefined) return;
  try {
    firstCronSlot(parseCronPattern(trigger.cron, zoneOf(trigger.timezone), seed), Date.now());
  } catch (error) {
    failCron(checker, cronSource.path, cronSource.value, error);
  }
}

/** A refused cron expression, in the library's words only. */
function failCron(checker: ConfigChecker, path: string, value: unknown, error: unknown): never {
  // Our own words only: an unexpected failure keeps its text in `cause`, never in the message.
  const known = error instanceof CronExpressionError;
  return checker.fail(path, `invalid cron expression ${describeValue(value)}: ${known ? error.message : "it cannot be read"}`, {
    value,
    ...(known ? {} : { cause: error }),
  });
}

/** The zone a cron trigger is read in: its own, or the host's (as the scheduler's default). */
function zoneOf(name: string | undefined): TimeZone {
  const key = name ?? new Intl.DateTimeFormat().resolvedOptions().timeZone;
  let zone = zones.get(key);
  if (zone === undefined) {
    zone = new TimeZone(key);
    if (zones.size >= ZONE_CACHE_LIMIT) zones.clear();
    zones.set(key, zone);
  }
  return zone;
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
