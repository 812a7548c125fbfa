/**
 * What an agent costs, through `createOrchestrator` and the `Agent` API of the
 * built package, beside bare Node doing the same work in the same run:
 *
 * 1. heap per idle agent (10,000 agents): the agent alone, with one
 *    subscription made in `start()` through `this.bus`, and with one
 *    (hourly) trigger as well; bare: a plain object + an eventemitter3
 *    listener + a setTimeout;
 * 2. `await orch.start()` and `await orch.shutdown()` of 10,000 such agents;
 * 3. a crash storm: 1,000 agents (one subscription each, back-off 1 ms without
 *    jitter) call `this.fail()` in the same tick; event-loop p99 during the
 *    storm and the recovery, and the time until all run again; bare: a
 *    try/catch + a 1 ms setTimeout per agent.
 *
 *   npm run bench -- agents
 *   BENCH_RUNS=1 TSX_TSCONFIG_PATH=bench/tsconfig.run.json node --expose-gc --import tsx bench/agents.bench.ts
 *
 * Every run is a child process (bench/agents/footprint.ts, bench/agents/crashStorm.ts);
 * each figure is the median of RUNS runs, the variants interleaved run by run.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CrashStormResult } from "./agents/crashStorm.js";
import type { FootprintResult, Variant } from "./agents/footprint.js";
import { bytes, median, Report, round, RUNS } from "./lib/report.js";

const AGENTS = 10_000;
const STORM_AGENTS = 1_000;
const HEAP_TARGET = 3 * 1_024;
const START_TARGET_MS = 300;
const STORM_P99_TARGET_MS = 15;
const RECOVERY_TARGET_MS = 500;

function child<T>(script: string, args: readonly string[]): T {
  const file = fileURLToPath(new URL(`./agents/${script}`, import.meta.url));
  const output = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", file, ...args], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(output.trim().split("\n").pop() as string) as T;
}

const variants: readonly Variant[] = ["bare", "agent", "subscription", "trigger"];
const footprints = new Map<Variant, FootprintResult[]>(variants.map((variant) => [variant, []]));
const storms: Record<"ours" | "bare", CrashStormResult[]> = { ours: [], bare: [] };
for (let run = 0; run < RUNS; run++) {
  for (const variant of variants) footprints.get(variant)?.push(child<FootprintResult>("footprint.ts", [variant, String(AGENTS)]));
  for (const mode of ["bare", "ours"] as const) storms[mode].push(child<CrashStormResult>("crashStorm.ts", [mode, String(STORM_AGENTS)]));
}

const of = (variant: Variant, key: "heapPerAgent" | "startMs" | "shutdownMs"): number => median((footprints.get(variant) ?? []).map((r) => r[key]));
const stormOf = (mode: "ours" | "bare", key: "p99" | "max" | "recoveryMs" | "crashTickMs"): number => median(storms[mode].map((r) => r[key]));
const ratio = (ours: number, bare: number): string => `${round(ours / bare, 1)}×`;
const ms = (value: number): string => `${round(value, 1)} ms`;

const report = new Report("agents: footprint, start/shutdown, crash storm");
const bareHeap = of("bare", "heapPerAgent");
const bareLabel = `${bytes(bareHeap)} (object + ee3 listener + setTimeout)`;
report.row({ scenario: "heap per idle agent (10,000)", ours: bytes(of("agent", "heapPerAgent")), baseline: bareLabel, ratio: ratio(of("agent", "heapPerAgent"), bareHeap), target: "—", met: undefined });
report.row({ scenario: "… + one subscription", ours: bytes(of("subscription", "heapPerAgent")), baseline: bareLabel, ratio: ratio(of("subscription", "heapPerAgent"), bareHeap), target: "—", met: undefined });
const full = of("trigger", "heapPerAgent");
report.row({ scenario: "… + one subscription + one trigger", ours: bytes(full), baseline: bareLabel, ratio: ratio(full, bareHeap), target: "≤ 3 KB", met: full <= HEAP_TARGET });
for (const [key, label] of [["startMs", "start"], ["shutdownMs", "shutdown"]] as const) {
  const value = of("trigger", key);
  const bare = of("bare", key);
  report.row({ scenario: `${label} of 10,000 such agents`, ours: ms(value), baseline: `${ms(bare)} (bare)`, ratio: ratio(value, bare), target: `≤ ${START_TARGET_MS} ms`, met: value <= START_TARGET_MS });
}
const p99 = stormOf("ours", "p99");
const bareP99 = stormOf("bare", "p99");
report.row({ scenario: "crash storm, 1,000 agents: event-loop p99", ours: ms(p99), baseline: `${ms(bareP99)} (try/catch + setTimeout)`, ratio: ratio(p99, bareP99), target: `≤ ${STORM_P99_TARGET_MS} ms`, met: p99 <= STORM_P99_TARGET_MS });
const recovery = stormOf("ours", "recoveryMs");
report.row({ scenario: "… all 1,000 running again", ours: ms(recovery), baseline: ms(stormOf("bare", "recoveryMs")), ratio: ratio(recovery, stormOf("bare", "recoveryMs")), target: `≤ ${RECOVERY_TARGET_MS} ms`, met: recovery <= RECOVERY_TARGET_MS });
report.row({ scenario: "… the crash tick / event-loop max", ours: `${ms(stormOf("ours", "crashTickMs"))} / ${ms(stormOf("ours", "max"))}`, baseline: `${ms(stormOf("bare", "crashTickMs"))} / ${ms(stormOf("bare", "max"))}`, target: "—", met: undefined });
report.finish();
