/**
 * Scheduling at scale: 10,000 jobs firing every second, and 10,000 hourly jobs
 * (an idle window), for this library's Scheduler beside croner, node-cron,
 * toad-scheduler (CronJob) and a bare `setTimeout` per job; then ours alone
 * with 100,000 triggers (hourly, and a mix of 100 expressions in two zones).
 * Each run is a child process with a heap cap (`--max-old-space-size`).
 *
 *   npx tsx bench/scheduler.bench.ts
 *   BENCH_WINDOW_MS=5000 BENCH_ONLY=ours,setTimeout npx tsx bench/scheduler.bench.ts
 *
 * Prints a Markdown table (see docs/performance.scheduling.md for a reading).
 * Takes about 6 minutes with the default windows (10 s; idle windows 31 s, starting 10 s after set-up).
 */
import { execFile } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Library, Mode } from "./scheduler/scenarios.js";
import type { WorkerResult } from "./scheduler/worker.js";

const run = promisify(execFile);
const WINDOW_MS = Number(process.env["BENCH_WINDOW_MS"] ?? 10_000);
/**
 * Idle windows cover at least one 30 s wait: croner and this scheduler cap their waits at 30 s, so a
 * shorter window could fall between two wake-ups and see nothing.
 */
const IDLE_WINDOW_MS = Math.max(WINDOW_MS, 31_000);
const ONLY = process.env["BENCH_ONLY"]?.split(",");
const WORKER = fileURLToPath(new URL("./scheduler/worker.ts", import.meta.url));

interface Case {
  readonly library: Library;
  readonly mode: Mode;
  readonly jobs: number;
  /** Heap cap of the child, MB. */
  readonly heapMb: number;
}

const peers: Library[] = ["ours", "croner", "node-cron", "toad-scheduler", "setTimeout"];
const cases: Case[] = [
  ...peers.map((library): Case => ({ library, mode: "second", jobs: 10_000, heapMb: 2_048 })),
  ...peers.map((library): Case => ({ library, mode: "hourly", jobs: 10_000, heapMb: 2_048 })),
  { library: "ours", mode: "hourly", jobs: 100_000, heapMb: 1_024 } satisfies Case,
  { library: "ours", mode: "mix", jobs: 100_000, heapMb: 1_024 } satisfies Case,
].filter((c) => ONLY === undefined || ONLY.includes(c.library));

const rows: string[] = [];
const header =
  "| scheduler | jobs | schedule | set-up | heap / job | CPU (% of a core) | fires expected | missed | doubled | early | lateness median | lateness p99 |";
console.log(
  `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ${WINDOW_MS / 1_000} s windows (idle: ${IDLE_WINDOW_MS / 1_000} s)\n`,
);
console.log(header);
console.log("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const c of cases) {
  const windowMs = c.mode === "hourly" ? IDLE_WINDOW_MS : WINDOW_MS;
  const args = ["--import", "tsx", "--expose-gc", `--max-old-space-size=${c.heapMb}`, WORKER, c.library, c.mode, String(c.jobs), String(windowMs)];
  let row: string;
  try {
    const { stdout } = await run(process.execPath, args, { maxBuffer: 64 * 1024 * 1024, timeout: windowMs + 120_000 });
    const r = JSON.parse(stdout.trim().split("\n").pop() as string) as WorkerResult;
    const kb = (bytes: number) => (bytes >= 10_240 ? `${(bytes / 1_024).toFixed(0)} KB` : `${bytes} B`);
    const ms = (value: number | undefined) => (value === undefined ? "—" : `${value} ms`);
    row =
      `| ${r.library} | ${r.jobs.toLocaleString("en-US")} | ${describeMode(r.mode)} | ${r.setupMs} ms | ${kb(r.heapPerJob)} | ${r.cpuPercent}% | ` +
      `${r.expected.toLocaleString("en-US")} | ${r.missed.toLocaleString("en-US")} | ${r.duplicates} | ${r.early} | ${ms(r.latenessMs?.median)} | ${ms(r.latenessMs?.p99)} |`;
  } catch (error) {
    const reason = (error as { stderr?: string }).stderr?.includes("heap out of memory") ? "out of memory" : String((error as Error).message).split("\n")[0];
    row = `| ${c.library} | ${c.jobs.toLocaleString("en-US")} | ${describeMode(c.mode)} | failed: ${reason} |||||||||`;
  }
  rows.push(row);
  console.log(row);
}

function describeMode(mode: Mode): string {
  return mode === "second" ? "every second" : mode === "hourly" ? "hourly (idle window)" : "mix of 100 expressions";
}
