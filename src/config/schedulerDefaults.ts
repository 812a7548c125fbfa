import type { CatchupPolicy, DeliveryPolicy, ResolvedTrigger } from "../schedule/ScheduleSpec.js";
import { triggerKind } from "../schedule/triggerKinds.js";

/**
 * `scheduler:` resolved: the catch-up and delivery policies of every trigger
 * that sets none of its own, each absent when `scheduler:` does not set it.
 */
export interface SchedulerDefaults {
  /** The catch-up of every trigger of a kind it covers (not `delay`) without a `catchup` of its own. */
  readonly catchup?: CatchupPolicy;
  /** The delivery of every trigger without a `delivery` of its own. */
  readonly delivery?: DeliveryPolicy;
}

/**
 * `trigger` with the `scheduler:` defaults filled in where it sets nothing of
 * its own: a trigger's `catchup` replaces the default as a whole (so `catchup:
 * {}` on a trigger turns a default off for it), and a kind that catch-up does
 * not cover (`delay`) keeps none. Returns `trigger` itself when nothing
 * changes, so a trigger without policies anywhere keeps both fields absent.
 * The orchestrator applies it to `orch.schedule()` triggers with the resolved
 * `ResolvedConfig.scheduler` (through `resolveSchedule`'s `defaults`).
 *
 * @example
 * ```ts
 * withSchedulerDefaults(trigger, { catchup: { window: 3_600_000, runs: "latest" } });
 * ```
 */
export function withSchedulerDefaults(trigger: ResolvedTrigger, defaults: SchedulerDefaults): ResolvedTrigger {
  const catchup = trigger.catchup === undefined && triggerKind(trigger.kind)?.noCatchup === undefined ? defaults.catchup : undefined;
  const delivery = trigger.delivery === undefined ? defaults.delivery : undefined;
  if (catchup === undefined && delivery === undefined) return trigger;
  const added: { catchup?: CatchupPolicy; delivery?: DeliveryPolicy } = {};
  if (catchup !== undefined) added.catchup = catchup;
  if (delivery !== undefined) added.delivery = delivery;
  return Object.freeze(Object.assign({}, trigger, added));
}

/** Every trigger of `schedule` (by agent) with the defaults filled in; `schedule` itself when `scheduler:` sets none. */
export function scheduleWithDefaults(
  schedule: Readonly<Record<string, readonly ResolvedTrigger[]>>,
  defaults: SchedulerDefaults,
): Readonly<Record<string, readonly ResolvedTrigger[]>> {
  if (defaults.catchup === undefined && defaults.delivery === undefined) return schedule;
  const filled = Object.create(null) as Record<string, readonly ResolvedTrigger[]>;
  for (const [agent, triggers] of Object.entries(schedule)) filled[agent] = Object.freeze(triggers.map((trigger) => withSchedulerDefaults(trigger, defaults)));
  return filled;
}
