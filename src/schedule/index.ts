export { CronRunner } from "./CronRunner.js";
export type { CronRunnerOptions } from "./CronRunner.js";
export { DEFAULT_MAX_WAIT_MS, Scheduler } from "./Scheduler.js";
export type { ScheduleHandle, SchedulerOptions } from "./Scheduler.js";
export type {
  AtTriggerSpec,
  CronTick,
  CronTriggerSpec,
  DelayTriggerSpec,
  EveryTriggerSpec,
  MisfirePolicy,
  OverlapPolicy,
  ResolvedTrigger,
  ScheduleSpec,
  TriggerOptions,
  TriggerSpec,
} from "./ScheduleSpec.js";
