import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { Agent, createOrchestrator } from "../../src/index.js";
import { createObservability } from "../../src/observe/index.js";
import { FakeSource, NetworkedFakeSource } from "../helpers/observe/FakeSource.js";
import { systemClock } from "../../src/clock.js";
import { MemoryLeases } from "../../src/lease/MemoryLeases.js";

/**
 * promtool (Prometheus's own checker) validates the exposition text and the
 * shipped alert rules. Locally the checks need `promtool` on the PATH (Debian:
 * `apt-get install prometheus`); in CI (`CI` set) its absence fails the suite.
 */
const OPS = fileURLToPath(new URL("../../ops/", import.meta.url));
const available = spawnSync("promtool", ["--version"], { encoding: "utf8" }).status === 0;

function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const result = spawnSync("promtool", args, { encoding: "utf8", cwd: OPS, ...(input === undefined ? {} : { input }) });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** An agent of the real orchestrator, crashed by the test through its latest incarnation. */
class Feed extends Agent {
  static current: Feed | undefined;

  override start(): void {
    Feed.current = this;
  }
}

function busySource(): FakeSource {
  const source = new NetworkedFakeSource();
  const feed = source.add("feed", { group: "data" });
  source.add("risk", { group: "critical", critical: true, state: "backoff", lastError: 'boom "quoted"\nnew line' });
  source.add("strategy-1", { group: "strategy", state: "disabled" });
  feed.counters.restarts = 2;
  feed.counters.crashes.error = 3;
  feed.counters.escalations["consecutive-failures"] = 1;
  feed.counters.triggersFired = 40;
  feed.counters.triggersSkipped.overlap = 2;
  for (const seconds of [0.0004, 0.02, 0.7, 42, 90]) feed.counters.handlerDuration.observe(seconds);
  for (const seconds of [0.003, 0.5, 12]) source.cronLateness.observe(seconds);
  source.stats = { published: 1_000, delivered: 998, dropped: 2, pending: 5, handlerErrors: 1 };
  return source;
}

if (!available && process.env["CI"] === undefined) {
  describe("promtool", () => {
    it("is not installed here: exposition and alert rules are NOT checked by promtool", () => {
      console.warn(
        "\n!!! promtool not found on PATH: the Prometheus format and alert-rule checks did not run.\n" +
          "!!! Install it (Debian/Ubuntu: apt-get install prometheus) to run them; CI fails without it.\n",
      );
      expect(available).toBe(false);
    });
  });
} else {
  describe("promtool", () => {
    it("is installed (CI requires it)", () => {
      expect(available).toBe(true);
    });

    it.each(["essential", "full"] as const)("accepts the exposition text of a busy orchestrator without a lint warning (%s agent series)", async (agentSeries) => {
      const text = await createObservability(busySource(), { agentSeries }).metrics();
      if (agentSeries === "full") expect(text).toContain('agent_handler_duration_seconds_bucket{le="+Inf",agent="feed"} 5');
      const result = promtool(["check", "metrics"], text);
      expect(result.output).toBe("");
      expect(result.status).toBe(0);
    });

    it("accepts the text with a prefix, default process metrics and host metrics in one registry", async () => {
      const registry = new Registry();
      createObservability(busySource(), { registry, prefix: "trading_", defaultMetrics: true, agentSeries: "full" });
      const second = new FakeSource();
      second.add("feed");
      second.stats = undefined;
      createObservability(second, { registry, prefix: "quotes_" });
      const text = await registry.metrics();
      expect(text).toContain("trading_process_cpu_user_seconds_total");
      const result = promtool(["check", "metrics"], text);
      // prom-client's own default gauges `nodejs_active_*_total` draw a naming lint (exit 3); the text parses
      // (exit 1 would mean a format error) and nothing of ours draws a warning.
      const lint = result.output.split("\n").filter((line) => line.trim() !== "");
      const ours = lint.filter((line) => !/^trading_nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/.test(line));
      expect(ours).toEqual([]);
      expect([0, 3]).toContain(result.status);
    });

    it.each(["essential", "full"] as const)("accepts what a real orchestrator serves on /metrics, before and after a crash (%s agent series)", async (agentSeries) => {
      const orch = createOrchestrator({
        agents: [{ name: "feed", agent: Feed, group: "data" }],
        logger: false,
        keepAlive: false,
        metrics: { prefix: "trading_", agentSeries },
      });
      try {
        await orch.start();
        const { metricsPort } = await orch.listen({ healthPort: 0, metricsPort: 0, host: "127.0.0.1" });
        const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        const before = await scrape();
        expect(before).toContain('trading_agent_state{agent="feed"} 1');
        Feed.current?.fail(new Error("boom"));
        const after = await scrape();
        expect(after).toContain('trading_agent_crashes_total{agent="feed",reason="fail"} 1');
        for (const text of [before, after]) {
          const result = promtool(["check", "metrics"], text);
          expect(result.output).toBe("");
          expect(result.status).toBe(0);
        }
      } finally {
        await orch.shutdown();
      }
    });

    it("accepts the lease series of a replica holding one singleton and standing by for another", async () => {
      const leases = new MemoryLeases({ clock: systemClock });
      const config = { agents: { feed: { placement: "singleton" as const }, risk: { placement: "singleton" as const } }, lease: { ttl: "1s" } };
      const agents = [{ name: "feed", agent: Feed }, { name: "risk", agent: Feed }];
      const other = createOrchestrator({ agents: [{ name: "risk", agent: Feed, placement: "singleton" }], config: { lease: { ttl: "1s" } }, logger: false, keepAlive: false, coordinator: leases.coordinator("b") });
      await other.start();
      const orch = createOrchestrator({ agents, config, logger: false, keepAlive: false, coordinator: leases.coordinator("a") });
      try {
        await orch.start();
        const deadline = Date.now() + 5_000;
        while ((orch.agent("feed")?.state !== "running" || orch.agent("risk")?.state !== "standby") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        const text = await orch.metrics();
        expect(text).toContain('agent_lease_held{agent="feed"} 1');
        expect(text).toContain('agent_lease_held{agent="risk"} 0');
        expect(text).toContain('agent_lease_acquisitions_total{agent="feed"} 1');
        expect(text).toContain('agent_lease_losses_total{agent="feed"} 0');
        const result = promtool(["check", "metrics"], text);
        expect(result.output).toBe("");
        expect(result.status).toBe(0);
      } finally {
        await orch.shutdown();
        await other.shutdown();
      }
    });

    it("rejects malformed exposition text (the check can fail)", () => {
      const result = promtool(["check", "metrics"], "# TYPE agent_state gauge\nagent_state{agent=feed} 1\n");
      expect(result.status).not.toBe(0);
    });

    it("accepts the shipped alert rules", () => {
      const result = promtool(["check", "rules", "prometheus-alerts.yml"]);
      expect(result.output).toContain("SUCCESS: 10 rules found");
      expect(result.status).toBe(0);
    });

    it("passes the alert rules' unit tests", () => {
      const result = promtool(["test", "rules", "prometheus-alerts.test.yml"]);
      expect(result.output).toContain("SUCCESS");
      expect(result.status).toBe(0);
    });

    it("accepts the shipped scrape configuration", () => {
      const result = promtool(["check", "config", "prometheus.yml"]);
      expect(result.output).toContain("is valid prometheus config file syntax");
      expect(result.status).toBe(0);
    });
  });
}
