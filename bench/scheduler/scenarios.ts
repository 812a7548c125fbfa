/**
 * The schedulers compared by bench/scheduler.bench.ts and how each one is
 * given N jobs. Every job reports its firing through `onFire(job, slot?)`;
 * `slot` is the scheduled instant when the library tells it (ours does).
 */
import { Cron } from "croner";
import nodeCron from "node-cron";
import { CronJob, Task, ToadScheduler } from "toad-scheduler";
import { systemClock } from "../../src/clock.js";
import { silentLogger } from "../../src/logger.js";
import { Scheduler } from "../../src/schedule/Scheduler.js";
import type { ResolvedTrigger } from "../../src/schedule/ScheduleSpec.js";
import { AgentCounters } from "../../src/stats/AgentCounters.js";
import { DURATION_BUCKETS, HistogramData } from "../../src/stats/HistogramData.js";

/** The libraries measured. */
export const LIBRARIES = ["ours", "croner", "node-cron", "toad-scheduler", "setTimeout"] as const;
export type Library = (typeof LIBRARIES)[number];

/**
 * `second` — every job fires every second (`* * * * * *`);
 * `hourly` — every job fires on the hour (`0 * * * *`), so the window is idle;
 * `mix` — (ours only) the 100 expressions of {@link MIX_EXPRESSIONS}, the jobs spread evenly over them.
 */
export type Mode = "second" | "hourly" | "mix";

/**
 * 100 distinct expressions: every k seconds (a step in the seconds field) for k = 1…30, once a minute at second s
 * for s = 0…59, on the hour at minute m for m = 0…9; every other one read in
 * America/New_York, the rest in UTC.
 */
export const MIX_EXPRESSIONS: ReadonlyArray<{ readonly cron: string; readonly timezone: string }> = [
  ...Array.from({ length: 30 }, (_, i) => `*/${i + 1} * * * * *`),
  ...Array.from({ length: 60 }, (_, s) => `${s} * * * * *`),
  ...Array.from({ length: 10 }, (_, m) => `0 ${m} * * * *`),
].map((cron, i) => ({ cron, timezone: i % 2 === 0 ? "UTC" : "America/New_York" }));

/** What a running scenario exposes to the worker. */
export interface Running {
  /** Stop every job. */
  stop(): void;
  /** Slots counted as missed by the library itself, when it counts them. */
  skipped?(): number;
}

const EXPRESSION: Record<Exclude<Mode, "mix">, string> = { second: "* * * * * *", hourly: "0 0 * * * *" };

/** Start `n` jobs of `mode` on `library`. */
export function startScenario(library: Library, mode: Mode, n: number, onFire: (job: number, slot?: number) => void): Running {
  if (mode === "mix" && library !== "ours") throw new Error("the mix scenario runs on ours only");
  switch (library) {
    case "ours":
      return startOurs(mode, n, onFire);
    case "croner": {
      const jobs = Array.from({ length: n }, (_, job) => new Cron(EXPRESSION[mode as "second"], { unref: true }, () => onFire(job)));
      return { stop: () => jobs.forEach((j) => j.stop()) };
    }
    case "node-cron": {
      // node-cron logs each dropped run; the worker counts drops itself.
      const quiet = (): void => undefined;
      nodeCron.setLogger({ info: quiet, warn: quiet, error: quiet, debug: quiet });
      const tasks = Array.from({ length: n }, (_, job) => nodeCron.schedule(EXPRESSION[mode as "second"], () => onFire(job)));
      return { stop: () => tasks.forEach((t) => void t.stop()) };
    }
    case "toad-scheduler": {
      const scheduler = new ToadScheduler({ unref: true });
      for (let job = 0; job < n; job++) {
        scheduler.addCronJob(new CronJob({ cronExpression: EXPRESSION[mode as "second"] }, new Task(`t${job}`, () => onFire(job)), { id: `j${job}` }));
      }
      return { stop: () => scheduler.stop() };
    }
    case "setTimeout":
      return startBare(mode === "second" ? 1_000 : 3_600_000, n, onFire);
  }
}

function startOurs(mode: Mode, n: number, onFire: (job: number, slot?: number) => void): Running {
  const counters = new AgentCounters();
  const jobs = new Map<string, number>();
  const scheduler = new Scheduler({
    clock: systemClock,
    logger: silentLogger,
    counters: () => counters,
    lateness: new HistogramData(DURATION_BUCKETS),
    fire: (tick) => onFire(jobs.get(tick.agent) as number, tick.scheduledAt),
  });
  for (let job = 0; job < n; job++) {
    const agent = `agent${job}`;
    jobs.set(agent, job);
    let trigger: ResolvedTrigger;
    if (mode === "mix") {
      const { cron, timezone } = MIX_EXPRESSIONS[job % MIX_EXPRESSIONS.length] as { cron: string; timezone: string };
      trigger = { kind: "cron", cron, timezone, name: "t", overlap: "skip", misfire: "skip", misfireGrace: 1_000 };
    } else {
      trigger = { kind: "cron", cron: EXPRESSION[mode], name: "t", overlap: "skip", misfire: "skip", misfireGrace: 1_000 };
    }
    scheduler.add(agent, trigger);
  }
  scheduler.start();
  return {
    stop: () => scheduler.stop(),
    skipped: () => counters.triggersSkipped.misfire + counters.triggersSkipped["agent-down"],
  };
}

/** One `setTimeout` per job, re-armed at each firing for the next multiple of the period. */
function startBare(period: number, n: number, onFire: (job: number, slot?: number) => void): Running {
  const timers = new Array<NodeJS.Timeout | undefined>(n);
  let stopped = false;
  const arm = (job: number): void => {
    const now = Date.now();
    const slot = Math.floor(now / period) * period + period;
    timers[job] = setTimeout(() => {
      if (stopped) return;
      onFire(job, slot);
      arm(job);
    }, slot - now);
    timers[job]?.unref();
  };
  for (let job = 0; job < n; job++) arm(job);
  return {
    stop: () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
