import { Counter, Registry, register as globalRegistry } from "prom-client";
import type { OpenMetricsContentType } from "prom-client";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { isOrchestratorError } from "../../src/errors/OrchestratorError.js";
import { ObservabilityError, createObservability } from "../../src/observe/index.js";
import type { ObservabilityOptions } from "../../src/observe/index.js";
import { FakeSource, NetworkedFakeSource } from "../helpers/observe/FakeSource.js";

/** The value of one series in exposition text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A FakeSource whose orchestrator can pause triggers. */
class PausingSource extends FakeSource {
  paused = 0;

  pausedTriggers(): number {
    return this.paused;
  }
}

function twoAgents(): FakeSource {
  const source = new FakeSource();
  source.add("feed", { group: "data" });
  source.add("risk", { group: "critical", critical: true });
  return source;
}

describe("metrics()", () => {
  it("exposes agent_state 1 while running and 0 in every other state", async () => {
    const source = twoAgents();
    const observability = createObservability(source);
    let text = await observability.metrics();
    expect(text).toContain('agent_state{agent="feed"} 1');
    expect(text).toContain('agent_state{agent="risk"} 1');
    for (const state of ["starting", "backoff", "stopping", "stopped", "disabled", "failed"] as const) {
      source.agent("risk").state = state;
      text = await observability.metrics();
      expect(sample(text, 'agent_state{agent="risk"}')).toBe(0);
    }
    expect(sample(text, 'agent_state{agent="feed"}')).toBe(1);
  });

  it("exposes agent_status with 1 for the current state and 0 for each other state when agentStatus is on", async () => {
    const source = twoAgents();
    const observability = createObservability(source, { agentStatus: true });
    const states = ["starting", "running", "backoff", "stopping", "stopped", "disabled", "failed", "standby"] as const;
    for (const state of states) {
      source.agent("risk").state = state;
      const text = await observability.metrics();
      for (const other of states) expect(sample(text, `agent_status{agent="risk",state="${other}"}`)).toBe(other === state ? 1 : 0);
      expect(sample(text, `agent_status{agent="feed",state="running"}`)).toBe(1);
      expect(sample(text, 'agent_state{agent="risk"}')).toBe(state === "running" ? 1 : 0);
      expect(text.match(/^agent_status\{/gm)).toHaveLength(2 * states.length);
    }
    expect(observability.metricNames.indexOf("agent_status")).toBe(observability.metricNames.indexOf("agent_state") + 1);
  });

  it("leaves agent_status out by default", async () => {
    const observability = createObservability(twoAgents());
    expect(observability.metricNames).not.toContain("agent_status");
    expect(await observability.metrics()).not.toContain("agent_status");
    expect(createObservability(twoAgents(), { agentStatus: false }).metricNames).not.toContain("agent_status");
  });

  it("reads agent_status at scrape time, following agents that come and go", async () => {
    const source = twoAgents();
    const observability = createObservability(source, { agentStatus: true });
    await observability.metrics();
    source.list.splice(0, 1);
    source.add("quotes", { state: "backoff" });
    const text = await observability.metrics();
    expect(text).not.toContain('agent_status{agent="feed"');
    expect(sample(text, 'agent_status{agent="risk",state="running"}')).toBe(1);
    expect(sample(text, 'agent_status{agent="quotes",state="backoff"}')).toBe(1);
    expect(sample(text, 'agent_status{agent="quotes",state="running"}')).toBe(0);
  });

  it("exposes cron_triggers_paused, read at scrape time, only when the source counts paused triggers", async () => {
    expect(createObservability(twoAgents()).metricNames).not.toContain("cron_triggers_paused");
    const source = new PausingSource();
    source.add("report");
    const observability = createObservability(source);
    expect(sample(await observability.metrics(), "cron_triggers_paused")).toBe(0);
    source.paused = 3;
    const text = await observability.metrics();
    expect(sample(text, "cron_triggers_paused")).toBe(3);
    expect(text).toContain("# TYPE cron_triggers_paused gauge");
    expect(text.match(/^cron_triggers_paused/gm)).toHaveLength(1);
  });

  it("reads every counter at scrape time", async () => {
    const source = twoAgents();
    const observability = createObservability(source, { agentSeries: "full" });
    const feed = source.agent("feed").counters;
    feed.restarts = 3;
    feed.crashes.error = 2;
    feed.crashes.hung = 1;
    feed.escalations["crash-loop"] = 1;
    feed.handlerErrors = 7;
    feed.stopFailures = 1;
    feed.triggersFired = 12;
    feed.triggersSkipped.overlap = 4;
    source.stats = { published: 100, delivered: 90, dropped: 3, pending: 7, handlerErrors: 5 };
    source.agent("feed").state = "disabled";
    const text = await observability.metrics();
    expect(sample(text, 'agent_restarts_total{agent="feed"}')).toBe(3);
    expect(sample(text, 'agent_crashes_total{agent="feed",reason="error"}')).toBe(2);
    expect(sample(text, 'agent_crashes_total{agent="feed",reason="hung"}')).toBe(1);
    expect(sample(text, 'agent_crashes_total{agent="feed",reason="start"}')).toBe(0);
    expect(sample(text, 'agent_crashes_total{agent="feed",reason="fail"}')).toBe(0);
    expect(sample(text, 'agent_escalations_total{agent="feed",reason="crash-loop"}')).toBe(1);
    expect(sample(text, 'agent_escalations_total{agent="feed",reason="restart-limit"}')).toBe(0);
    expect(sample(text, 'agent_handler_errors_total{agent="feed"}')).toBe(7);
    expect(sample(text, 'agent_stop_failures_total{agent="feed"}')).toBe(1);
    expect(sample(text, 'agent_disabled{agent="feed"}')).toBe(1);
    expect(sample(text, 'agent_disabled{agent="risk"}')).toBe(0);
    expect(sample(text, 'cron_triggers_fired_total{agent="feed"}')).toBe(12);
    expect(sample(text, 'cron_triggers_skipped_total{agent="feed",reason="overlap"}')).toBe(4);
    expect(sample(text, 'cron_triggers_skipped_total{agent="feed",reason="agent-down"}')).toBe(0);
    expect(sample(text, "bus_messages_published_total")).toBe(100);
    expect(sample(text, "bus_messages_delivered_total")).toBe(90);
    expect(sample(text, "bus_messages_dropped_total")).toBe(3);
    expect(sample(text, "bus_messages_pending")).toBe(7);
    expect(sample(text, "bus_handler_errors_total")).toBe(5);
    feed.restarts = 4;
    expect(sample(await observability.metrics(), 'agent_restarts_total{agent="feed"}')).toBe(4);
  });

  it("exposes kept histograms as cumulative buckets without re-observing them", async () => {
    const source = twoAgents();
    const observability = createObservability(source, { agentSeries: "full" });
    const duration = source.agent("feed").counters.handlerDuration;
    duration.observe(0.002);
    duration.observe(0.3);
    duration.observe(120);
    source.cronLateness.observe(0.05);
    source.cronLateness.observe(2);
    const text = await observability.metrics();
    expect(text).toContain("# TYPE agent_handler_duration_seconds histogram");
    expect(sample(text, 'agent_handler_duration_seconds_bucket{le="0.001",agent="feed"}')).toBe(0);
    expect(sample(text, 'agent_handler_duration_seconds_bucket{le="0.005",agent="feed"}')).toBe(1);
    expect(sample(text, 'agent_handler_duration_seconds_bucket{le="0.5",agent="feed"}')).toBe(2);
    expect(sample(text, 'agent_handler_duration_seconds_bucket{le="60",agent="feed"}')).toBe(2);
    expect(sample(text, 'agent_handler_duration_seconds_bucket{le="+Inf",agent="feed"}')).toBe(3);
    expect(sample(text, 'agent_handler_duration_seconds_sum{agent="feed"}')).toBeCloseTo(120.302, 9);
    expect(sample(text, 'agent_handler_duration_seconds_count{agent="feed"}')).toBe(3);
    expect(sample(text, 'agent_handler_duration_seconds_count{agent="risk"}')).toBe(0);
    expect(sample(text, 'cron_lateness_seconds_bucket{le="0.01"}')).toBe(0);
    expect(sample(text, 'cron_lateness_seconds_bucket{le="0.1"}')).toBe(1);
    expect(sample(text, 'cron_lateness_seconds_bucket{le="10"}')).toBe(2);
    expect(sample(text, 'cron_lateness_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(sample(text, "cron_lateness_seconds_count")).toBe(2);
    expect(duration.count).toBe(3);
  });

  it("exposes the orchestrator's phase, up and healthy gauges", async () => {
    const source = twoAgents();
    const observability = createObservability(source);
    let text = await observability.metrics();
    expect(sample(text, "orchestrator_up")).toBe(1);
    expect(sample(text, "orchestrator_healthy")).toBe(1);
    expect(sample(text, 'orchestrator_phase{phase="running"}')).toBe(1);
    source.currentPhase = "failed";
    text = await observability.metrics();
    expect(sample(text, "orchestrator_up")).toBe(0);
    expect(sample(text, "orchestrator_healthy")).toBe(0);
    expect(sample(text, 'orchestrator_phase{phase="running"}')).toBe(0);
    expect(sample(text, 'orchestrator_phase{phase="failed"}')).toBe(1);
    expect(text.match(/^orchestrator_phase\{/gm)).toHaveLength(6);
    source.currentPhase = "running";
    source.agent("risk").state = "backoff";
    expect(sample(await observability.metrics(), "orchestrator_healthy")).toBe(0);
  });

  it("labels agent_info with the group, criticality and path of groups", async () => {
    const text = await createObservability(twoAgents()).metrics();
    expect(sample(text, 'agent_info{agent="feed",group="data",critical="false",path="data"}')).toBe(1);
    expect(sample(text, 'agent_info{agent="risk",group="critical",critical="true",path="critical"}')).toBe(1);
  });

  it("gives bus series no sample when the bus keeps no stats", async () => {
    const source = twoAgents();
    source.stats = undefined;
    const text = await createObservability(source).metrics();
    expect(text).toContain("# TYPE bus_messages_published_total counter");
    expect(sample(text, "bus_messages_published_total")).toBeUndefined();
  });

  it("registers bus connection metrics only for a networked bus", async () => {
    const inProcess = await createObservability(twoAgents()).metrics();
    expect(inProcess).not.toContain("bus_connected");
    expect(inProcess).not.toContain("bus_messages_lost_total");
    const source = new NetworkedFakeSource();
    const observability = createObservability(source);
    source.connection = { connected: false, reconnects: 4, required: true };
    source.stats = { published: 10, delivered: 10, dropped: 0, pending: 0, handlerErrors: 0, lostOnDisconnect: 3 };
    let text = await observability.metrics();
    expect(sample(text, "bus_connected")).toBe(0);
    expect(sample(text, "bus_reconnects_total")).toBe(4);
    expect(sample(text, "bus_messages_lost_total")).toBe(3);
    source.connection = undefined;
    text = await observability.metrics();
    expect(sample(text, "bus_connected")).toBeUndefined();
  });

  it("keeps label values bounded: one series per agent and per fixed reason", async () => {
    const source = twoAgents();
    const observability = createObservability(source, { agentSeries: "full" });
    for (let i = 0; i < 5; i++) {
      source.agent("feed").counters.crashes.error++;
      source.agent("feed").lastError = `failure number ${i}`;
      await observability.metrics();
    }
    const text = await observability.metrics();
    const reasons = new Set([...text.matchAll(/reason="([^"]+)"/g)].map((m) => m[1]));
    expect([...reasons].sort()).toEqual(
      ["agent-down", "consecutive-failures", "crash-loop", "downtime", "error", "fail", "hung", "interrupted", "misfire", "overlap", "past", "paused", "restart-limit", "start"].sort(),
    );
    expect(text.match(/^agent_crashes_total\{/gm)).toHaveLength(8);
    expect(text).not.toContain("failure number");
  });

  it("reads the agents once per scrape", async () => {
    const source = twoAgents();
    const observability = createObservability(source);
    source.agentsCalls = 0;
    await observability.metrics();
    expect(source.agentsCalls).toBe(1);
    await observability.metrics();
    expect(source.agentsCalls).toBe(2);
  });

  it("gives JSON (cluster aggregation) the same values with labels merged", async () => {
    const source = twoAgents();
    source.agent("feed").counters.handlerDuration.observe(0.02);
    const observability = createObservability(source, { agentSeries: "full" });
    const metrics = await observability.registry.getMetricsAsJSON();
    const state = metrics.find((m) => m.name === "agent_state");
    expect(state?.values).toEqual([
      { value: 1, labels: { agent: "feed" } },
      { value: 1, labels: { agent: "risk" } },
    ]);
    const duration = metrics.find((m) => m.name === "agent_handler_duration_seconds");
    expect(duration?.values).toContainEqual({ value: 1, labels: { agent: "feed", le: "0.025" }, metricName: "agent_handler_duration_seconds_bucket" });
    expect(duration?.values).toContainEqual({ value: 1, labels: { agent: "feed" }, metricName: "agent_handler_duration_seconds_count" });
    // The text exposition still works after a JSON read (no cached label set was altered).
    expect(await observability.metrics()).toContain('agent_handler_duration_seconds_bucket{le="0.025",agent="feed"} 1');
  });

  it("renders counters by the OpenMetrics rules in an OpenMetrics registry", async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const observability = createObservability(twoAgents(), { registry });
    expect(observability.contentType).toBe(Registry.OPENMETRICS_CONTENT_TYPE);
    const text = await observability.metrics();
    expect(text).toContain("# TYPE agent_restarts counter");
    expect(text).toContain('agent_restarts_total{agent="feed"} 0');
    expect(text.endsWith("# EOF\n")).toBe(true);
  });
});

describe("agent series", () => {
  const essential = ["agent_info", "agent_state", "agent_disabled", "agent_restarts_total", "agent_crashes_total", "agent_escalations_total"];
  const detailed = ["agent_handler_errors_total", "agent_stop_failures_total", "agent_handler_duration_seconds", "cron_triggers_fired_total"];
  const orchestratorWide = [
    "orchestrator_up",
    "orchestrator_phase",
    "orchestrator_healthy",
    "cron_lateness_seconds",
    "bus_messages_published_total",
    "bus_messages_delivered_total",
    "bus_messages_dropped_total",
    "bus_messages_pending",
    "bus_handler_errors_total",
  ];
  const seriesOf = (text: string, agent: string): string[] => text.split("\n").filter((line) => line.includes(`agent="${agent}"`));

  it("exposes the essential per-agent series by default: 18 per agent", async () => {
    const observability = createObservability(twoAgents());
    expect(observability.metricNames).toEqual([...orchestratorWide.slice(0, 3), ...essential, "cron_triggers_skipped_total", ...orchestratorWide.slice(3)]);
    const text = await observability.metrics();
    for (const name of detailed) expect(text).not.toContain(name);
    expect(seriesOf(text, "feed")).toHaveLength(18);
    expect(sample(text, "cron_lateness_seconds_count")).toBe(0);
  });

  it("exposes every per-agent series with agentSeries full: 38 per agent", async () => {
    const observability = createObservability(twoAgents(), { agentSeries: "full" });
    expect(observability.metricNames).toEqual([
      ...orchestratorWide.slice(0, 3),
      ...essential,
      ...detailed,
      "cron_triggers_skipped_total",
      ...orchestratorWide.slice(3),
    ]);
    const text = await observability.metrics();
    expect(seriesOf(text, "feed")).toHaveLength(38);
  });

  it("exposes the same essential series with the same values either way", async () => {
    const source = twoAgents();
    source.agent("feed").counters.crashes.hung = 2;
    source.agent("feed").counters.triggersSkipped.overlap = 3;
    source.agent("risk").state = "disabled";
    const essentialText = await createObservability(source).metrics();
    const fullText = await createObservability(source, { agentSeries: "full" }).metrics();
    const names = [...essential, "cron_triggers_skipped_total"];
    const essentialLines = (text: string) => text.split("\n").filter((line) => names.some((name) => line.startsWith(`${name}{`)));
    expect(essentialLines(essentialText)).toEqual(essentialLines(fullText));
    expect(essentialLines(essentialText)).toHaveLength(36);
    expect(essentialLines(essentialText)).toContain('cron_triggers_skipped_total{agent="feed",reason="overlap"} 3');
  });
});

describe("registries", () => {
  it("uses a registry of its own by default and never the global one", async () => {
    const before = (await globalRegistry.getMetricsAsJSON()).length;
    const a = createObservability(twoAgents());
    const b = createObservability(twoAgents());
    expect(a.registry).not.toBe(b.registry);
    expect(a.registry).not.toBe(globalRegistry);
    expect((await globalRegistry.getMetricsAsJSON()).length).toBe(before);
  });

  it("runs two instances side by side, each with its own values", async () => {
    const first = twoAgents();
    const second = twoAgents();
    second.agent("feed").state = "backoff";
    const a = createObservability(first);
    const b = createObservability(second);
    expect(sample(await a.metrics(), 'agent_state{agent="feed"}')).toBe(1);
    expect(sample(await b.metrics(), 'agent_state{agent="feed"}')).toBe(0);
  });

  it("registers into the host's registry beside its own metrics", async () => {
    const registry = new Registry();
    const hostCounter = new Counter({ name: "http_requests_total", help: "host requests", registers: [registry] });
    hostCounter.inc(5);
    const observability = createObservability(twoAgents(), { registry });
    expect(observability.registry).toBe(registry);
    const text = await registry.metrics();
    expect(sample(text, "http_requests_total")).toBe(5);
    expect(sample(text, 'agent_state{agent="risk"}')).toBe(1);
    expect(await observability.metrics()).toBe(text);
  });

  it("prefixes every name, so two orchestrators can share a registry", async () => {
    const registry = new Registry();
    const a = createObservability(twoAgents(), { registry, prefix: "orders_", agentSeries: "full" });
    const b = createObservability(twoAgents(), { registry, prefix: "quotes_" });
    const text = await registry.metrics();
    expect(sample(text, 'orders_agent_state{agent="feed"}')).toBe(1);
    expect(sample(text, 'quotes_agent_state{agent="feed"}')).toBe(1);
    expect(text).toContain('orders_agent_handler_duration_seconds_bucket{le="+Inf",agent="feed"} 0');
    expect(sample(text, "orders_cron_lateness_seconds_count")).toBe(0);
    for (const name of [...a.metricNames, ...b.metricNames]) expect(name).toMatch(/^(orders|quotes)_/);
    const names = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(names.every((name) => name?.startsWith("orders_") === true || name?.startsWith("quotes_") === true)).toBe(true);
  });

  it("refuses a name clash with METRICS_CONFLICT naming the metric and suggesting a prefix, registering nothing", () => {
    const registry = new Registry();
    new Counter({ name: "agent_restarts_total", help: "host counter with our name", registers: [registry] });
    let caught: unknown;
    try {
      createObservability(twoAgents(), { registry });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ObservabilityError);
    expect(isOrchestratorError(caught)).toBe(true);
    const error = caught as ObservabilityError;
    expect(error.code).toBe("METRICS_CONFLICT");
    expect(error.metric).toBe("agent_restarts_total");
    // only the fields of its code: no `port: undefined` / `option: undefined` when printed
    expect(Object.keys(error)).not.toContain("port");
    expect(Object.keys(error)).not.toContain("option");
    expect(error.message).toContain('"agent_restarts_total"');
    expect(error.message).toContain("metrics.prefix");
    expect(registry.getMetricsAsArray()).toHaveLength(1);
  });

  it("refuses a second orchestrator with the same prefix in one registry", () => {
    const registry = new Registry();
    createObservability(twoAgents(), { registry, prefix: "app_" });
    expect(() => createObservability(twoAgents(), { registry, prefix: "app_" })).toThrow(
      expect.objectContaining({ code: "METRICS_CONFLICT", metric: "app_orchestrator_up", message: expect.stringContaining('other than "app_"') }),
    );
  });

  it("collects prom-client's default metrics only when asked, with the prefix", async () => {
    const plain = createObservability(twoAgents());
    expect(await plain.metrics()).not.toContain("process_cpu_user_seconds_total");
    const withDefaults = createObservability(twoAgents(), { defaultMetrics: true, prefix: "svc_" });
    const text = await withDefaults.metrics();
    expect(text).toContain("svc_process_cpu_user_seconds_total");
    expect(withDefaults.metricNames).toContain("svc_process_cpu_user_seconds_total");
  });

  it("turns a default-metrics clash into METRICS_CONFLICT and rolls back what it registered", () => {
    const registry = new Registry();
    new Counter({ name: "c_process_cpu_system_seconds_total", help: "taken by the host", registers: [registry] });
    let caught: unknown;
    try {
      createObservability(twoAgents(), { registry, defaultMetrics: true, prefix: "c_" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ObservabilityError);
    expect(caught).toMatchObject({ code: "METRICS_CONFLICT", metric: "c_process_cpu_system_seconds_total" });
    expect((caught as Error).message).toContain("defaultMetrics");
    expect(registry.getMetricsAsArray().map((metric) => metric.name)).toEqual(["c_process_cpu_system_seconds_total"]);
  });

  it("unregisters its metrics, so the names can be registered again", async () => {
    const registry = new Registry();
    const first = createObservability(twoAgents(), { registry, defaultMetrics: true });
    first.unregister();
    first.unregister();
    expect(registry.getMetricsAsArray()).toHaveLength(0);
    const second = createObservability(twoAgents(), { registry, defaultMetrics: true });
    expect(await second.metrics()).toContain('agent_state{agent="feed"} 1');
  });
});

describe("options", () => {
  it.each<[string, ObservabilityOptions, string]>([
    ["a prefix that is not a metric name", { prefix: "1bad-" }, "metrics.prefix"],
    ["a registry that is not a Registry", { registry: {} as Registry }, "metrics.registry"],
    ["a non-boolean defaultMetrics", { defaultMetrics: "yes" as unknown as boolean }, "metrics.defaultMetrics"],
    ["a livenessMissedTicks below 1", { livenessMissedTicks: 0 }, "metrics.livenessMissedTicks"],
    ["an agentSeries other than essential or full", { agentSeries: "all" as "full" }, "metrics.agentSeries"],
  ])("rejects %s with a ConfigError naming the option", (_label, options, path) => {
    let caught: unknown;
    try {
      createObservability(twoAgents(), options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe("INVALID_OPTION");
    expect((caught as ConfigError).path).toBe(path);
    expect((caught as ConfigError).message).toContain(path);
  });

  it("describes the refused value the one way check.ts does", () => {
    expect(() => createObservability(twoAgents(), { livenessMissedTicks: "3" as unknown as number })).toThrow(
      'expected `metrics.livenessMissedTicks` to be a number of at least 1, got "3"',
    );
    expect(() => createObservability(twoAgents(), { defaultMetrics: 1 as unknown as boolean })).toThrow(
      "expected `metrics.defaultMetrics` to be a boolean, got 1",
    );
    expect(() => createObservability(twoAgents(), { agentSeries: true as unknown as "full" })).toThrow(
      'expected `metrics.agentSeries` to be "essential" or "full", got true',
    );
  });
});
