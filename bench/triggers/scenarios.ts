/**
 * How bench/triggers.bench.ts sets up each scenario. Ours goes through the
 * built package as a user does: `createOrchestrator` with `Agent` subclasses
 * whose `onCron` reports the tick, the triggers given in `config.schedule`.
 * The baselines are a bare `setTimeout` per job (re-armed at each firing for
 * the next multiple of the period) and, as context, croner, node-cron and
 * toad-scheduler through their public APIs.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, createOrchestrator, MemoryTriggerStore, type CronTick } from "@acme/agent-orchestrator";
import { Cron } from "croner";
import nodeCron from "node-cron";
import { CronJob, Task, ToadScheduler } from "toad-scheduler";

/** The designs measured. */
export const DESIGNS = ["ours", "setTimeout", "croner", "node-cron", "toad-scheduler"] as const;
export type Design = (typeof DESIGNS)[number];

/**
 * `second` — every job fires every second (`* * * * * *`);
 * `hourly` — every job fires on the hour (`0 0 * * * *`): the window is idle;
 * `none` — (ours only) the agents run without any trigger (the heap reference).
 */
export const MODES = ["second", "hourly", "none"] as const;
export type Mode = (typeof MODES)[number];

/**
 * Where ours keeps trigger state: `none` — no store configured (the default);
 * `memory` — `store: new MemoryTriggerStore()`; `file` — `config.state: { file }`
 * in a fresh temporary directory (removed when the scenario stops).
 */
export const STORES = ["none", "memory", "file"] as const;
export type StoreKind = (typeof STORES)[number];

/** Reports one firing: job number (agent × triggers per agent + trigger), the slot when the design says it. */
export type OnFire = (job: number, slot?: number) => void;

/** A running scenario. */
export interface Running {
  stop(): Promise<void>;
  /** The trigger state file, when the scenario has one (`file` store). */
  readonly stateFile?: string;
}

const EXPRESSION: Record<Exclude<Mode, "none">, string> = { second: "* * * * * *", hourly: "0 0 * * * *" };
const PERIOD: Record<Exclude<Mode, "none">, number> = { second: 1_000, hourly: 3_600_000 };

/** Start `agents` × `perAgent` jobs of `mode` on `design`. */
export async function startScenario(design: Design, mode: Mode, agents: number, perAgent: number, onFire: OnFire, store: StoreKind = "none"): Promise<Running> {
  if (store !== "none" && design !== "ours") throw new Error(`store ${store} is for ours only`);
  if (mode === "none") {
    if (design !== "ours") throw new Error("mode none is for ours only");
    return startOurs(undefined, agents, 0, onFire, store);
  }
  const jobs = agents * perAgent;
  switch (design) {
    case "ours":
      return startOurs(EXPRESSION[mode], agents, perAgent, onFire, store);
    case "setTimeout":
      return startBare(PERIOD[mode], jobs, onFire);
    case "croner": {
      const crons = Array.from({ length: jobs }, (_, job) => new Cron(EXPRESSION[mode], { unref: true }, () => onFire(job)));
      return { stop: async () => crons.forEach((cron) => cron.stop()) };
    }
    case "node-cron": {
      const quiet = (): void => undefined;
      nodeCron.setLogger({ info: quiet, warn: quiet, error: quiet, debug: quiet });
      const tasks = Array.from({ length: jobs }, (_, job) => nodeCron.schedule(EXPRESSION[mode], () => onFire(job)));
      return { stop: async () => tasks.forEach((task) => void task.stop()) };
    }
    case "toad-scheduler": {
      const scheduler = new ToadScheduler({ unref: true });
      for (let job = 0; job < jobs; job++) {
        scheduler.addCronJob(new CronJob({ cronExpression: EXPRESSION[mode] }, new Task(`t${job}`, () => onFire(job)), { id: `j${job}` }));
      }
      return { stop: async () => scheduler.stop() };
    }
  }
}

/** Agent names are `a<index>`, trigger names `t<index>`: the job number is read back from the tick. */
async function startOurs(expression: string | undefined, agents: number, perAgent: number, onFire: OnFire, store: StoreKind): Promise<Running> {
  class Ticker extends Agent {
    override onCron(tick: CronTick): void {
      onFire(Number(tick.agent.slice(1)) * perAgent + Number(tick.trigger.slice(1)), tick.scheduledAt);
    }
  }
  const names = Array.from({ length: agents }, (_, i) => `a${i}`);
  const schedule: Record<string, Array<{ cron: string; name: string }>> = {};
  if (expression !== undefined) {
    for (const name of names) schedule[name] = Array.from({ length: perAgent }, (_, t) => ({ cron: expression, name: `t${t}` }));
  }
  const registrations = names.map((name) => ({ name, agent: Ticker }));
  const directory = store === "file" ? await mkdtemp(join(tmpdir(), "ao-bench-state-")) : undefined;
  const orch =
    directory !== undefined
      ? createOrchestrator({ agents: registrations, logger: false, keepAlive: false, config: { schedule, state: { file: join(directory, "state.json") } } })
      : store === "memory"
        ? createOrchestrator({ agents: registrations, logger: false, keepAlive: false, config: { schedule }, store: new MemoryTriggerStore() })
        : createOrchestrator({ agents: registrations, logger: false, keepAlive: false, config: { schedule } });
  await orch.start();
  return {
    ...(directory === undefined ? {} : { stateFile: join(directory, "state.json") }),
    stop: async () => {
      await orch.shutdown();
      if (directory !== undefined) await rm(directory, { recursive: true, force: true });
    },
  };
}

/** One `setTimeout` per job, re-armed at each firing for the next multiple of the period. */
function startBare(period: number, jobs: number, onFire: OnFire): Running {
  const timers = new Array<NodeJS.Timeout | undefined>(jobs);
  let stopped = false;
  const arm = (job: number): void => {
    const now = Date.now();
    const slot = Math.floor(now / period) * period + period;
    const timer = setTimeout(() => {
      if (stopped) return;
      onFire(job, slot);
      arm(job);
    }, slot - now);
    timer.unref();
    timers[job] = timer;
  };
  for (let job = 0; job < jobs; job++) arm(job);
  return {
    stop: async () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
