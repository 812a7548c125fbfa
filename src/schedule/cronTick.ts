import type { CronTick, TickMessage } from "./ScheduleSpec.js";

/**
 * The constant part of a trigger's tick keys: `<agent>:<trigger>:`. A tick's
 * key is this prefix followed by its slot as ISO 8601 (see {@link tickKey}).
 */
export function tickKeyPrefix(agent: string, trigger: string): string {
  return `${agent}:${trigger}:`;
}

/**
 * The key of the tick of `agent`'s `trigger` for the slot `scheduledAt`:
 * `<agent>:<trigger>:<scheduledAt ISO>`, unique per agent, trigger and slot
 * (decision 20).
 *
 * @example
 * ```ts
 * tickKey("report", "daily", Date.UTC(2026, 2, 9, 21)); // "report:daily:2026-03-09T21:00:00.000Z"
 * ```
 */
export function tickKey(agent: string, trigger: string, scheduledAt: number): string {
  return tickKeyPrefix(agent, trigger) + new Date(scheduledAt).toISOString();
}

/**
 * Build the {@link CronTick} an agent's `onCron` receives for one run of
 * `message`. The one place a tick is made: the orchestrator's cron runner and
 * the testing kit's `testAgent().tick()` both call it, so the two never
 * differ. Copies the message's fields (not whatever else a payload from the
 * bus may hold) and adds `signal` as a non-enumerable property, so the tick
 * serialises, logs and compares as the message it came from.
 *
 * @param message - the tick as published on `cron.<agent>`
 * @param signal - the run's signal: aborted on the trigger's timeout and when the incarnation ends
 */
export function cronTick(message: TickMessage, signal: AbortSignal): CronTick {
  const tick = {
    agent: message.agent,
    trigger: message.trigger,
    scheduledAt: message.scheduledAt,
    firedAt: message.firedAt,
    key: message.key,
  };
  Object.defineProperty(tick, "signal", { value: signal, enumerable: false, writable: false, configurable: false });
  return tick as CronTick;
}
