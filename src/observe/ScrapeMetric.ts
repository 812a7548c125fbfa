import type { Aggregator, Metric, OpenMetricsContentType, PrometheusContentType, Registry } from "prom-client";
import type { Pacer } from "./Pacer.js";

/** A prom-client registry of either exposition format. */
export type MetricsRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;

/** A set of label values. Objects handed out by {@link LabelCache} are frozen and reused across scrapes. */
export type LabelSet = Readonly<Record<string, string>>;

/** The empty label set (shared, never mutated). */
export const NO_LABELS: LabelSet = Object.freeze({});

/** The kinds of scrape-time metric, as the exposition's `# TYPE` line names them. */
export type ScrapeMetricKind = "gauge" | "counter" | "histogram";

/**
 * One exposed sample, in the shape of prom-client's public `MetricValueWithName`
 * (what a metric's `get()` returns and `getMetricsAsJSON()` lists).
 */
export interface Sample {
  readonly value: number;
  /** Every label of the sample (a cached {@link LabelSet}: never mutated). */
  readonly labels: LabelSet;
  /** The series name when it differs from the metric's (`_bucket`, `_sum`, `_count`). */
  readonly metricName?: string;
}

/**
 * Where a metric's reader writes its samples: a list of {@link Sample}s for
 * the registry, or the columns of a text render ({@link SampleColumns}).
 */
export interface SampleSink {
  /** One sample; `metricName` when the series name differs from the metric's (`_bucket`, `_sum`, `_count`). */
  add(value: number, labels: LabelSet, metricName?: string): void;
}

/** Writes the current samples of a metric to `out`; called at scrape time. */
export type SampleReader = (out: SampleSink) => void;

/** A {@link SampleSink} that keeps the samples as {@link Sample} objects, in order. */
export class SampleList implements SampleSink {
  readonly samples: Sample[] = [];

  add(value: number, labels: LabelSet, metricName?: string): void {
    this.samples.push(metricName === undefined ? { value, labels } : { value, labels, metricName });
  }
}

/** What every scrape-time metric is built from. */
export interface ScrapeMetricConfig {
  readonly name: string;
  readonly kind: ScrapeMetricKind;
  readonly help: string;
  readonly aggregator: Aggregator;
  readonly read: SampleReader;
  /**
   * Paces the text exposition of the metrics registered together: each metric
   * reads its samples at once and hands them to the registry on its turn.
   */
  readonly pacer: Pacer;
}

/** The metric object {@link ScrapeMetric.get} resolves to: prom-client's public `MetricObjectWithValues` shape. */
export interface ScrapeMetricObject {
  readonly name: string;
  readonly help: string;
  readonly type: ScrapeMetricKind;
  readonly aggregator: Aggregator;
  readonly values: Sample[];
}

/**
 * A metric whose samples are read at scrape time from plain counters kept
 * elsewhere (nothing is ever set or observed on it), registered in a
 * prom-client registry through its public contract only: a registered
 * metric has a `name`, `help`, `type` and `aggregator`, and `get()` resolves
 * to `{ name, help, type, values, aggregator }` (prom-client's
 * `MetricObjectWithValues`), which the registry's `metrics()` formats as text
 * and `getMetricsAsJSON()` lists; `resetMetrics()` calls `reset()`.
 *
 * It deliberately extends none of prom-client's classes: a later release
 * cannot add a method to it that the registry would prefer over `get()`, so a
 * change of that contract fails loudly instead of exposing empty metrics.
 * The one kind-specific part is `type`: a histogram's reader emits its
 * `_bucket`, `_sum` and `_count` series itself (see {@link pushHistogram}).
 *
 * @example
 * ```ts
 * const up = new ScrapeMetric({ name: "up", kind: "gauge", help: "1 while up.", aggregator: "min", read, pacer });
 * up.register(registry);
 * ```
 */
export class ScrapeMetric {
  /**
   * The metric's name. Not read-only: an OpenMetrics registry renames a
   * counter (`x_total` to `x`) before it asks for its samples.
   */
  name: string;
  readonly help: string;
  readonly type: ScrapeMetricKind;
  readonly aggregator: Aggregator;
  readonly #read: SampleReader;
  readonly #pacer: Pacer;

  constructor(config: ScrapeMetricConfig) {
    this.name = config.name;
    this.help = config.help;
    this.type = config.kind;
    this.aggregator = config.aggregator;
    this.#read = config.read;
    this.#pacer = config.pacer;
  }

  /**
   * The current samples, read at once (so the metrics asked in one pass of
   * the registry form one snapshot) and handed over on the pacer's turn (so a
   * large registry is formatted a slice per event-loop turn).
   */
  async get(): Promise<ScrapeMetricObject> {
    const list = new SampleList();
    this.#read(list);
    const values = list.samples;
    await this.#pacer.turn(values.length);
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** Write the current samples to `out` at once (the text render's way in, beside the registry's {@link ScrapeMetric.get}). */
  readSamples(out: SampleSink): void {
    this.#read(out);
  }

  /** Nothing to reset: the values belong to the source they are read from. */
  reset(): void {}

  /**
   * Register into `registry`. prom-client types `registerMetric()` by its own
   * metric classes, while its registry only uses the public members above;
   * this is the one place the two meet.
   */
  register(registry: MetricsRegistry): void {
    registry.registerMetric(this as unknown as Metric);
  }
}

/** The plain-number histogram shape {@link pushHistogram} reads (`HistogramData`). */
export interface HistogramValues {
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** The label sets of one histogram's series for one set of shared labels: each `le` bucket's, `+Inf`'s, and the plain ones (`_sum`, `_count`). */
export interface BucketLabels {
  readonly bounds: readonly LabelSet[];
  readonly inf: LabelSet;
  readonly plain: LabelSet;
}

/** Names of a histogram's series. */
export interface HistogramNames {
  readonly bucket: string;
  readonly sum: string;
  readonly count: string;
}

/** The series names of histogram `name`. */
export function histogramNames(name: string): HistogramNames {
  return { bucket: `${name}_bucket`, sum: `${name}_sum`, count: `${name}_count` };
}

/**
 * The label sets of a histogram's series: `le` first, then `shared` (the
 * order prom-client's own histograms expose them in). Build once and cache
 * (see {@link LabelCache.buckets}).
 */
export function bucketLabels(bounds: readonly number[], shared: LabelSet): BucketLabels {
  return {
    bounds: bounds.map((bound) => Object.freeze({ le: String(bound), ...shared })),
    inf: Object.freeze({ le: "+Inf", ...shared }),
    plain: shared,
  };
}

/** Write the cumulative buckets, sum and count of `data` to `out`, labelled by `labels` (from {@link bucketLabels} of `data.bounds`). */
export function pushHistogram(out: SampleSink, names: HistogramNames, data: HistogramValues, labels: BucketLabels): void {
  const counts = data.counts;
  let cumulative = 0;
  for (let i = 0; i < labels.bounds.length; i++) {
    cumulative += counts[i] ?? 0;
    out.add(cumulative, labels.bounds[i] ?? labels.plain, names.bucket);
  }
  out.add(data.count, labels.inf, names.bucket);
  out.add(data.sum, labels.plain, names.sum);
  out.add(data.count, labels.plain, names.count);
}
