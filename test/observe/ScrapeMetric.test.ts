import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Aggregator, OpenMetricsContentType } from "prom-client";
import { describe, expect, it } from "vitest";
import { LabelCache } from "../../src/observe/LabelCache.js";
import { Pacer } from "../../src/observe/Pacer.js";
import { NO_LABELS, SampleList, ScrapeMetric, bucketLabels, histogramNames, pushHistogram } from "../../src/observe/ScrapeMetric.js";
import type { MetricsRegistry, Sample, SampleReader, ScrapeMetricKind } from "../../src/observe/ScrapeMetric.js";
import { HistogramData } from "../../src/stats/HistogramData.js";

const BOUNDS = [0.1, 1] as const;
const labels = new LabelCache();

/** The samples a histogram `name` over `data` exposes with the shared labels `{ agent }`. */
function histogramSamples(name: string, data: HistogramData, agent: string): Sample[] {
  const out = new SampleList();
  pushHistogram(out, histogramNames(name), data, labels.buckets(data.bounds, labels.agent(agent)));
  return out.samples;
}

function scrapeMetric(registry: MetricsRegistry, name: string, kind: ScrapeMetricKind, read: SampleReader, aggregator: Aggregator = "sum"): ScrapeMetric {
  const metric = new ScrapeMetric({ name, kind, help: `${name} help`, aggregator, read, pacer: new Pacer(1_000) });
  metric.register(registry);
  return metric;
}

/**
 * The same three metrics twice: as prom-client's own classes with values set
 * ahead, and as scrape-time metrics reading the same numbers.
 */
function twins(openMetrics = false): { ours: MetricsRegistry; theirs: MetricsRegistry } {
  const registry = (): MetricsRegistry => {
    if (!openMetrics) return new Registry();
    const open = new Registry<OpenMetricsContentType>();
    open.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    return open;
  };
  const theirs = registry();
  const ours = registry();
  const registers = [theirs];
  const up = new Gauge({ name: "up", help: "up help", registers, aggregator: "min" });
  up.set(1);
  const crashes = new Counter({ name: "crashes_total", help: "crashes_total help", labelNames: ["agent", "reason"], registers });
  crashes.inc({ agent: "feed", reason: "error" }, 2);
  crashes.inc({ agent: "a \"quoted\"\nname", reason: "hung" }, 1);
  const duration = new Histogram({ name: "duration_seconds", help: "duration_seconds help", labelNames: ["agent"], buckets: [...BOUNDS], registers });
  const data = new HistogramData(BOUNDS);
  for (const value of [0.05, 0.5, 3]) {
    duration.observe({ agent: "feed" }, value);
    data.observe(value);
  }
  scrapeMetric(ours, "up", "gauge", (out) => out.add(1, NO_LABELS), "min");
  scrapeMetric(ours, "crashes_total", "counter", (out) => {
    out.add(2, labels.agentWith("feed", "reason", "error"));
    out.add(1, labels.agentWith("a \"quoted\"\nname", "reason", "hung"));
  });
  scrapeMetric(ours, "duration_seconds", "histogram", (out) => {
    for (const sample of histogramSamples("duration_seconds", data, "feed")) out.add(sample.value, sample.labels, sample.metricName);
  });
  return { ours, theirs };
}

/** The exposition with each series' labels in sorted order: equal for equal series, whatever the label order. */
function sortedLabels(text: string): string {
  return text.replace(/\{([^}]*)\}/g, (_, inner: string) => `{${inner.split(/,(?=[a-z_]+=")/).sort().join(",")}}`);
}

describe("bucketLabels", () => {
  it.each([
    { bounds: [0.5, 2], shared: { agent: "feed" }, le: [{ le: "0.5", agent: "feed" }, { le: "2", agent: "feed" }], inf: { le: "+Inf", agent: "feed" } },
    { bounds: [1], shared: {}, le: [{ le: "1" }], inf: { le: "+Inf" } },
    { bounds: [], shared: { agent: "x" }, le: [], inf: { le: "+Inf", agent: "x" } },
  ])("labels bounds $bounds beside $shared with `le` first", ({ bounds, shared, le, inf }) => {
    const result = bucketLabels(bounds, shared);
    expect(result.bounds).toEqual(le);
    expect(result.bounds.map((set) => Object.keys(set)[0])).toEqual(le.map(() => "le"));
    expect(result.inf).toEqual(inf);
    expect(Object.keys(result.inf)[0]).toBe("le");
    expect(result.plain).toBe(shared);
    expect(Object.isFrozen(result.inf)).toBe(true);
  });
});

describe("pushHistogram", () => {
  it("emits cumulative buckets, +Inf, sum and count under the series names", () => {
    const data = new HistogramData(BOUNDS);
    for (const value of [0.05, 0.5, 0.7, 3]) data.observe(value);
    const out = histogramSamples("d", data, "feed");
    expect(out.map((sample) => [sample.metricName, sample.labels, sample.value])).toEqual([
      ["d_bucket", { le: "0.1", agent: "feed" }, 1],
      ["d_bucket", { le: "1", agent: "feed" }, 3],
      ["d_bucket", { le: "+Inf", agent: "feed" }, 4],
      ["d_sum", { agent: "feed" }, 4.25],
      ["d_count", { agent: "feed" }, 4],
    ]);
  });

  it("reuses the cached label sets from one scrape to the next", () => {
    const data = new HistogramData(BOUNDS);
    const first = histogramSamples("d", data, "feed");
    const second = histogramSamples("d", data, "feed");
    expect(second.map((sample) => sample.labels)).toEqual(first.map((sample) => sample.labels));
    second.forEach((sample, i) => expect(sample.labels).toBe(first[i]?.labels));
  });
});

describe("ScrapeMetric in a prom-client registry", () => {
  it("is none of prom-client's metric classes, so no later method of theirs can bypass get()", () => {
    const metric = scrapeMetric(new Registry(), "up", "gauge", () => undefined);
    expect(metric).not.toBeInstanceOf(Gauge);
    expect(metric).not.toBeInstanceOf(Counter);
    expect(metric).not.toBeInstanceOf(Histogram);
  });

  it("renders the same text as prom-client's own Gauge, Counter and Histogram", async () => {
    const { ours, theirs } = twins();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it("renders the same OpenMetrics text, counters renamed by the registry's rules, twice in a row", async () => {
    const { ours, theirs } = twins(true);
    const expected = await theirs.metrics();
    expect(expected).toContain("# TYPE crashes counter");
    expect(await ours.metrics()).toBe(expected);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it("renders the registry's default labels like prom-client's own metrics (a histogram's in another order)", async () => {
    const { ours, theirs } = twins();
    ours.setDefaultLabels({ service: "desk" });
    theirs.setDefaultLabels({ service: "desk" });
    const text = await ours.metrics();
    expect(text).toContain('crashes_total{agent="feed",reason="error",service="desk"} 2');
    expect(text).toContain('duration_seconds_bucket{le="0.1",agent="feed",service="desk"} 1');
    expect(sortedLabels(text)).toBe(sortedLabels(await theirs.metrics()));
  });

  it("lists the same JSON as prom-client's own metrics (cluster aggregation), `le` as a string", async () => {
    const { ours, theirs } = twins();
    const expected = (await theirs.getMetricsAsJSON()).map((metric) => ({
      ...metric,
      values: metric.values.map(({ value, labels, metricName }: { value: number; labels: object; metricName?: string }) => ({
        value,
        labels: Object.fromEntries(Object.entries(labels).map(([name, label]) => [name, String(label)])),
        ...(metricName === undefined ? {} : { metricName }),
      })),
    }));
    expect(await ours.getMetricsAsJSON()).toEqual(expected);
  });

  it("renders alone, merged into another registry, and after resetMetrics() (its values are read, not kept)", async () => {
    const { ours, theirs } = twins();
    expect(await ours.getSingleMetricAsString("crashes_total")).toBe(await theirs.getSingleMetricAsString("crashes_total"));
    const merged = Registry.merge([ours as Registry, new Registry()]);
    expect(await merged.metrics()).toBe(await theirs.metrics());
    ours.resetMetrics();
    expect(await ours.metrics()).toContain('crashes_total{agent="feed",reason="error"} 2');
  });

  it("reads its samples when asked and hands them over on the pacer's turn", async () => {
    const registry = new Registry();
    let value = 1;
    let reads = 0;
    scrapeMetric(registry, "level", "gauge", (out) => {
      reads++;
      out.add(value, NO_LABELS);
    });
    const rendering = registry.metrics();
    expect(reads).toBe(1);
    value = 2; // read at once: a change after the pass does not reach this render
    expect(await rendering).toContain("level 1");
    expect(await registry.metrics()).toContain("level 2");
  });
});
