/**
 * Scrape cost of the orchestrator's metrics with many agents, beside a bare
 * prom-client registry holding the same series (values set ahead of time, the
 * cheapest prom-client can do), measured in the same run. A third registry
 * shows the obvious alternative: prom-client metrics whose `collect()` copies
 * the plain counters into labelled values at every scrape.
 *
 *   npx tsx bench/metrics.bench.ts            # 1,000 agents
 *   BENCH_AGENTS=10000 npx tsx bench/metrics.bench.ts
 *
 * Exits with status 1 when the two texts differ or the ratio exceeds 2.
 */
import { performance } from "node:perf_hooks";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { BusStats } from "../src/bus/Bus.js";
import { systemClock } from "../src/clock.js";
import { ORCHESTRATOR_PHASES, createObservability } from "../src/observe/index.js";
import type { ObservedAgent, ObservedSource } from "../src/observe/index.js";
import { AgentCounters } from "../src/stats/AgentCounters.js";
import { DURATION_BUCKETS, HistogramData } from "../src/stats/HistogramData.js";
import type { AgentState } from "../src/supervisor/AgentStatus.js";

const AGENTS = Number(process.env["BENCH_AGENTS"] ?? 1_000);
const WARMUP = 10;
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 30);
const TARGET_RATIO = 2;

// ---- a source with AGENTS agents and varied counters -------------------------------------------
const states: AgentState[] = ["running", "running", "running", "backoff", "disabled"];
const agents: ObservedAgent[] = [];
for (let i = 0; i < AGENTS; i++) {
  const counters = new AgentCounters();
  counters.restarts = i % 7;
  counters.crashes.error = i % 5;
  counters.crashes.hung = i % 3;
  counters.escalations["consecutive-failures"] = i % 2;
  counters.handlerErrors = i % 11;
  counters.triggersFired = i * 3;
  counters.triggersSkipped.overlap = i % 4;
  for (let k = 0; k < 20; k++) counters.handlerDuration.observe(((i + k) % 97) / 100);
  const state = states[i % states.length] ?? "running";
  agents.push({ status: { name: `agent_${i}`, group: i % 10 === 0 ? "critical" : "data", state, restarts: counters.restarts, crashes: counters.totalCrashes }, critical: i % 10 === 0, counters });
}
const lateness = new HistogramData(DURATION_BUCKETS);
for (let k = 0; k < 100; k++) lateness.observe(k / 1_000);
const bus: BusStats = { published: 123_456, delivered: 123_000, dropped: 56, pending: 400, handlerErrors: 12 };
const source: ObservedSource = {
  phase: () => "running",
  agents: () => agents,
  busStats: () => bus,
  cronLateness: lateness,
  loop: () => ({ lastTickAt: Date.now(), intervalMs: 1_000 }),
  clock: systemClock,
};

// ---- the module under test ---------------------------------------------------------------------
const observability = createObservability(source);

// ---- bare prom-client with the same series, set once --------------------------------------------
const bare = new Registry();
const registers = [bare];
const gauge = (name: string, labelNames: string[] = []) => new Gauge({ name, help: help(name), labelNames, registers, aggregator: aggregatorOf(name) });
const counter = (name: string, labelNames: string[] = []) => new Counter({ name, help: help(name), labelNames, registers });
const histogram = (name: string, labelNames: string[] = []) => new Histogram({ name, help: help(name), labelNames, registers, buckets: [...DURATION_BUCKETS] });
const helps = new Map<string, string>();
const aggregators = new Map<string, "sum" | "min" | "max">();
for (const metric of await observability.registry.getMetricsAsJSON()) {
  helps.set(metric.name, metric.help);
  aggregators.set(metric.name, metric.aggregator === "min" || metric.aggregator === "max" ? metric.aggregator : "sum");
}
function help(name: string): string {
  return helps.get(name) ?? name;
}
function aggregatorOf(name: string): "sum" | "min" | "max" {
  return aggregators.get(name) ?? "sum";
}
gauge("orchestrator_up").set(1);
const phase = gauge("orchestrator_phase", ["phase"]);
for (const p of ORCHESTRATOR_PHASES) phase.set({ phase: p }, p === "running" ? 1 : 0);
gauge("orchestrator_healthy").set(observability.health().ok ? 1 : 0);
const info = gauge("agent_info", ["agent", "group", "critical"]);
const state = gauge("agent_state", ["agent"]);
const disabled = gauge("agent_disabled", ["agent"]);
const restarts = counter("agent_restarts_total", ["agent"]);
const crashes = counter("agent_crashes_total", ["agent", "reason"]);
const escalations = counter("agent_escalations_total", ["agent", "reason"]);
const handlerErrors = counter("agent_handler_errors_total", ["agent"]);
const stopFailures = counter("agent_stop_failures_total", ["agent"]);
const duration = histogram("agent_handler_duration_seconds", ["agent"]);
const fired = counter("cron_triggers_fired_total", ["agent"]);
const skipped = counter("cron_triggers_skipped_total", ["agent", "reason"]);
const barelateness = histogram("cron_lateness_seconds");
for (const { status, critical, counters } of agents) {
  const agent = status.name;
  info.set({ agent, group: status.group, critical: String(critical) }, 1);
  state.set({ agent }, status.state === "running" ? 1 : 0);
  disabled.set({ agent }, status.state === "disabled" ? 1 : 0);
  restarts.inc({ agent }, counters.restarts);
  for (const [reason, n] of Object.entries(counters.crashes)) crashes.inc({ agent, reason }, n);
  for (const [reason, n] of Object.entries(counters.escalations)) escalations.inc({ agent, reason }, n);
  handlerErrors.inc({ agent }, counters.handlerErrors);
  stopFailures.inc({ agent }, counters.stopFailures);
  duration.zero({ agent });
  for (let k = 0; k < 20; k++) duration.observe({ agent }, ((Number(agent.slice(6)) + k) % 97) / 100);
  fired.inc({ agent }, counters.triggersFired);
  for (const [reason, n] of Object.entries(counters.triggersSkipped)) skipped.inc({ agent, reason }, n);
}
for (let k = 0; k < 100; k++) barelateness.observe(k / 1_000);
counter("bus_messages_published_total").inc(bus.published);
counter("bus_messages_delivered_total").inc(bus.delivered);
counter("bus_messages_dropped_total").inc(bus.dropped);
gauge("bus_messages_pending").set(bus.pending);
counter("bus_handler_errors_total").inc(bus.handlerErrors);

// ---- the obvious alternative: copy the plain counters in collect() at each scrape -------------------
const copying = new Registry();
const copyRegisters = [copying];
new Gauge({
  name: "agent_state",
  help: help("agent_state"),
  labelNames: ["agent"],
  registers: copyRegisters,
  collect() {
    for (const { status } of source.agents()) this.set({ agent: status.name }, status.state === "running" ? 1 : 0);
  },
});
new Counter({
  name: "agent_crashes_total",
  help: help("agent_crashes_total"),
  labelNames: ["agent", "reason"],
  registers: copyRegisters,
  collect() {
    this.reset();
    for (const { status, counters } of source.agents()) {
      for (const [reason, n] of Object.entries(counters.crashes)) this.inc({ agent: status.name, reason }, n);
    }
  },
});
new Counter({
  name: "cron_triggers_skipped_total",
  help: help("cron_triggers_skipped_total"),
  labelNames: ["agent", "reason"],
  registers: copyRegisters,
  collect() {
    this.reset();
    for (const { status, counters } of source.agents()) {
      for (const [reason, n] of Object.entries(counters.triggersSkipped)) this.inc({ agent: status.name, reason }, n);
    }
  },
});
// (Histograms cannot be copied this way without re-observing: prom-client has no setter for buckets.)
const copiedNames = new Set(["agent_state", "agent_crashes_total", "cron_triggers_skipped_total"]);
const subset = new Registry();
for (const name of copiedNames) {
  const metric = bare.getSingleMetric(name);
  if (metric !== undefined) subset.registerMetric(metric);
}

// ---- same text? --------------------------------------------------------------------------------
const ours = await observability.metrics();
const theirs = await bare.metrics();
if (ours !== theirs) {
  const a = ours.split("\n");
  const b = theirs.split("\n");
  const at = a.findIndex((line, i) => line !== b[i]);
  console.error(`texts differ at line ${at + 1}:\n  ours: ${a[at]}\n  bare: ${b[at]}`);
  process.exit(1);
}
const series = ours.split("\n").filter((line) => line !== "" && !line.startsWith("#")).length;

// ---- timing: alternate the two so drift affects both alike ---------------------------------------
async function time(scrape: () => Promise<string>): Promise<number> {
  const start = performance.now();
  await scrape();
  return performance.now() - start;
}
const oursTimes: number[] = [];
const bareTimes: number[] = [];
const copyingTimes: number[] = [];
const subsetTimes: number[] = [];
for (let i = 0; i < WARMUP; i++) {
  await observability.metrics();
  await bare.metrics();
  await copying.metrics();
  await subset.metrics();
}
for (let i = 0; i < ROUNDS; i++) {
  oursTimes.push(await time(() => observability.metrics()));
  bareTimes.push(await time(() => bare.metrics()));
  copyingTimes.push(await time(() => copying.metrics()));
  subsetTimes.push(await time(() => subset.metrics()));
}
const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const p90 = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length * 0.9)] ?? Number.NaN;
const ratio = median(oursTimes) / median(bareTimes);
console.log(`agents: ${AGENTS}, series: ${series}, text: ${(ours.length / 1024).toFixed(0)} KiB, rounds: ${ROUNDS}`);
console.log(`orchestrator metrics (read at scrape time): median ${median(oursTimes).toFixed(2)} ms, p90 ${p90(oursTimes).toFixed(2)} ms`);
console.log(`bare prom-client (values set ahead):        median ${median(bareTimes).toFixed(2)} ms, p90 ${p90(bareTimes).toFixed(2)} ms`);
console.log(`ratio: ${ratio.toFixed(2)} (target < ${TARGET_RATIO})`);
console.log(
  `copying in collect() (agent_state, crashes, skipped only): median ${median(copyingTimes).toFixed(2)} ms ` +
    `vs the same three set ahead ${median(subsetTimes).toFixed(2)} ms (ratio ${(median(copyingTimes) / median(subsetTimes)).toFixed(2)})`,
);
if (!(ratio < TARGET_RATIO)) process.exit(1);
