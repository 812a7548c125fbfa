import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { OpenMetricsContentType } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { LabelCache } from "../../src/observe/LabelCache.js";
import { createObservability } from "../../src/observe/index.js";
import { Pacer } from "../../src/observe/Pacer.js";
import { NO_LABELS, ScrapeMetric } from "../../src/observe/ScrapeMetric.js";
import type { MetricsRegistry, SampleReader, ScrapeMetricKind } from "../../src/observe/ScrapeMetric.js";
import { TextExposition } from "../../src/observe/TextExposition.js";
import { FakeSource, NetworkedFakeSource } from "../helpers/observe/FakeSource.js";

/** A source with `agents` agents and varied counters and states. */
function busy(agents: number, source: FakeSource = new FakeSource()): FakeSource {
  const states = ["running", "running", "backoff", "disabled", "stopped"] as const;
  for (let i = 0; i < agents; i++) {
    const agent = source.add(`agent_${i}`, { group: i % 7 === 0 ? "critical" : "data", critical: i % 7 === 0, state: states[i % states.length] ?? "running" });
    const counters = agent.counters;
    counters.restarts = i % 5;
    counters.crashes.error = i % 3;
    counters.crashes.hung = i % 2;
    counters.escalations["crash-loop"] = i % 4 === 0 ? 1 : 0;
    counters.handlerErrors = i % 6;
    counters.stopFailures = i % 9 === 0 ? 1 : 0;
    counters.triggersFired = i * 3;
    counters.triggersSkipped.misfire = i % 8;
    for (let k = 0; k < i % 4; k++) counters.handlerDuration.observe(((i + k) % 50) / 7);
  }
  source.cronLateness.observe(0.0125);
  source.cronLateness.observe(3.5);
  source.stats = { published: 120, delivered: 118, dropped: 2, pending: 1, handlerErrors: 3 };
  return source;
}

describe("the orchestrator's own text", () => {
  it.each(["essential", "full"] as const)("is what prom-client renders from the same registry (%s series)", async (agentSeries) => {
    const observability = createObservability(busy(40), { agentSeries });
    const ours = await observability.metrics();
    expect(ours).toBe(await observability.registry.metrics());
    expect(ours).toContain('agent_crashes_total{agent="agent_5",reason="error"} 2');
  });

  it("is what prom-client renders with agent_status on", async () => {
    const observability = createObservability(busy(40), { agentStatus: true });
    const ours = await observability.metrics();
    expect(ours).toBe(await observability.registry.metrics());
    expect(ours).toContain('agent_status{agent="agent_2",state="backoff"} 1');
  });

  it("is what prom-client renders beside the host's metrics, default process metrics and a second orchestrator", async () => {
    const registry = new Registry();
    new Counter({ name: "host_orders_total", help: "orders\\taken\nand more", registers: [registry] }).inc(7);
    const first = createObservability(busy(12), { registry, prefix: "first_", defaultMetrics: true, agentSeries: "full" });
    new Gauge({ name: "host_queue_depth", help: "after the first", registers: [registry], labelNames: ["queue"] }).set({ queue: 'a "b"\\c' }, 2);
    const second = createObservability(busy(3, new NetworkedFakeSource()), { registry, prefix: "second_" });
    // default process metrics move between two reads: compare what does not
    const stable = (text: string): string =>
      text
        .split("\n")
        .filter((line) => !/^first_(process|nodejs)_/.test(line))
        .join("\n");
    const expected = stable(await registry.metrics());
    expect(stable(await first.metrics())).toBe(expected);
    expect(stable(await second.metrics())).toBe(expected);
    expect(expected).toContain('host_queue_depth{queue="a \\"b\\"\\\\c"} 2');
  });

  it("stays what prom-client renders as values change, agents come and agents go", async () => {
    const source = busy(1_500);
    const observability = createObservability(source, { agentSeries: "full" });
    expect(await observability.metrics()).toBe(await observability.registry.metrics());
    source.agent("agent_1200").counters.crashes.fail++;
    source.agent("agent_3").state = "running";
    source.agent("agent_3").group = "strategy";
    source.agent("agent_3").path = Object.freeze(["desk", "strategy"]);
    let text = await observability.metrics();
    expect(text).toContain('agent_crashes_total{agent="agent_1200",reason="fail"} 1');
    expect(text).toContain('agent_info{agent="agent_3",group="strategy",critical="false",path="desk/strategy"} 1');
    expect(text).toBe(await observability.registry.metrics());
    source.list.splice(100, 900);
    text = await observability.metrics();
    expect(text).not.toContain('agent="agent_500"');
    expect(text).toBe(await observability.registry.metrics());
    busy(1_200, source);
    source.list.splice(0, 50);
    text = await observability.metrics();
    expect(text.match(/^agent_state\{/gm)).toHaveLength(1_500 - 900 + 1_200 - 50);
    expect(text).toBe(await observability.registry.metrics());
  });

  it("is prom-client's own render when the registry has default labels", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ instance: "desk-1" });
    const observability = createObservability(busy(3), { registry });
    const text = await observability.metrics();
    expect(text).toContain('agent_state{agent="agent_1",instance="desk-1"} 1');
    expect(text).toContain('orchestrator_up{instance="desk-1"} 1');
    expect(text).toBe(await registry.metrics());
    registry.setDefaultLabels({});
    expect(await observability.metrics()).toContain('agent_state{agent="agent_1"} 1');
  });

  it("is prom-client's own render in an OpenMetrics registry", async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const observability = createObservability(busy(3), { registry });
    const text = await observability.metrics();
    expect(text).toContain("# TYPE agent_restarts counter");
    expect(text.endsWith("# EOF\n")).toBe(true);
    expect(text).toBe(await registry.metrics());
  });

  it("renders through prom-client once a counter was renamed in place by an OpenMetrics render", async () => {
    const registry = new Registry<OpenMetricsContentType | typeof Registry.PROMETHEUS_CONTENT_TYPE>();
    const observability = createObservability(busy(2), { registry });
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    await registry.metrics(); // renames agent_restarts_total to agent_restarts in place
    registry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
    const renders = vi.spyOn(registry, "metrics");
    expect(await observability.metrics()).toBe(await registry.metrics());
    expect(renders).toHaveBeenCalledTimes(2);
  });

  it("formats a large registry in slices, letting other work run in between", async () => {
    const observability = createObservability(busy(3_000), { agentSeries: "full" });
    const turns: string[] = [];
    const rendering = observability.metrics().then(() => turns.push("rendered"));
    setImmediate(() => turns.push("other work"));
    await rendering;
    expect(turns).toEqual(["other work", "rendered"]);
  });

  it("reads every value when the render starts, however long the formatting takes", async () => {
    const source = busy(3_000);
    const observability = createObservability(source, { agentSeries: "full" });
    const rendering = observability.metrics();
    source.agent("agent_2999").counters.restarts = 99;
    source.agent("agent_0").state = "failed";
    const text = await rendering;
    expect(text).toContain('agent_restarts_total{agent="agent_2999"} 4');
    expect(text).toContain('agent_state{agent="agent_0"} 1');
  });
});

describe("TextExposition", () => {
  const labels = new LabelCache();

  function metric(registry: MetricsRegistry, name: string, kind: ScrapeMetricKind, read: SampleReader): ScrapeMetric {
    const scrape = new ScrapeMetric({ name, kind, help: `${name}: help with a \\ and\na newline`, aggregator: "sum", read, pacer: new Pacer(1_000) });
    scrape.register(registry);
    return scrape;
  }

  it("writes what prom-client writes: escaped help and label values, NaN and infinities, a metric without samples", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e21, 0.1 + 0.2, -3];
    const metrics = [
      metric(ours, "up", "gauge", (out) => out.add(1, NO_LABELS)),
      metric(ours, "odd_values", "gauge", (out) => values.forEach((value, i) => out.add(value, labels.agent(`a${i}`)))),
      metric(ours, "crashes_total", "counter", (out) => {
        out.add(2, labels.agentWith('a "quoted"\nname\\', "reason", "error"));
        out.add(1, labels.agentWith("feed", "reason", "hung"));
      }),
      metric(ours, "empty", "gauge", () => undefined),
    ];
    new Gauge({ name: "up", help: "up: help with a \\ and\na newline", registers: [theirs] }).set(1);
    const odd = new Gauge({ name: "odd_values", help: "odd_values: help with a \\ and\na newline", labelNames: ["agent"], registers: [theirs] });
    values.forEach((value, i) => odd.set({ agent: `a${i}` }, value));
    const crashes = new Counter({ name: "crashes_total", help: "crashes_total: help with a \\ and\na newline", labelNames: ["agent", "reason"], registers: [theirs] });
    crashes.inc({ agent: 'a "quoted"\nname\\', reason: "error" }, 2);
    crashes.inc({ agent: "feed", reason: "hung" }, 1);
    new Gauge({ name: "empty", help: "empty: help with a \\ and\na newline", labelNames: ["agent"], registers: [theirs] });
    const exposition = new TextExposition(ours, metrics);
    const text = await exposition.render();
    expect(text).toBe(await theirs.metrics());
    expect(text).toBe(await ours.metrics());
    expect(await exposition.render()).toBe(text);
  });

  it("renders histograms the way prom-client's Histogram does", async () => {
    const source = busy(5);
    const observability = createObservability(source, { agentSeries: "full" });
    const theirs = new Registry();
    const histogram = new Histogram({
      name: "agent_handler_duration_seconds",
      help: "Duration of the agent's handler and onCron calls, in seconds.",
      labelNames: ["agent"],
      buckets: [...source.agent("agent_0").counters.handlerDuration.bounds],
      registers: [theirs],
    });
    for (let i = 0; i < 5; i++) {
      histogram.zero({ agent: `agent_${i}` });
      for (let k = 0; k < i % 4; k++) histogram.observe({ agent: `agent_${i}` }, ((i + k) % 50) / 7);
    }
    const ours = (await observability.metrics()).split("\n\n").find((block) => block.startsWith("# HELP agent_handler_duration_seconds "));
    expect(`${ours}\n`).toBe(await theirs.metrics());
  });

  it("rejects as the registry does when a metric of the host throws, without an unhandled rejection", async () => {
    const registry = new Registry();
    const failure = new Error("collector failed");
    const observability = createObservability(busy(3_000), { registry, agentSeries: "full" });
    // registered after ours: it fails while our lines are still being formatted, a slice at a time
    new Gauge({
      name: "host_gauge",
      help: "fails",
      registers: [registry],
      collect() {
        throw failure;
      },
    });
    await expect(observability.metrics()).rejects.toBe(failure);
  });
});
