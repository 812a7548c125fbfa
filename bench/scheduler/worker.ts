/**
 * One measurement in its own process (started by bench/scheduler.bench.ts):
 *
 *   node --import tsx --expose-gc bench/scheduler/worker.ts <library> <mode> <jobs> <windowMs>
 *
 * Sets up the jobs (timed, heap measured after a full GC), waits for a whole
 * second plus a settling time, then observes a window: CPU time used (process.cpuUsage),
 * fires per slot, lateness of each fire. Prints one JSON line.
 */
import { CronExpressionParser } from "cron-parser";
import { performance } from "node:perf_hooks";
import { LIBRARIES, MIX_EXPRESSIONS, startScenario, type Library, type Mode } from "./scenarios.js";

/** The worker's result line. */
export interface WorkerResult {
  library: Library;
  mode: Mode;
  jobs: number;
  setupMs: number;
  heapPerJob: number;
  windowMs: number;
  cpuPercent: number;
  expected: number;
  fired: number;
  missed: number;
  duplicates: number;
  early: number;
  latenessMs: { median: number; p99: number; max: number } | undefined;
}

const [libraryArg, modeArg, jobsArg, windowArg] = process.argv.slice(2);
const library = libraryArg as Library;
const mode = modeArg as Mode;
const jobs = Number(jobsArg);
const windowMs = Number(windowArg ?? 10_000);
if (!LIBRARIES.includes(library) || !["second", "hourly", "mix"].includes(mode) || !(jobs > 0) || !(windowMs >= 1_000)) {
  throw new Error(`usage: worker.ts <${LIBRARIES.join("|")}> <second|hourly|mix> <jobs> <windowMs>, got ${process.argv.slice(2).join(" ")}`);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");

const preciseNow = (): number => performance.timeOrigin + performance.now();
const sleepUntil = (at: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

let windowStart = 0;
let windowEnd = 0;
const firesPerSlot = new Map<number, number>();
const lastSlot = new Float64Array(jobs).fill(-1);
const lateness: number[] = [];
let duplicates = 0;
let early = 0;

function onFire(job: number, slot?: number): void {
  const now = preciseNow();
  let s = slot;
  if (s === undefined) {
    // Libraries that do not say which slot they fire: the second boundary just passed,
    // or the one just ahead when the fire comes less than 50 ms early.
    const nearest = Math.round(now / 1_000) * 1_000;
    s = nearest > now && nearest - now < 50 ? nearest : Math.floor(now / 1_000) * 1_000;
  }
  // Only slots inside the observation window count (windowStart is 0 until set-up is over).
  if (windowStart === 0 || s < windowStart || s >= windowEnd) return;
  if (lastSlot[job] === s) duplicates++;
  lastSlot[job] = s;
  firesPerSlot.set(s, (firesPerSlot.get(s) ?? 0) + 1);
  lateness.push(now - s);
  if (now < s) early++;
}

function expectedFires(): number {
  if (mode === "second") return jobs * Math.round((windowEnd - windowStart) / 1_000);
  const plan = mode === "hourly" ? [{ cron: "0 0 * * * *", timezone: "UTC", jobs }] : MIX_EXPRESSIONS.map((e, i) => ({ ...e, jobs: Math.floor(jobs / MIX_EXPRESSIONS.length) + (i < jobs % MIX_EXPRESSIONS.length ? 1 : 0) }));
  let total = 0;
  for (const { cron, timezone, jobs: count } of plan) {
    const iterator = CronExpressionParser.parse(cron, { currentDate: windowStart - 1, tz: timezone });
    let slots = 0;
    for (let slot = iterator.next().getTime(); slot < windowEnd; slot = iterator.next().getTime()) slots++;
    total += slots * count;
  }
  return total;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

gc();
gc();
const heapBefore = process.memoryUsage().heapUsed;
const started = performance.now();
const running = startScenario(library, mode, jobs, onFire);
const setupMs = performance.now() - started;
gc();
gc();
const heapAfter = process.memoryUsage().heapUsed;

// An idle window starts once the start-up garbage is collected: V8's memory reducer runs full
// collections some 8 s after start-up (also in the loader's thread), which would be counted here.
const settleMs = mode === "hourly" ? 10_000 : 1_000;
windowStart = Math.ceil(Date.now() / 1_000) * 1_000 + settleMs;
windowEnd = windowStart + windowMs;
await sleepUntil(windowStart);
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
await sleepUntil(windowEnd);
const cpu = process.cpuUsage(cpuStart);
const wall = performance.now() - wallStart;
// Let the last slots of the window arrive before counting.
await sleepUntil(windowEnd + 2_000);
running.stop();

const fired = [...firesPerSlot.values()].reduce((a, b) => a + b, 0) - duplicates;
const expected = expectedFires();
lateness.sort((a, b) => a - b);
const result: WorkerResult = {
  library,
  mode,
  jobs,
  setupMs: Math.round(setupMs),
  heapPerJob: Math.round((heapAfter - heapBefore) / jobs),
  windowMs,
  cpuPercent: Math.round(((cpu.user + cpu.system) / 1_000 / wall) * 10_000) / 100,
  expected,
  fired,
  missed: Math.max(0, expected - fired),
  duplicates,
  early,
  latenessMs:
    lateness.length === 0
      ? undefined
      : {
          median: Math.round(percentile(lateness, 0.5) * 10) / 10,
          p99: Math.round(percentile(lateness, 0.99) * 10) / 10,
          max: Math.round((lateness[lateness.length - 1] as number) * 10) / 10,
        },
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
