/**
 * One measurement in its own process (started by bench/triggers.bench.ts):
 *
 *   node --expose-gc --import tsx bench/triggers/worker.ts <design> <mode> <agents> <perAgent> <windowMs> <settleMs> [store]
 *
 * `store` (ours only): `none` (the default: no store configured), `memory`
 * (`store: new MemoryTriggerStore()`) or `file` (`config.state: { file }` in a
 * temporary directory).
 *
 * Sets up the jobs (heap measured after a full GC, before and after), waits
 * for a whole second plus `settleMs`, then observes a window of `windowMs`:
 * CPU time of the process (`process.cpuUsage`), firings per job and slot,
 * lateness of each firing (the time from the slot to the callback: `onCron`
 * for ours). Prints one JSON line.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { DESIGNS, MODES, startScenario, STORES, type Design, type Mode, type StoreKind } from "./scenarios.js";

/** The worker's result line. */
export interface WorkerResult {
  readonly design: Design;
  readonly mode: Mode;
  readonly store: StoreKind;
  readonly jobs: number;
  readonly agents: number;
  readonly setupMs: number;
  /** Heap growth from before set-up to after it (both after a full GC), divided by `agents`. */
  readonly heapPerAgent: number;
  /** The same at the end of the window (every trigger has fired by then), or after 2 s without one. */
  readonly heapPerAgentAfter: number;
  readonly cpuPercent: number;
  readonly expected: number;
  readonly fired: number;
  readonly missed: number;
  readonly duplicated: number;
  readonly early: number;
  readonly p50: number | undefined;
  readonly p99: number | undefined;
  /** With the file store: writes of the state file per second over the window, and its size at the end. */
  readonly stateWritesPerSecond?: number;
  readonly stateFileBytes?: number;
}

const [designArg, modeArg, agentsArg, perAgentArg, windowArg, settleArg, storeArg = "none"] = process.argv.slice(2);
const design = designArg as Design;
const mode = modeArg as Mode;
const agents = Number(agentsArg);
const perAgent = Number(perAgentArg);
const windowMs = Number(windowArg);
const settleMs = Number(settleArg);
const store = storeArg as StoreKind;
if (!DESIGNS.includes(design) || !MODES.includes(mode) || !(agents > 0) || !(perAgent >= 0) || !(windowMs >= 0) || !(settleMs >= 0) || !STORES.includes(store)) {
  throw new Error(`usage: worker.ts <${DESIGNS.join("|")}> <${MODES.join("|")}> <agents> <perAgent> <windowMs> <settleMs> [${STORES.join("|")}], got ${process.argv.slice(2).join(" ")}`);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");
const jobs = agents * perAgent;
const period = mode === "second" ? 1_000 : 3_600_000;
const sleepUntil = (at: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

let windowStart = Number.POSITIVE_INFINITY;
let windowEnd = Number.NEGATIVE_INFINITY;
const lastSlot = new Float64Array(Math.max(jobs, 1)).fill(-1);
// allocated before the heap is measured: the worker's own records are not counted
const lateness = new Float64Array(Math.max(jobs, 1) * (Math.ceil(windowMs / 1_000) + 2));
let recorded = 0;
let fired = 0;
let duplicated = 0;
let early = 0;

function onFire(job: number, slot?: number): void {
  const now = Date.now();
  let s = slot;
  if (s === undefined) {
    // designs that do not say which slot they fire: the boundary just passed, or the one just ahead when less than 50 ms early
    const nearest = Math.round(now / period) * period;
    s = nearest > now && nearest - now < 50 ? nearest : Math.floor(now / period) * period;
  }
  if (s < windowStart || s >= windowEnd) return;
  if (lastSlot[job] === s) {
    duplicated++;
    return;
  }
  lastSlot[job] = s;
  fired++;
  if (recorded < lateness.length) lateness[recorded++] = now - s;
  if (now < s) early++;
}

gc();
gc();
const heapBefore = process.memoryUsage().heapUsed;
const started = performance.now();
const running = await startScenario(design, mode, agents, perAgent, onFire, store);
const setupMs = performance.now() - started;
gc();
gc();
const heapAfter = process.memoryUsage().heapUsed;

/** The `sequence` of a trigger state file (+1 per write), read from its header. */
function sequenceOf(path: string): number {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(256);
    const length = readSync(fd, head, 0, head.length, 0);
    return Number(/"sequence":(\d+)/.exec(head.toString("utf8", 0, length))?.[1] ?? Number.NaN);
  } finally {
    closeSync(fd);
  }
}

let cpuPercent = 0;
let stateWritesPerSecond: number | undefined;
let stateFileBytes: number | undefined;
if (windowMs > 0) {
  windowStart = Math.ceil(Date.now() / 1_000) * 1_000 + settleMs;
  windowEnd = windowStart + windowMs;
  await sleepUntil(windowStart);
  const sequenceAtStart = running.stateFile === undefined ? 0 : sequenceOf(running.stateFile);
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  await sleepUntil(windowEnd);
  const cpu = process.cpuUsage(cpuStart);
  const wall = performance.now() - wallStart;
  cpuPercent = (cpu.user + cpu.system) / 10 / wall;
  // read outside the window, so as not to count in its CPU
  const file = running.stateFile;
  if (file !== undefined) {
    const sequenceEnd = sequenceOf(file);
    stateFileBytes = statSync(file).size;
    stateWritesPerSecond = (sequenceEnd - sequenceAtStart) / (wall / 1_000);
  }
  // the window's last slots may still be on their way
  await sleepUntil(windowEnd + 1_500);
} else {
  await sleepUntil(Date.now() + 2_000);
}
gc();
gc();
const heapEnd = process.memoryUsage().heapUsed;
await running.stop();

const expected = mode === "second" ? jobs * Math.round((windowEnd - windowStart) / 1_000) : 0;
const sorted = lateness.subarray(0, recorded).sort();
const at = (p: number): number | undefined => (recorded === 0 ? undefined : sorted[Math.min(recorded - 1, Math.max(0, Math.ceil(p * recorded) - 1))]);
const result: WorkerResult = {
  design,
  mode,
  store,
  jobs,
  agents,
  setupMs: Math.round(setupMs),
  heapPerAgent: Math.round((heapAfter - heapBefore) / agents),
  heapPerAgentAfter: Math.round((heapEnd - heapBefore) / agents),
  cpuPercent,
  expected: Math.max(expected, 0),
  fired,
  missed: Math.max(0, expected - fired),
  duplicated,
  early,
  p50: at(0.5),
  p99: at(0.99),
  ...(stateWritesPerSecond === undefined || stateFileBytes === undefined ? {} : { stateWritesPerSecond, stateFileBytes }),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
