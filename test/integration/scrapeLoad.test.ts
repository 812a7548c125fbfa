import { Worker } from "node:worker_threads";
import { Gauge, Registry } from "prom-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Agent, createOrchestrator } from "../../src/index.js";
import type { Orchestrator } from "../../src/index.js";

/**
 * Scrapes must not starve probes: with 1,000 churning agents and 25 clients
 * scraping `/metrics` in a loop, `/healthz` and `/livez` still answer within
 * 100 ms (p99), and the concurrent scrapes share renders.
 *
 * Everything is real: the built-in listeners, HTTP clients in worker threads
 * (their own event loops, like a Prometheus server and a kubelet would be),
 * real time. Only the probe loop's length is bounded, so the test fails
 * quickly, rather than hanging, when probes are slow.
 */

const AGENTS = 1_000;
const SCRAPERS = 25;
const PROBES = 200;
const PROBE_TIMEOUT_MS = 5_000;
/** The probe loop stops early after this long; the missing probes then fail the test. */
const PROBE_BUDGET_MS = 10_000;
const HOST_METRIC = "host_orders_open";

/** Churned by the test: every incarnation registers itself on start. */
class Churner extends Agent {
  static readonly running = new Set<Churner>();

  override start(): void {
    Churner.running.add(this);
  }
}

/**
 * Client code run in worker threads (plain CommonJS: `node:http` only).
 * `scrape`: `count` clients loop on GET `path` until told to stop, counting
 * into shared memory [done, failed]; a reply counts as done when it is 200,
 * complete (Content-Length bytes) and starts with `marker`.
 * `probe`: `count` sequential GETs alternating `paths`, each with a timeout,
 * until done or `budgetMs` passed; posts `{ path, ms, status, timedOut }[]`.
 */
const CLIENT = `
const { workerData, parentPort } = require("node:worker_threads");
const http = require("node:http");
const { role, port, count } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: count });
function get(path, timeout, onFirst) {
  return new Promise((resolve) => {
    const started = performance.now();
    const done = (result) => resolve({ path, ms: performance.now() - started, ...result });
    const req = http.get({ host: "127.0.0.1", port, path, agent, timeout }, (res) => {
      let bytes = 0;
      let first = true;
      let firstOk = true;
      res.on("data", (chunk) => {
        if (first && onFirst !== undefined) firstOk = onFirst(chunk);
        first = false;
        bytes += chunk.length;
      });
      res.on("end", () => done({ status: res.statusCode, complete: firstOk && bytes === Number(res.headers["content-length"]) }));
      res.on("error", () => done({ status: -1, complete: false }));
    });
    req.on("timeout", () => {
      req.destroy();
      done({ status: 0, timedOut: true, complete: false });
    });
    req.on("error", () => done({ status: -1, complete: false }));
  });
}
if (role === "scrape") {
  const counts = new Int32Array(workerData.counts);
  const marker = Buffer.from(workerData.marker);
  const startsWithMarker = (chunk) => chunk.subarray(0, marker.length).equals(marker);
  let stopped = false;
  parentPort.on("message", () => { stopped = true; });
  for (let i = 0; i < count; i++) {
    (async () => {
      while (!stopped) {
        const result = await get("/metrics", 60000, startsWithMarker);
        Atomics.add(counts, result.status === 200 && result.complete ? 0 : 1, 1);
      }
    })();
  }
} else {
  (async () => {
    const results = [];
    const started = performance.now();
    for (let i = 0; i < count && performance.now() - started < workerData.budgetMs; i++) {
      const path = workerData.paths[i % workerData.paths.length];
      const { ms, status, timedOut } = await get(path, workerData.timeoutMs);
      results.push({ path, ms, status, timedOut: timedOut === true });
    }
    parentPort.postMessage(results);
  })();
}
`;

interface Probe {
  readonly path: string;
  readonly ms: number;
  readonly status: number;
  readonly timedOut: boolean;
}

/** The `q` quantile (nearest rank) of `values`. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

/** The sum of every `agent_crashes_total` series in an exposition text. */
function totalCrashes(text: string): number {
  let total = 0;
  for (const line of text.split("\n")) if (line.startsWith("agent_crashes_total{")) total += Number(line.slice(line.lastIndexOf(" ") + 1));
  return total;
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("scrapes under load", () => {
  it("keep /healthz and /livez under 100 ms (p99) while 25 clients scrape 1,000 churning agents, sharing renders", async () => {
    // A host registry with a metric of its own: every scrape must be the registry's whole text.
    const registry = new Registry();
    new Gauge({ name: HOST_METRIC, help: "Open orders (a metric of the host).", registers: [registry] }).set(7);
    const orch: Orchestrator = createOrchestrator({
      agents: Array.from({ length: AGENTS }, (_, i) => ({ name: `agent_${i}`, agent: Churner, group: "data" })),
      config: {
        groups: { data: { restart: "always", crashLoop: { maxCrashes: 1_000_000, within: "1s" }, escalateAfter: 1_000_000 } },
        supervisor: { backoff: { initial: "10ms", max: "10ms", jitter: 0 } },
      },
      metrics: { registry },
      logger: false,
      keepAlive: false,
    });
    cleanups.push(() => orch.shutdown());
    // every render of the registry makes one pass over its metrics (prom-client's own render, or the orchestrator's)
    const renders = vi.spyOn(registry, "getMetricsAsArray");
    await orch.start();
    const { healthPort, metricsPort } = await orch.listen({ healthPort: 0, metricsPort: 0, host: "127.0.0.1" });
    const scrapeOnce = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const before = await scrapeOnce();

    // Churn: crash 10 running agents every 20 ms; each restarts 10 ms later.
    const churn = setInterval(() => {
      let crashed = 0;
      for (const agent of Churner.running) {
        if (crashed++ === 10) break;
        Churner.running.delete(agent);
        agent.fail(new Error("churn"));
      }
    }, 20);
    cleanups.push(() => clearInterval(churn));

    // 25 scrapers, looping.
    const counts = new Int32Array(new SharedArrayBuffer(8));
    const scrapers = new Worker(CLIENT, {
      eval: true,
      workerData: { role: "scrape", port: metricsPort, count: SCRAPERS, counts: counts.buffer, marker: `# HELP ${HOST_METRIC} ` },
    });
    cleanups.push(() => scrapers.terminate());
    await vi.waitFor(() => expect(Atomics.load(counts, 0) + Atomics.load(counts, 1)).toBeGreaterThanOrEqual(2 * SCRAPERS), {
      timeout: 30_000,
      interval: 10,
    });
    const scrapedBeforeProbes = Atomics.load(counts, 0);

    // The probes, while the scrapes go on.
    const prober = new Worker(CLIENT, {
      eval: true,
      workerData: { role: "probe", port: healthPort, count: PROBES, paths: ["/healthz", "/livez"], timeoutMs: PROBE_TIMEOUT_MS, budgetMs: PROBE_BUDGET_MS },
    });
    cleanups.push(() => prober.terminate());
    const probes = await new Promise<Probe[]>((resolve, reject) => {
      prober.once("message", resolve);
      prober.once("error", reject);
    });
    const scraped = Atomics.load(counts, 0);
    const failedScrapes = Atomics.load(counts, 1);
    scrapers.postMessage("stop");
    const after = await scrapeOnce();
    const rendered = renders.mock.calls.length;

    const latencies = probes.map((probe) => probe.ms);
    const summary = {
      probes: probes.length,
      timedOut: probes.filter((probe) => probe.timedOut).length,
      notOk: probes.filter((probe) => probe.status !== 200).length,
      p50: Math.round(quantile(latencies, 0.5)),
      p99: Math.round(quantile(latencies, 0.99)),
      scrapesDuringProbes: scraped - scrapedBeforeProbes,
      failedScrapes,
    };
    expect(summary.p99, JSON.stringify(summary)).toBeLessThan(100);
    expect(summary).toMatchObject({ probes: PROBES, timedOut: 0, notOk: 0, failedScrapes: 0 });
    // The load was real: every scraper completed scrapes while the probes ran.
    expect(summary.scrapesDuringProbes).toBeGreaterThanOrEqual(SCRAPERS);
    // The metrics changed under the scrapers' feet.
    expect(totalCrashes(after)).toBeGreaterThan(totalCrashes(before));
    // Concurrent scrapes shared renders: far fewer renders of the registry than scrapes served.
    expect(rendered * 2, `${rendered} renders for ${scraped + failedScrapes + 2} scrapes`).toBeLessThanOrEqual(scraped);
  }, 90_000);
});
