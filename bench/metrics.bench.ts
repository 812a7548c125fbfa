/**
 * `/metrics` with many agents, scraped as a user scrapes it: an orchestrator made
 * by `createOrchestrator` with 10,000 running agents (varied counters: crashes,
 * restarts, an escalation or a disabled agent here and there, trigger fires and
 * skips, handler calls and handler errors), its `metricsHandler` mounted on a
 * real `node:http` server, fetched over a socket. Beside it, in the same
 * process and run, a bare prom-client `Registry` holding the same series with
 * the same values, set ahead of time (the cheapest prom-client can do: no work
 * at scrape time), served by the same kind of server.
 *
 *   npm run bench -- metrics
 *   BENCH_RUNS=1 BENCH_AGENTS=2000 npm run bench -- metrics      # a quick look
 *
 * Each run is a child process (one for the default series set, one for the
 * full set, one for the default set with `agentStatus: true`); each figure is the median over the runs of each run's median of
 * SCRAPES scrapes. Per scrape it records the time from the request to the last
 * byte, the longest event-loop stall while it was served (a 1 ms interval's
 * largest gap, and `monitorEventLoopDelay`'s max) and the process's CPU time;
 * in three more scrapes, the heap a scrape takes (`heapUsed` at its peak
 * during the scrape minus `heapUsed` after a `gc()` just before it). Before timing, the child checks that the
 * text served is exactly what prom-client itself renders from the same
 * registry (`registry.metrics()`).
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { Agent, createOrchestrator, type HttpHandler, type OrchestratorConfig } from "@acme/agent-orchestrator";
import { bytes, median, Report, RUNS } from "./lib/report.js";

const AGENTS = Number(process.env["BENCH_AGENTS"] ?? 10_000);
const SCRAPES = Number(process.env["BENCH_SCRAPES"] ?? 7);
const WARMUP = 2;
const TARGET_MS = 250;
const STALL_MS = 50;

/** The default series set, the full one, and the default one with `agentStatus: true` (context, off by default). */
type Mode = "default" | "full" | "status";
const MODES: readonly Mode[] = ["default", "full", "status"];

/** What one child reports. */
interface ChildResult {
  readonly mode: Mode;
  readonly series: number;
  readonly textBytes: number;
  readonly ours: Measured;
  readonly bare: Measured;
}

/** Medians over one child's scrapes. */
interface Measured {
  readonly ms: number;
  /** CPU time of the process (server and in-process client) per scrape: steadier than wall time on a busy machine. */
  readonly cpuMs: number;
  readonly stallMs: number;
  readonly heapBytes: number;
}

// ---- the agents --------------------------------------------------------------------------------

/** Incarnations per agent so far (across restarts). */
const incarnations = new Map<string, number>();

/** How often agent `i` crashes before it settles: most never, some once to three times, a few until disabled. */
function crashesOf(i: number): number {
  if (i % 97 === 0) return 5;
  if (i % 7 === 0) return 1 + (i % 3);
  return 0;
}

/** An agent with one subscription; some fail a few times after they start. */
class Worker extends Agent {
  override start(): void {
    const incarnation = (incarnations.get(this.name) ?? 0) + 1;
    incarnations.set(this.name, incarnation);
    this.bus.subscribe(
      `work.${this.name}`,
      (message) => {
        let x = 0;
        for (let k = 0; k < 200; k++) x += k;
        if (message.payload === "throw") throw new Error(`bad message ${x}`);
        return undefined;
      },
      { onError: () => undefined },
    );
    const i = Number(this.name.slice("agent_".length));
    if (incarnation <= crashesOf(i)) this.clock.setTimeout(() => this.fail(new Error("flaky")), 1);
  }

  override onCron(): void {}
}

function config(): OrchestratorConfig {
  const schedule: NonNullable<OrchestratorConfig["schedule"]> = {};
  for (let i = 0; i < AGENTS; i++) {
    if (i % 3 === 0) schedule[`agent_${i}`] = { delay: "20ms" };
    else if (i % 11 === 0) schedule[`agent_${i}`] = { at: "2020-01-01T00:00:00Z" };
  }
  return {
    supervisor: { backoff: { initial: "1ms", max: "4ms", jitter: 0 } },
    schedule,
  };
}

async function settle(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// ---- serving and scraping ----------------------------------------------------------------------

async function serve(handler: HttpHandler): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => handler(req, res));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: (server.address() as AddressInfo).port };
}

function fetchBody(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path: "/metrics", agent: false }, (res) => {
      let size = 0;
      res.on("data", (chunk: Buffer) => (size += chunk.length));
      res.on("end", () => resolve(size));
      res.on("error", reject);
    }).on("error", reject);
  });
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** One scrape: time to the last byte, the longest stall while it ran, the CPU it took. */
async function scrape(port: number): Promise<Omit<Measured, "heapBytes">> {
  let last = performance.now();
  let gap = 0;
  const sampler = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 1);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fetchBody(port);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  delay.disable();
  clearInterval(sampler);
  gap = Math.max(gap, performance.now() - last);
  return { ms, cpuMs: (used.user + used.system) / 1_000, stallMs: Math.max(gap, delay.max / 1e6) };
}

/**
 * The heap one scrape takes: `heapUsed` at its peak during the scrape (sampled every 5 ms) minus
 * `heapUsed` after a `gc()`. Measured apart from the timed scrapes: a forced full collection right
 * before a scrape slows it (the main thread finishes the collector's sweeping on its first
 * allocations), which a scrape in production never sees.
 */
async function scrapeHeap(port: number): Promise<number> {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = heapBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  await fetchBody(port);
  clearInterval(sampler);
  return Math.max(0, peak - heapBefore);
}

async function measure(port: number): Promise<Measured> {
  for (let i = 0; i < WARMUP; i++) await fetchBody(port);
  const runs: Array<Omit<Measured, "heapBytes">> = [];
  for (let i = 0; i < SCRAPES; i++) {
    runs.push(await scrape(port));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const heaps: number[] = [];
  for (let i = 0; i < 3; i++) heaps.push(await scrapeHeap(port));
  return {
    ms: median(runs.map((r) => r.ms)),
    cpuMs: median(runs.map((r) => r.cpuMs)),
    stallMs: Math.max(...runs.map((r) => r.stallMs)),
    heapBytes: median(heaps),
  };
}

// ---- the bare registry with the same series ----------------------------------------------------

interface Family {
  readonly name: string;
  help: string;
  type: string;
  readonly samples: Array<{ series: string; labels: Record<string, string>; value: number }>;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The metric families of exposition text (the orchestrator's: plain label values, no escapes needed). */
function parse(text: string): Family[] {
  const families: Family[] = [];
  let family: Family | undefined;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("# HELP ")) {
      const rest = line.slice(7);
      const space = rest.indexOf(" ");
      family = { name: rest.slice(0, space), help: rest.slice(space + 1), type: "untyped", samples: [] };
      families.push(family);
    } else if (line.startsWith("# TYPE ")) {
      if (family !== undefined) family.type = line.slice(line.lastIndexOf(" ") + 1);
    } else if (family !== undefined) {
      const match = LINE.exec(line);
      if (match === null) throw new Error(`unparsed line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, key = "", value = ""] of (match[2] ?? "").matchAll(LABEL)) labels[key] = value;
      family.samples.push({ series: match[1] ?? "", labels, value: Number(match[3]) });
    }
  }
  return families;
}

/** Histogram buckets of one label set, from its cumulative `_bucket` samples: observe each bucket's bound as often as it counts. */
function observeHistogram(histogram: Histogram, labels: Record<string, string>, cumulative: Array<{ le: string; value: number }>): void {
  histogram.zero(labels);
  let previous = 0;
  for (const { le, value } of cumulative) {
    const bound = le === "+Inf" ? Number.MAX_VALUE : Number(le);
    for (let k = previous; k < value; k++) histogram.observe(labels, bound);
    previous = value;
  }
}

function addHistogram(registry: Registry, family: Family): void {
  const bounds = [...new Set(family.samples.filter((s) => s.labels["le"] !== undefined && s.labels["le"] !== "+Inf").map((s) => Number(s.labels["le"])))];
  const labelNames = Object.keys(family.samples[0]?.labels ?? {}).filter((key) => key !== "le");
  const histogram = new Histogram({ name: family.name, help: family.help, labelNames, buckets: bounds, registers: [registry] });
  const bySeries = new Map<string, { labels: Record<string, string>; buckets: Array<{ le: string; value: number }> }>();
  for (const sample of family.samples) {
    if (!sample.series.endsWith("_bucket")) continue;
    const { le = "", ...labels } = sample.labels;
    const key = JSON.stringify(labels);
    let entry = bySeries.get(key);
    if (entry === undefined) {
      entry = { labels, buckets: [] };
      bySeries.set(key, entry);
    }
    entry.buckets.push({ le, value: sample.value });
  }
  for (const { labels, buckets } of bySeries.values()) observeHistogram(histogram, labels, buckets);
}

/** A bare prom-client registry with the families of `text`, values set ahead. */
function bareRegistry(text: string): Registry {
  const registry = new Registry();
  for (const family of parse(text)) {
    if (family.type === "histogram") {
      addHistogram(registry, family);
      continue;
    }
    const labelNames = Object.keys(family.samples[0]?.labels ?? {});
    const common = { name: family.name, help: family.help, labelNames, registers: [registry] };
    if (family.type === "counter") {
      const counter = new Counter(common);
      for (const { labels, value } of family.samples) counter.inc(labels, value);
    } else {
      const gauge = new Gauge(common);
      for (const { labels, value } of family.samples) gauge.set(labels, value);
    }
  }
  return registry;
}

// ---- one child: one orchestrator, then the bare registry ---------------------------------------

async function child(mode: Mode): Promise<ChildResult> {
  const registry = new Registry();
  const agents = Array.from({ length: AGENTS }, (_, i) => ({ name: `agent_${i}`, agent: Worker }));
  const metrics = mode === "full" ? { registry, agentSeries: "full" as const } : mode === "status" ? { registry, agentStatus: true } : { registry };
  const orch = createOrchestrator({ agents, config: config(), logger: false, keepAlive: false, metrics });
  await orch.start();
  for (let i = 0; i < AGENTS; i += 2) {
    for (let k = 0; k < 5; k++) void orch.bus.publish(`work.agent_${i}`, i % 13 === 0 && k === 0 ? "throw" : "ok");
  }
  await orch.bus.flush();
  const settled = (): boolean =>
    orch.agents().every((a) => {
      const i = Number(a.name.slice("agent_".length));
      return (a.state === "running" || (a.state === "disabled" && crashesOf(i) > 3)) && (i % 3 !== 0 || a.nextTriggerAt === undefined);
    });
  await settle(settled, "every agent to settle");
  await new Promise((resolve) => setTimeout(resolve, 100));

  const served = await orch.metrics();
  const rendered = await registry.metrics();
  if (served !== rendered) {
    const a = served.split("\n");
    const b = rendered.split("\n");
    const at = a.findIndex((line, i) => line !== b[i]);
    throw new Error(`served text differs from prom-client's at line ${at + 1}:\n  served:     ${a[at]}\n  prom-client: ${b[at]}`);
  }
  const series = served.split("\n").filter((line) => line !== "" && !line.startsWith("#")).length;

  const ours = await serve(orch.metricsHandler);
  const oursMeasured = await measure(ours.port);
  ours.server.close();

  const bare = bareRegistry(served);
  const bareServer = await serve((_req, res) => {
    void bare.metrics().then((text) => {
      res.writeHead(200, { "Content-Type": bare.contentType });
      res.end(text);
    });
  });
  const bareMeasured = await measure(bareServer.port);
  bareServer.server.close();
  await orch.shutdown();
  return { mode, series, textBytes: Buffer.byteLength(served), ours: oursMeasured, bare: bareMeasured };
}

// ---- the parent: RUNS children per mode, one table ---------------------------------------------

const run = promisify(execFile);

async function runChild(mode: Mode): Promise<ChildResult> {
  const file = fileURLToPath(import.meta.url);
  const { stdout } = await run(process.execPath, ["--expose-gc", "--import", "tsx", file], {
    env: { ...process.env, METRICS_BENCH_CHILD: mode },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 600_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop() as string) as ChildResult;
}

const ms = (value: number): string => `${Math.round(value)} ms`;

async function parent(): Promise<void> {
  const report = new Report(`/metrics with ${AGENTS.toLocaleString("en-US")} agents, through createOrchestrator and node:http`);
  for (const mode of MODES) {
    const results: ChildResult[] = [];
    for (let i = 0; i < RUNS; i++) results.push(await runChild(mode));
    const pick = (f: (r: ChildResult) => number): number => median(results.map(f));
    const first = results[0] as ChildResult;
    const set = { default: "default series set", full: "full series set (`agentSeries: \"full\"`)", status: "default set with `agentStatus: true`" }[mode];
    const what = `${set}: ${first.series.toLocaleString("en-US")} series, ${bytes(first.textBytes)}`;
    const oursMs = pick((r) => r.ours.ms);
    const bareMs = pick((r) => r.bare.ms);
    const stall = Math.max(...results.map((r) => r.ours.stallMs));
    const bareStall = Math.max(...results.map((r) => r.bare.stallMs));
    const enforced = mode === "default";
    report.row({
      scenario: `${what}: time per scrape`,
      ours: ms(oursMs),
      baseline: `${ms(bareMs)} (bare prom-client, set ahead)`,
      ratio: `${(oursMs / bareMs).toFixed(2)}×`,
      target: enforced ? `≤ ${TARGET_MS} ms` : "context",
      met: enforced ? oursMs <= TARGET_MS : undefined,
    });
    report.row({
      scenario: `${what}: longest event-loop stall while scraping (max over runs)`,
      ours: ms(stall),
      baseline: ms(bareStall),
      ratio: `${(stall / bareStall).toFixed(2)}×`,
      target: enforced ? `≤ ${STALL_MS} ms` : "context",
      met: enforced ? stall <= STALL_MS : undefined,
    });
    const oursCpu = pick((r) => r.ours.cpuMs);
    const bareCpu = pick((r) => r.bare.cpuMs);
    report.row({
      scenario: `${what}: CPU time per scrape`,
      ours: ms(oursCpu),
      baseline: ms(bareCpu),
      ratio: `${(oursCpu / bareCpu).toFixed(2)}×`,
      target: "context",
      met: undefined,
    });
    const oursHeap = pick((r) => r.ours.heapBytes);
    const bareHeap = pick((r) => r.bare.heapBytes);
    report.row({
      scenario: `${what}: heap per scrape (peak during the scrape)`,
      ours: bytes(oursHeap),
      baseline: bytes(bareHeap),
      ratio: `${(oursHeap / bareHeap).toFixed(2)}×`,
      target: "context",
      met: undefined,
    });
  }
  report.finish();
}

const childMode = process.env["METRICS_BENCH_CHILD"];
if (childMode === "default" || childMode === "full" || childMode === "status") {
  const result = await child(childMode);
  console.log(JSON.stringify(result));
  process.exit(0);
} else {
  await parent();
}
