import { atKind } from "./kinds/at.js";
import { cronKind } from "./kinds/cron.js";
import { delayKind } from "./kinds/delay.js";
import { everyKind } from "./kinds/every.js";
import type { ResolvedTrigger } from "./ScheduleSpec.js";
import type { KindFields, TimeKind, TriggerKind } from "./TriggerKind.js";

/**
 * Every trigger kind, registered once. The config reads specs, the scheduler
 * checks and serves triggers, and `createTriggerSource` builds the sources by
 * looking kinds up here: a new time-based kind is one module under `kinds/`
 * and one line in this table (and its documentation); a kind that is not
 * time-based also brings its `source`.
 */
export const triggerKinds = {
  cron: cronKind,
  at: atKind,
  delay: delayKind,
  every: everyKind,
} as const;

/** The registered kinds, by name. */
export type TriggerKinds = typeof triggerKinds;

/** The name of a registered kind: `cron`, `at`, `delay` or `every`. */
export type TriggerKindName = keyof TriggerKinds;

/** Any registered kind, as the code that looks kinds up sees it. */
export type AnyTriggerKind = TriggerKind<KindFields, unknown>;

/** A registry of kinds by name: {@link triggerKinds}, or another one in tests. */
export type TriggerKindTable = Readonly<Record<string, AnyTriggerKind>>;

/** The registered kind names, in registration order (the order messages list them in). */
export const TRIGGER_KIND_NAMES: readonly TriggerKindName[] = Object.freeze(Object.keys(triggerKinds) as TriggerKindName[]);

/** The kind registered under `name`, or `undefined`. */
export function triggerKind(name: unknown, table: TriggerKindTable = triggerKinds): AnyTriggerKind | undefined {
  return typeof name === "string" && Object.hasOwn(table, name) ? table[name] : undefined;
}

/** How the scheduler serves `trigger`'s kind, or `undefined` when the kind is not time-based (or not registered). */
export function timeKindOf(trigger: ResolvedTrigger): TimeKind<ResolvedTrigger> | undefined {
  return triggerKind(trigger.kind)?.timing;
}
