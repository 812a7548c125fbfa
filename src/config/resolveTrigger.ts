import { describeValue } from "../check.js";
import { MISFIRE_POLICIES, OVERLAP_POLICIES, TRIGGER_OPTION_KEYS, type ResolvedTrigger, type ResolvedTriggerBase } from "../schedule/ScheduleSpec.js";
import type { KindFields, KindReading } from "../schedule/TriggerKind.js";
import { triggerKind, triggerKinds, TRIGGER_KIND_NAMES, type AnyTriggerKind } from "../schedule/triggerKinds.js";
import { isValidAgentName } from "./agentName.js";
import { ConfigChecker } from "./ConfigChecker.js";
import { DEFAULTS } from "./defaults.js";
import { childPath } from "./keyPath.js";
import { withSchedulerDefaults, type SchedulerDefaults } from "./schedulerDefaults.js";
import { readCatchup, readDelivery } from "./triggerPolicies.js";

const KINDS: readonly AnyTriggerKind[] = Object.values(triggerKinds);
/** Every key a trigger mapping may carry: the kind keys, the kinds' own keys (`timezone`), the common options. */
const TRIGGER_KEYS: readonly string[] = [...TRIGGER_KIND_NAMES, ...KINDS.flatMap((kind) => kind.keys ?? []), ...TRIGGER_OPTION_KEYS];
/** The kind a bare string spec is read as (cron). */
const STRING_KIND = KINDS.find((kind) => kind.readString !== undefined);
const KIND_LIST = TRIGGER_KIND_NAMES.map((name) => JSON.stringify(name)).join(", ");

/** The agent a `schedule.<agent>` key path belongs to (agent names are plain keys). */
const AGENT_PATH = /^schedule\.([A-Za-z0-9_-]+)$/;

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
  /**
   * The `scheduler:` defaults (`ResolvedConfig.scheduler`), filled into each
   * trigger that sets no `catchup` or `delivery` of its own (see
   * {@link withSchedulerDefaults}). @default none
   */
  defaults?: SchedulerDefaults;
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
  settleTrigger(checker, checked, context.agent);
  return checked.trigger;
}

/**
 * Validate the value of `schedule.<agent>` (one trigger or a list) and return
 * its triggers with names unique for the agent: a derived name already in use
 * gets `#2`, `#3`, …; a duplicate explicit `name` is an error. The orchestrator
 * also calls it for `orch.schedule(name, spec)`, with the `scheduler:`
 * defaults as `context.defaults`.
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
  const triggers = checkSchedule(checker, spec, path, context.taken ?? [], agent);
  const { defaults } = context;
  return defaults === undefined ? triggers : triggers.map((trigger) => withSchedulerDefaults(trigger, defaults));
}

/** A validated trigger and whether its name was written by the user. */
export interface CheckedTrigger {
  /** The trigger, with its derived or explicit name. */
  readonly trigger: ResolvedTrigger;
  /** Whether `name` was written by the user (then it is never suffixed). */
  readonly explicitName: boolean;
  /** Where the kind's value was written, and as written (for {@link settleTrigger}'s errors). */
  readonly written: KindReading<KindFields>["written"];
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
      // Object.assign onto a fresh object, not a spread: the copies share one hidden class (a spread gives each its own)
      if (name !== base) trigger = Object.freeze(Object.assign({}, trigger, { name }));
    }
    // After naming: the name seeds `H` fields.
    settleTrigger(checker, { ...checked, trigger }, owner);
    return trigger;
  });
}

/**
 * {@link resolveTrigger} with a given checker and the trigger's own key path:
 * the spec's shape and common options here, the kind's fields by its kind.
 * Checks that depend on the final trigger name (a cron expression's first slot
 * when it uses `H`) are {@link settleTrigger}'s part.
 */
export function checkTrigger(checker: ConfigChecker, spec: unknown, path: string): CheckedTrigger {
  if (typeof spec === "string" && STRING_KIND?.readString !== undefined) {
    return finish(checker, STRING_KIND.readString(checker, spec, path), {}, path);
  }
  const object = checker.mapping(spec, path, TRIGGER_KEYS);
  if (object === undefined) checker.expected(path, `a trigger: a cron string, or a mapping with one of ${KIND_LIST}`, spec);
  const kinds = KINDS.filter((kind) => object[kind.kind] !== undefined);
  const [kind, second] = kinds;
  if (kind === undefined) checker.expected(path, `a trigger mapping with one of ${KIND_LIST}`, spec);
  if (second !== undefined) {
    checker.fail(path, `a trigger has exactly one of ${KIND_LIST}, got ${kinds.map((k) => JSON.stringify(k.kind)).join(" and ")}`, { value: spec });
  }
  for (const other of KINDS) {
    const key = other === kind ? undefined : other.keys?.find((own) => object[own] !== undefined);
    if (key !== undefined) {
      checker.fail(childPath(path, key), `"${key}" applies to ${other.kind} triggers only, not to "${kind.kind}" triggers`, { value: object[key] });
    }
  }
  return finish(checker, kind.read(checker, object, path), object, path);
}

/** Add the common options (name, overlap, misfire, misfireGrace, timeout, catchup, delivery) to a kind's fields. */
function finish(checker: ConfigChecker, reading: KindReading<KindFields>, options: Record<string, unknown>, path: string): CheckedTrigger {
  const name = checker.string(options["name"], childPath(path, "name")) ?? reading.derivedName;
  const overlap = checker.choice(options["overlap"], childPath(path, "overlap"), OVERLAP_POLICIES) ?? DEFAULTS.trigger.overlap;
  const misfire = checker.choice(options["misfire"], childPath(path, "misfire"), MISFIRE_POLICIES) ?? DEFAULTS.trigger.misfire;
  const misfireGrace = checker.duration(options["misfireGrace"], childPath(path, "misfireGrace")) ?? DEFAULTS.trigger.misfireGrace;
  const common: { -readonly [K in keyof ResolvedTriggerBase]: ResolvedTriggerBase[K] } = { name, overlap, misfire, misfireGrace };
  const timeout = checker.duration(options["timeout"], childPath(path, "timeout"));
  if (timeout !== undefined) common.timeout = timeout;
  refuseCatchup(checker, reading.fields.kind, options["catchup"], path);
  const catchup = readCatchup(checker, options["catchup"], childPath(path, "catchup"));
  if (catchup !== undefined) common.catchup = catchup;
  const delivery = readDelivery(checker, options["delivery"], childPath(path, "delivery"));
  if (delivery !== undefined) common.delivery = delivery;
  // Object.assign onto a fresh object, not `{ ...fields, ...common }`: triggers of one shape then share one hidden
  // class (an object literal starting with a spread gets a hidden class of its own, ≈ 300 B per trigger).
  const trigger = Object.freeze(Object.assign({}, reading.fields, common)) as ResolvedTrigger;
  return { trigger, explicitName: options["name"] !== undefined, written: reading.written };
}

/** A `catchup` written on a trigger of a kind catch-up does not cover (`delay`): a `ConfigError` at the key saying why and what to use instead. */
function refuseCatchup(checker: ConfigChecker, kind: string, written: unknown, path: string): void {
  const reason = written === undefined || written === null ? undefined : triggerKind(kind)?.noCatchup;
  if (reason !== undefined) checker.fail(childPath(path, "catchup"), `"catchup" does not apply to "${kind}" triggers: ${reason}`, { value: written, at: "key" });
}

/**
 * The checks of a trigger's kind that need its final name and its agent (a
 * cron expression's first slot, with `H` resolved from both), run once the
 * trigger is named. `agent` is `undefined` when the config cannot tell it.
 */
export function settleTrigger(checker: ConfigChecker, checked: CheckedTrigger, agent: string | undefined): void {
  const kind: AnyTriggerKind = triggerKinds[checked.trigger.kind];
  kind.settle?.(checker, checked.trigger, checked.written, agent);
}
