import { tickKey } from "../schedule/cronTick.js";

/** What ends the key of a tick run by `orch.trigger(agent, name).runNow()`: a manual run is not a slot. */
export const RUN_NOW_KEY_SUFFIX = ":now";

/**
 * The key of a tick run by `runNow()` at `at`:
 * `<agent>:<trigger>:<at ISO>:now`. It never equals a slot's key, even when
 * the run starts exactly at a slot's instant, so the run and the slot stay
 * apart (in the trigger store, in an agent that dedupes by key).
 *
 * @example
 * ```ts
 * runNowKey("report", "daily", Date.UTC(2026, 2, 9, 21)); // "report:daily:2026-03-09T21:00:00.000Z:now"
 * ```
 */
export function runNowKey(agent: string, trigger: string, at: number): string {
  return tickKey(agent, trigger, at) + RUN_NOW_KEY_SUFFIX;
}

/** Whether `key` is the key of a tick run by `runNow()` (see {@link runNowKey}). */
export function isRunNowKey(key: string): boolean {
  return key.endsWith(RUN_NOW_KEY_SUFFIX);
}
