// A real Prometheus server (Debian's `prometheus`) scrapes a live orchestrator with traffic — crashes and
// restarts, a crash loop that escalates and disables, triggers that fire and skip, bus messages — and
// answers every PromQL expression of the shipped Grafana dashboard with at least one series; the shipped
// alert rules load and evaluate. Locally it needs `prometheus` on the PATH (apt-get install prometheus);
// in CI (`CI` set) its absence fails the suite.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, createBus, createOrchestrator } from "../../src/index.js";
import type { Bus, BusStats, CronTick, Orchestrator } from "../../src/index.js";
import { systemClock } from "../../src/clock.js";
import { MemoryLeases } from "../../src/testing/index.js";
import { ALERTS_PATH, dashboardQueries, loadDashboard } from "../helpers/prometheus/dashboard.js";
import { prometheusAvailable, startPrometheus, waitFor } from "../helpers/prometheus/prometheusServer.js";
import type { PrometheusServer } from "../helpers/prometheus/prometheusServer.js";

/** Publishes a tick every 20 ms; its first incarnation crashes after 300 ms (a restart follows). */
class Feed extends Agent {
  static readonly agentName = "feed";
  static incarnations = 0;

  override start(): void {
    const first = Feed.incarnations++ === 0;
    const startedAt = this.clock.now();
    const tick = (): void => {
      if (this.signal.aborted) return;
      if (first && this.clock.now() - startedAt > 300) {
        this.fail(new Error("feed lost"));
        return;
      }
      void this.bus.publish("prices.tick", { px: 100 });
      this.clock.setTimeout(tick, 20);
    };
    tick();
  }
}

/** Consumes the ticks. */
class Strategy extends Agent {
  static readonly agentName = "strategy";
  override start(): void {
    this.bus.subscribe("prices.>", () => undefined);
  }
}

/** Never starts: a crash loop, escalated and disabled. */
class Flaky extends Agent {
  static readonly agentName = "flaky";
  override start(): void {
    throw new Error("no config");
  }
}

/** A critical agent that stays up: a singleton, whose lease this one replica holds. */
class Risk extends Agent {
  static readonly agentName = "risk";
}

/** A trigger every 100 ms whose run takes 250 ms: slots fire, and the ones that overlap are skipped. */
class Reporter extends Agent {
  static readonly agentName = "reporter";
  override async onCron(tick: CronTick): Promise<void> {
    await new Promise<void>((resolve) => {
      const handle = this.clock.setTimeout(resolve, 250);
      tick.signal.addEventListener("abort", () => {
        this.clock.clearTimeout(handle);
        resolve();
      });
    });
  }
}

/**
 * The in-process bus as a networked one would present itself (a broker
 * connection and lost publishes, through the Bus interface's optional
 * members), so the dashboard's broker panels have series too.
 */
function brokeredBus(): Bus {
  const inner = createBus();
  const stats = (): BusStats => ({ ...(inner.stats?.() ?? { published: 0, delivered: 0, dropped: 0, pending: 0, handlerErrors: 0 }), lostOnDisconnect: 0 });
  const connection = () => ({ connected: true, reconnects: 0, required: false });
  return new Proxy(inner, {
    get(target, key) {
      if (key === "stats") return stats;
      if (key === "connection") return connection;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Scrapes of the orchestrator Prometheus has stored in the last minute. */
async function scrapes(prometheus: PrometheusServer): Promise<number> {
  const answer = await prometheus.query('count_over_time(up{job="orchestrator"}[1m])');
  return Number(answer.data?.result[0]?.value[1] ?? 0);
}

/** True once Prometheus has `expr` with a value (a condition such as `x > 0`). */
async function seen(prometheus: PrometheusServer, expr: string): Promise<boolean> {
  const answer = await prometheus.query(expr);
  return (answer.data?.result.length ?? 0) > 0;
}

if (!prometheusAvailable && process.env["CI"] === undefined) {
  describe("the shipped dashboard and alert rules on a real Prometheus", () => {
    it("is not installed here: the dashboard's queries and the alert rules are NOT run on Prometheus", () => {
      console.warn(
        "\n!!! prometheus not found on PATH: the dashboard and alert rules did not run on a real Prometheus.\n" +
          "!!! Install it (Debian/Ubuntu: apt-get install prometheus) to run them; CI fails without it.\n",
      );
      expect(prometheusAvailable).toBe(false);
    });
  });
} else {
  describe("the shipped dashboard and alert rules on a real Prometheus", () => {
    let orch: Orchestrator | undefined;
    let prometheus: PrometheusServer | undefined;
    let exposition = "";

    beforeAll(async () => {
      expect(prometheusAvailable, "prometheus is not on the PATH (CI requires it)").toBe(true);
      orch = createOrchestrator({
        agents: [Feed, Strategy, Flaky, { name: "risk", agent: Risk, group: "critical", placement: "singleton" }, Reporter],
        bus: brokeredBus(),
        // a lease bucket in memory: the dashboard's singleton panels have series
        coordinator: new MemoryLeases({ clock: systemClock }).coordinator("replica-a"),
        logger: false,
        keepAlive: false,
        metrics: { agentSeries: "full", agentStatus: true },
        config: {
          supervisor: { backoff: { initial: "50ms", max: "100ms", jitter: 0 } },
          schedule: { reporter: { every: "100ms" } },
        },
      });
      await orch.start();
      // a second trigger, paused: cron_triggers_paused reads 1
      orch.schedule("reporter", { every: "1h", name: "hourly" });
      orch.trigger("reporter", "hourly").pause();
      const { metricsPort } = await orch.listen({ healthPort: 0, metricsPort: 0, host: "127.0.0.1" });
      prometheus = await startPrometheus([`127.0.0.1:${metricsPort}`], [ALERTS_PATH]);
      const live = orch;
      await waitFor("the traffic: a restart, a disabled crash loop, triggers fired and skipped", async () => {
        const text = await live.metrics();
        const feed = live.agent("feed");
        const done =
          feed?.state === "running" &&
          feed.restarts >= 1 &&
          live.agent("flaky")?.state === "disabled" &&
          /^cron_triggers_skipped_total\{agent="reporter",reason="overlap"\} [1-9]/m.test(text) &&
          /^cron_triggers_fired_total\{agent="reporter"\} [1-9]/m.test(text) &&
          /^agent_lease_held\{agent="risk"\} 1$/m.test(text);
        return done ? true : undefined;
      });
      exposition = await live.metrics();
      const server = prometheus;
      await waitFor("Prometheus to have scraped the traffic, five scrapes since", async () => {
        const stored =
          (await seen(server, 'agent_disabled{agent="flaky"} == 1')) &&
          (await seen(server, 'agent_restarts_total{agent="feed"} >= 1')) &&
          (await seen(server, 'count_over_time(agent_disabled{agent="flaky"}[1m]) >= 5'));
        return stored ? true : undefined;
      });
    }, 30_000);

    afterAll(async () => {
      await orch?.shutdown();
      await prometheus?.stop();
    });

    it("answers every PromQL expression of the dashboard with at least one series", async () => {
      const server = prometheus as PrometheusServer;
      expect(await scrapes(server)).toBeGreaterThanOrEqual(5);
      const queries = dashboardQueries(loadDashboard());
      expect(queries.length).toBeGreaterThan(30);
      expect(exposition).toMatch(/^cron_triggers_paused 1$/m);
      expect(await seen(server, "cron_triggers_paused == 1")).toBe(true);
      const failures: string[] = [];
      for (const query of queries) {
        const answer = await server.query(query.promql);
        const series = answer.data?.result ?? [];
        if (answer.status !== "success") failures.push(`${query.where}: ${answer.error ?? "error"} in ${query.promql}`);
        else if (series.length === 0) failures.push(`${query.where}: no series for ${query.promql}`);
        else if (query.label !== undefined && !series.every((sample) => sample.metric[query.label as string] !== undefined)) {
          failures.push(`${query.where}: series without label ${query.label}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it("lists the agents for the $agent variable and shows the states the traffic left", async () => {
      const server = prometheus as PrometheusServer;
      const agents = (await server.query("agent_info")).data?.result.map((sample) => sample.metric["agent"]);
      expect(agents?.sort()).toEqual(["feed", "flaky", "reporter", "risk", "strategy"]);
      const current = (await server.query("agent_status == 1")).data?.result.map((sample) => `${sample.metric["agent"]}=${sample.metric["state"]}`);
      expect(current).toContain("flaky=disabled");
      expect(current).toContain("feed=running");
      expect(await seen(server, 'sum(agent_escalations_total{agent="flaky"}) >= 1')).toBe(true);
    });

    it("loads the shipped alert rules and evaluates every one of them without error", async () => {
      const server = prometheus as PrometheusServer;
      const shipped = (parse(readFileSync(ALERTS_PATH, "utf8")) as { groups: Array<{ rules: Array<{ alert: string }> }> }).groups.flatMap(
        (group) => group.rules.map((rule) => rule.alert),
      );
      const rules = await waitFor("every rule to be evaluated", async () => {
        const states = await server.rules();
        return states.length === shipped.length && states.every((rule) => rule.health !== "unknown") ? states : undefined;
      });
      expect(rules.map((rule) => rule.name).sort()).toEqual([...shipped].sort());
      expect(rules.filter((rule) => rule.health !== "ok").map((rule) => `${rule.name}: ${rule.lastError ?? rule.health}`)).toEqual([]);
    });
  });
}
