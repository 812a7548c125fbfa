import { Counter, Gauge, Histogram } from "prom-client";
import type { Aggregator, OpenMetricsContentType, PrometheusContentType, Registry } from "prom-client";
import type { Pacer } from "./Pacer.js";

/** A prom-client registry of either exposition format. */
export type MetricsRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;

/** A set of label values. Objects handed out by {@link LabelCache} are reused across scrapes. */
export type LabelSet = Readonly<Record<string, string>>;

/** The empty label set (shared, never mutated). */
export const NO_LABELS: LabelSet = Object.freeze({});

/**
 * One exposed sample. `sharedLabels` is a cached object: prom-client renders
 * it once and reuses the text by object identity, which keeps scrapes cheap.
 */
export interface Sample {
  readonly value: number;
  /** Labels of this sample alone (a histogram's `le`), or {@link NO_LABELS}. */
  readonly labels: LabelSet;
  /** Labels shared with other samples (the agent, its reason...). */
  readonly sharedLabels: LabelSet;
  /** The series name when it differs from the metric's (`_bucket`, `_sum`, `_count`). */
  readonly metricName?: string;
}

/** Appends the current samples of a metric to `out`; called at scrape time. */
export type SampleReader = (out: Sample[]) => void;

/** What every scrape-time metric is built from. */
export interface ScrapeMetricConfig {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly registry: MetricsRegistry;
  readonly aggregator: Aggregator;
  readonly read: SampleReader;
  /**
   * Paces the text exposition of the metrics registered together: each metric
   * reads its samples at once and is formatted on its turn.
   */
  readonly pacer: Pacer;
}

interface JsonValue {
  value: number;
  labels: Record<string, string>;
  metricName?: string;
}

function readSamples(read: SampleReader): Sample[] {
  const out: Sample[] = [];
  read(out);
  return out;
}

/** Samples in the shape `getMetricsAsJSON()` (cluster aggregation) expects: labels merged. */
function readJson(read: SampleReader): JsonValue[] {
  return readSamples(read).map((sample) => {
    const value: JsonValue = { value: sample.value, labels: { ...sample.sharedLabels, ...sample.labels } };
    if (sample.metricName !== undefined) value.metricName = sample.metricName;
    return value;
  });
}

function baseConfig(config: ScrapeMetricConfig) {
  return {
    name: config.name,
    help: config.help,
    labelNames: config.labelNames,
    registers: [config.registry],
    aggregator: config.aggregator,
  };
}

/**
 * A gauge whose values are read at scrape time from plain counters (nothing is
 * set on it). prom-client's `Registry` calls `getForPromString()` for the text
 * exposition and `get()` for JSON; both read through `read`.
 */
export class ScrapeGauge extends Gauge<string> {
  readonly #read: SampleReader;
  readonly #pacer: Pacer;

  constructor(config: ScrapeMetricConfig) {
    super(baseConfig(config));
    this.#read = config.read;
    this.#pacer = config.pacer;
  }

  override async get() {
    const values = readJson(this.#read);
    return { ...(await super.get()), values };
  }

  /**
   * The samples for the text exposition (labels kept apart, so their rendering
   * is cached): read at once, handed to prom-client on the pacer's turn.
   */
  async getForPromString() {
    const values = readSamples(this.#read);
    await this.#pacer.turn(values.length);
    return { ...(await super.get()), values };
  }
}

/** A counter read at scrape time; see {@link ScrapeGauge}. */
export class ScrapeCounter extends Counter<string> {
  readonly #read: SampleReader;
  readonly #pacer: Pacer;

  constructor(config: ScrapeMetricConfig) {
    super(baseConfig(config));
    this.#read = config.read;
    this.#pacer = config.pacer;
  }

  override async get() {
    const values = readJson(this.#read);
    return { ...(await super.get()), values };
  }

  /** The samples for the text exposition, on the pacer's turn. */
  async getForPromString() {
    const values = readSamples(this.#read);
    await this.#pacer.turn(values.length);
    return { ...(await super.get()), values };
  }
}

/**
 * A histogram exposed from {@link HistogramData} kept elsewhere (never
 * re-observed): `read` emits the `_bucket`, `_sum` and `_count` series, e.g.
 * with {@link pushHistogram}.
 */
export class ScrapeHistogram extends Histogram<string> {
  readonly #config: ScrapeMetricConfig;
  #forJson = false;

  constructor(config: ScrapeMetricConfig) {
    super(baseConfig(config));
    this.#config = config;
  }

  /**
   * The samples with labels merged, for `getMetricsAsJSON()`. prom-client's
   * `Histogram.get()` calls `getForPromString()` synchronously and then merges
   * each sample's shared labels into its `labels` in place, so that call is
   * given fresh label objects.
   */
  override get() {
    this.#forJson = true;
    try {
      return super.get();
    } finally {
      this.#forJson = false;
    }
  }

  /**
   * The samples for the text exposition (overrides prom-client's own), on the
   * pacer's turn; for `get()` at once.
   */
  async getForPromString() {
    const config = this.#config;
    const samples = readSamples(config.read);
    const forJson = this.#forJson;
    const values = forJson ? samples.map((sample) => ({ ...sample, labels: { ...sample.labels } })) : samples;
    if (!forJson) await config.pacer.turn(values.length);
    return { name: config.name, help: config.help, type: "histogram", values, aggregator: config.aggregator };
  }
}

/** The plain-number histogram shape {@link pushHistogram} reads (`HistogramData`). */
export interface HistogramValues {
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

const LE_LABELS = new WeakMap<readonly number[], { readonly bounds: readonly LabelSet[]; readonly inf: LabelSet }>();
const INF_LABEL: LabelSet = Object.freeze({ le: "+Inf" });

function leLabels(bounds: readonly number[]): { readonly bounds: readonly LabelSet[]; readonly inf: LabelSet } {
  let labels = LE_LABELS.get(bounds);
  if (labels === undefined) {
    labels = { bounds: bounds.map((bound) => Object.freeze({ le: String(bound) })), inf: INF_LABEL };
    LE_LABELS.set(bounds, labels);
  }
  return labels;
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

/** Append the cumulative buckets, sum and count of `data` to `out`. */
export function pushHistogram(out: Sample[], names: HistogramNames, data: HistogramValues, sharedLabels: LabelSet): void {
  const le = leLabels(data.bounds);
  let cumulative = 0;
  for (let i = 0; i < le.bounds.length; i++) {
    cumulative += data.counts[i] ?? 0;
    out.push({ value: cumulative, labels: le.bounds[i] ?? NO_LABELS, sharedLabels, metricName: names.bucket });
  }
  out.push({ value: data.count, labels: le.inf, sharedLabels, metricName: names.bucket });
  out.push({ value: data.sum, labels: NO_LABELS, sharedLabels, metricName: names.sum });
  out.push({ value: data.count, labels: NO_LABELS, sharedLabels, metricName: names.count });
}
