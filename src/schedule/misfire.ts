import type { MisfirePolicy } from "./ScheduleSpec.js";

/**
 * Whether the latest due slot of a trigger runs, found `lateMs` after its
 * instant: within `misfireGrace` it runs as scheduled; past it, only with
 * `misfire: "once"` (with `"skip"` it is counted as a misfire like the earlier
 * ones). The earlier due slots never run.
 *
 * @example
 * ```ts
 * firesLatest(200, "skip", 1_000); // true: within grace
 * firesLatest(5_000, "skip", 1_000); // false
 * firesLatest(5_000, "once", 1_000); // true
 * ```
 */
export function firesLatest(lateMs: number, misfire: MisfirePolicy, misfireGrace: number): boolean {
  return lateMs <= misfireGrace || misfire === "once";
}
