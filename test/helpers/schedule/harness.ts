import type { Clock } from "../../../src/clock.js";
import type { Logger } from "../../../src/logger.js";
import { Scheduler } from "../../../src/schedule/Scheduler.js";
import type { SchedulerOptions } from "../../../src/schedule/SchedulerOptions.js";
import type { MisfirePolicy, OverlapPolicy, ResolvedTrigger, TickMessage } from "../../../src/schedule/ScheduleSpec.js";
import { AgentCounters } from "../../../src/stats/AgentCounters.js";
import { DURATION_BUCKETS, HistogramData } from "../../../src/stats/HistogramData.js";
import { ManualClock } from "../../../src/testing/ManualClock.js";

/** Options every hand-built trigger may override. */
export interface TriggerOverrides {
  name?: string;
  overlap?: OverlapPolicy;
  misfire?: MisfirePolicy;
  misfireGrace?: number;
  timeout?: number;
}

function base(name: string, overrides: TriggerOverrides) {
  return {
    name: overrides.name ?? name,
    overlap: overrides.overlap ?? "skip",
    misfire: overrides.misfire ?? "skip",
    misfireGrace: overrides.misfireGrace ?? 1_000,
    ...(overrides.timeout === undefined ? {} : { timeout: overrides.timeout }),
  } as const;
}

/** A resolved cron trigger, as the config layer would produce. */
export function cron(expression: string, overrides: TriggerOverrides & { timezone?: string } = {}): ResolvedTrigger {
  return {
    kind: "cron",
    cron: expression,
    ...(overrides.timezone === undefined ? {} : { timezone: overrides.timezone }),
    ...base(`cron:${expression}`, overrides),
  };
}

/** A resolved `every` trigger. */
export function every(ms: number, overrides: TriggerOverrides = {}): ResolvedTrigger {
  return { kind: "every", every: ms, ...base(`every:${ms}`, overrides) };
}

/** A resolved `at` trigger. */
export function at(instant: number | string, overrides: TriggerOverrides = {}): ResolvedTrigger {
  const ms = typeof instant === "number" ? instant : Date.parse(instant);
  return { kind: "at", at: ms, ...base(`at:${ms}`, overrides) };
}

/** A resolved `delay` trigger. */
export function delay(ms: number, overrides: TriggerOverrides = {}): ResolvedTrigger {
  return { kind: "delay", delay: ms, ...base(`delay:${ms}`, overrides) };
}

/** One logger call. */
export interface LogEntry {
  readonly level: keyof Logger;
  readonly fields: Record<string, unknown>;
  readonly message: string | undefined;
}

/** A logger that records every call. */
export function recordingLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const record = (level: keyof Logger) => (fields: object, message?: string) => {
    entries.push({ level, fields: fields as Record<string, unknown>, message });
  };
  return { logger: { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") }, entries };
}

/** A scheduler on a manual clock, recording ticks, counters, lateness and logs. */
export interface Harness {
  readonly clock: ManualClock;
  readonly scheduler: Scheduler;
  readonly ticks: TickMessage[];
  readonly lateness: HistogramData;
  readonly logs: LogEntry[];
  /** The counters of an agent (created on first use). */
  counters(agent: string): AgentCounters;
  /** Agents whose slots are skipped as `agent-down`. */
  readonly down: Set<string>;
  /** `scheduledAt` of the recorded ticks, as ISO strings. */
  slots(agent?: string): string[];
}

/** Build a {@link Harness}; `clock` may wrap the harness's manual clock. */
export function harness(
  start: number | string,
  options: { timezone?: string; wrap?: (clock: ManualClock) => Clock; fire?: (tick: TickMessage) => void } & Partial<Pick<SchedulerOptions, "maxWait">> = {},
): Harness {
  const clock = new ManualClock(typeof start === "number" ? start : Date.parse(start));
  const ticks: TickMessage[] = [];
  const counters = new Map<string, AgentCounters>();
  const lateness = new HistogramData(DURATION_BUCKETS);
  const down = new Set<string>();
  const { logger, entries } = recordingLogger();
  const countersOf = (agent: string): AgentCounters => {
    let value = counters.get(agent);
    if (value === undefined) {
      value = new AgentCounters();
      counters.set(agent, value);
    }
    return value;
  };
  const scheduler = new Scheduler({
    clock: options.wrap === undefined ? clock : options.wrap(clock),
    logger,
    counters: countersOf,
    lateness,
    isActive: (agent) => !down.has(agent),
    fire: (tick) => {
      ticks.push(tick);
      options.fire?.(tick);
    },
    timezone: options.timezone ?? "UTC",
    ...(options.maxWait === undefined ? {} : { maxWait: options.maxWait }),
  });
  return {
    clock,
    scheduler,
    ticks,
    lateness,
    logs: entries,
    counters: countersOf,
    down,
    slots: (agent) => ticks.filter((t) => agent === undefined || t.agent === agent).map((t) => new Date(t.scheduledAt).toISOString()),
  };
}

/**
 * Move a manual clock to `target` by waking at each timer: the same firing as
 * `advanceTo`, spelled out so tests can observe every wake-up.
 */
export async function stepTo(clock: ManualClock, target: number, onWake?: () => void): Promise<void> {
  for (;;) {
    const next = clock.nextTimerAt();
    if (next === undefined || next > target) break;
    await clock.advanceTo(next);
    onWake?.();
  }
  await clock.advanceTo(target);
}

/** ISO string of an instant. */
export const iso = (ms: number): string => new Date(ms).toISOString();
