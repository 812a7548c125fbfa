/**
 * Triggers on the path users take: `createOrchestrator` with `Agent`
 * subclasses whose `onCron` records each tick, the triggers given in
 * `config.schedule`, the built package imported by its name. Beside it, in
 * the same run, a bare `setTimeout` per job (re-armed for each next slot);
 * croner, node-cron and toad-scheduler once each, as context.
 *
 * - 10,000 agents × one `* * * * * *` trigger: missed and duplicated slots
 *   (by agent and `tick.scheduledAt`), lateness in `onCron` (now −
 *   `tick.scheduledAt`), CPU of the process over a 10 s window after 1 s of
 *   warm-up; heap per trigger = heap of 10,000 such agents minus heap of
 *   10,000 agents without the trigger (after a full GC, at the end of the window);
 * - 100,000 every-second triggers as 1,000 agents × 100 named triggers;
 * - 10,000 hourly triggers, idle: CPU over a 31 s window starting 40 s after
 *   set-up (V8's memory reducer runs its start-up collections in between). Idle runs are independent
 *   of each other's load, so they run side by side.
 *
 * Every run is a child process (bench/triggers/worker.ts); ours and the
 * baseline alternate. About 8 minutes at BENCH_RUNS=5 (2 minutes at BENCH_RUNS=1 BENCH_PEERS=0).
 *
 *   npm run bench -- triggers
 *   BENCH_RUNS=1 BENCH_PEERS=0 npx tsx bench/triggers.bench.ts   (with TSX_TSCONFIG_PATH=bench/tsconfig.run.json)
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { bytes, median, Report, round, RUNS } from "./lib/report.js";
import type { Design, Mode } from "./triggers/scenarios.js";
import type { WorkerResult } from "./triggers/worker.js";

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL("./triggers/worker.ts", import.meta.url));
const WINDOW_MS = 10_000;
const IDLE_WINDOW_MS = 31_000;
/**
 * The idle window starts this long after set-up, once the process is in its steady state: after
 * start-up V8's memory reducer runs a few full collections of the heap (with `--trace-gc`, 10,000
 * agents with hourly triggers: two pairs, at about 24 s and 33 s, 30–80 ms of CPU with the helper
 * threads; none in the following minute). Counted in a 31 s window they alone would make 0.1–0.3% of
 * a core: a one-off cost of start-up, not of being idle. A full collection started by the worker would
 * restart that cycle, so the worker does not force one.
 */
const IDLE_SETTLE_MS = 40_000;
const PEERS = process.env["BENCH_PEERS"] !== "0";

async function measure(design: Design, mode: Mode, agents: number, perAgent: number, windowMs: number, settleMs: number): Promise<WorkerResult> {
  const args = ["--expose-gc", "--import", "tsx", "--max-old-space-size=2048", WORKER, design, mode, String(agents), String(perAgent), String(windowMs), String(settleMs)];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024, timeout: windowMs + settleMs + 180_000, env: process.env });
  return JSON.parse(stdout.trim().split("\n").pop() as string) as WorkerResult;
}

/** RUNS runs of each design, alternating. */
async function alternate(designs: ReadonlyArray<() => Promise<WorkerResult>>): Promise<WorkerResult[][]> {
  const results: WorkerResult[][] = designs.map(() => []);
  for (let r = 0; r < RUNS; r++) for (const [i, design] of designs.entries()) results[i]?.push(await design());
  return results;
}

const pct = (value: number): string => `${round(value, 2)}%`;
const ms = (value: number): string => `${round(value, 1)} ms`;
const med = (runs: readonly WorkerResult[], pick: (r: WorkerResult) => number | undefined): number => median(runs.map((r) => pick(r) ?? Number.NaN));
const report = new Report("triggers: through createOrchestrator and onCron");

// ---- 10,000 agents × one every-second trigger --------------------------------------------------
const [bareSecond = [], oursSecond = [], oursNone = []] = await alternate([
  () => measure("setTimeout", "second", 10_000, 1, WINDOW_MS, 1_000),
  () => measure("ours", "second", 10_000, 1, WINDOW_MS, 1_000),
  () => measure("ours", "none", 10_000, 0, 0, 0),
]);
const missed = Math.max(...oursSecond.map((r) => r.missed));
const duplicated = Math.max(...oursSecond.map((r) => r.duplicated));
report.row({ scenario: "10,000 agents × `* * * * * *`: missed / duplicated (worst run)", ours: `${missed} / ${duplicated}`, baseline: `${Math.max(...bareSecond.map((r) => r.missed))} / ${Math.max(...bareSecond.map((r) => r.duplicated))}`, target: "0 / 0", met: missed === 0 && duplicated === 0 });
const p99 = med(oursSecond, (r) => r.p99);
const bareP99 = med(bareSecond, (r) => r.p99);
report.row({ scenario: "… p99 lateness in onCron", ours: ms(p99), baseline: `${ms(bareP99)} (setTimeout per job)`, ratio: `+${ms(p99 - bareP99)}`, target: "≤ baseline + 25 ms", met: p99 <= bareP99 + 25 });
report.row({ scenario: "… median lateness", ours: ms(med(oursSecond, (r) => r.p50)), baseline: ms(med(bareSecond, (r) => r.p50)), target: "—", met: undefined });
const cpu = med(oursSecond, (r) => r.cpuPercent);
const bareCpu = med(bareSecond, (r) => r.cpuPercent);
report.row({ scenario: "… CPU (% of a core)", ours: pct(cpu), baseline: `${pct(bareCpu)} (setTimeout per job)`, ratio: `${round(cpu / bareCpu, 2)}×`, target: "≤ 3× baseline", met: cpu <= 3 * bareCpu });
const perTrigger = med(oursSecond, (r) => r.heapPerAgentAfter) - med(oursNone, (r) => r.heapPerAgentAfter);
report.row({ scenario: "… heap per trigger beyond the agent (after the window)", ours: bytes(perTrigger), baseline: `${bytes(med(bareSecond, (r) => r.heapPerAgentAfter))} (a setTimeout per job)`, target: "≤ 1 KB", met: perTrigger <= 1_024 });
report.row({ scenario: "… heap per agent + trigger; per agent without", ours: `${bytes(med(oursSecond, (r) => r.heapPerAgentAfter))}; ${bytes(med(oursNone, (r) => r.heapPerAgentAfter))}`, target: "—", met: undefined });
report.row({ scenario: "… set-up (createOrchestrator + start)", ours: ms(med(oursSecond, (r) => r.setupMs)), baseline: ms(med(bareSecond, (r) => r.setupMs)), target: "—", met: undefined });

// ---- 1,000 agents × 100 named every-second triggers ---------------------------------------------
const [bareMany = [], oursMany = []] = await alternate([() => measure("setTimeout", "second", 1_000, 100, WINDOW_MS, 2_000), () => measure("ours", "second", 1_000, 100, WINDOW_MS, 2_000)]);
const manyMissed = Math.max(...oursMany.map((r) => r.missed));
const manyExpected = oursMany[0]?.expected ?? 0;
report.row({ scenario: "100,000 every-second triggers (1,000 agents × 100): missed (worst run)", ours: `${manyMissed} of ${manyExpected.toLocaleString("en-US")}`, baseline: `${Math.max(...bareMany.map((r) => r.missed))}`, target: "0", met: manyMissed === 0 && Math.max(...oursMany.map((r) => r.duplicated)) === 0 });
const manyCpu = med(oursMany, (r) => r.cpuPercent);
report.row({ scenario: "… CPU (% of a core)", ours: pct(manyCpu), baseline: `${pct(med(bareMany, (r) => r.cpuPercent))} (setTimeout per job)`, ratio: `${round(manyCpu / med(bareMany, (r) => r.cpuPercent), 2)}×`, target: "≤ 50%", met: manyCpu <= 50 });
report.row({ scenario: "… p99 lateness in onCron", ours: ms(med(oursMany, (r) => r.p99)), baseline: ms(med(bareMany, (r) => r.p99)), target: "—", met: undefined });

// ---- 10,000 hourly triggers, idle (runs side by side: each measures its own process) -------------
// an hourly trigger fires at the top of the hour: a window that crossed it would measure 10,000 runs,
// not idling, so the idle runs start after the next hour when it would fall inside them
const idleSpan = 2 * (RUNS - 1) * 2_000 + IDLE_SETTLE_MS + IDLE_WINDOW_MS + 15_000;
const toNextHour = 3_600_000 - (Date.now() % 3_600_000);
if (toNextHour < idleSpan) await new Promise<void>((resolve) => setTimeout(resolve, toNextHour + 2_000));
// beside them, the same 10,000 agents without a trigger: what the agents cost idle (V8's memory reducer collects their heap)
const later = (i: number, mode: Mode, perAgent: number) => new Promise<void>((resolve) => setTimeout(resolve, i * 2_000)).then(() => measure("ours", mode, 10_000, perAgent, IDLE_WINDOW_MS, IDLE_SETTLE_MS));
const [idle, idleAgents] = await Promise.all([Promise.all(Array.from({ length: RUNS }, (_, i) => later(2 * i, "hourly", 1))), Promise.all(Array.from({ length: RUNS }, (_, i) => later(2 * i + 1, "none", 0)))]);
const idleCpu = med(idle, (r) => r.cpuPercent);
report.row({ scenario: "10,000 hourly triggers, idle: CPU (31 s window)", ours: `${round(idleCpu, 3)}%`, baseline: `${round(med(idleAgents, (r) => r.cpuPercent), 3)}% (the same agents without triggers)`, target: "< 0.1% of a core", met: idleCpu < 0.1 });

// ---- peers, once each, for context ----------------------------------------------------------------
if (PEERS) {
  for (const peer of ["croner", "node-cron", "toad-scheduler"] as const) {
    const r = await measure(peer, "second", 10_000, 1, WINDOW_MS, 1_000);
    report.row({
      scenario: `context, one run: ${peer} with 10,000 \`* * * * * *\` jobs`,
      ours: `CPU ${pct(r.cpuPercent)}, p99 ${r.p99 === undefined ? "—" : ms(r.p99)}, missed ${r.missed}, ${bytes(r.heapPerAgentAfter)} per job`,
      target: "—",
      met: undefined,
    });
  }
}
report.finish();
