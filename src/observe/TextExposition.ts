import { performance } from "node:perf_hooks";
import { MetricRows } from "./MetricRows.js";
import { SLICE_SAMPLES, nextMacrotask } from "./Pacer.js";
import { PROMETHEUS_CONTENT_TYPE, escapeText, formatHeader, formatLabels } from "./promText.js";
import type { MetricsRegistry, ScrapeMetric } from "./ScrapeMetric.js";

/**
 * Longest stretch, in ms, the formatting of one render holds the event loop
 * before it yields a macrotask (it also yields after every
 * {@link SLICE_SAMPLES} lines, as prom-client's paced render does, so a
 * registry of that many samples or fewer is rendered without yielding).
 */
export const SLICE_MS = 8;

/** One of our metrics as the render writes it. */
interface OwnMetric {
  readonly metric: ScrapeMetric;
  /** The name it was registered under (an OpenMetrics render renames counters in place). */
  readonly name: string;
  /** Its `# HELP` and `# TYPE` lines. */
  readonly header: string;
  /** Its sample lines, kept from render to render. */
  readonly rows: MetricRows;
}

/** A metric of someone else (the host, another orchestrator, default process metrics), as prom-client renders it. */
interface ForeignPart {
  readonly text: Promise<string>;
}

type Part = OwnMetric | ForeignPart;

/**
 * `text`, marked as handled: it is awaited only in its turn (or not at all
 * when the render falls back), and a rejection meanwhile must not count as
 * unhandled. Awaiting it still throws.
 */
function settledLater(text: Promise<string>): Promise<string> {
  text.catch(() => undefined);
  return text;
}

/**
 * The whole registry's exposition text, with this orchestrator's metrics
 * written here rather than by prom-client: the same bytes prom-client writes
 * for them (the format of `promText.ts`). Every metric reads its samples at
 * once when a render starts (one consistent snapshot); the lines are then
 * formatted a slice of {@link SLICE_MS} at a time, so a scrape of thousands
 * of agents never holds the event loop for long, and lines that did not
 * change since the last render are reused rather than formatted again
 * ({@link MetricRows}). The registry's other metrics are rendered by
 * prom-client itself, one by one (`getSingleMetricAsString`), in the
 * registry's order.
 *
 * When the text could differ from what the registry would render, the render
 * is the registry's own `metrics()`: an OpenMetrics registry, a metric of ours
 * renamed in place, or default labels set on the registry (found by rendering
 * one of our metrics through prom-client beside our own text and comparing).
 *
 * Renders must not overlap (the observability module's `SharedScrape` runs one
 * at a time): the rows of a render are read until its text is done.
 *
 * @example
 * ```ts
 * const exposition = new TextExposition(registry, registered.metrics);
 * const text = await exposition.render(); // === await registry.metrics()
 * ```
 */
export class TextExposition {
  readonly #registry: MetricsRegistry;
  readonly #own = new Map<unknown, OwnMetric>();
  /** Our metric rendered by prom-client at every render to compare with ours: the first, which always has one sample. */
  readonly #probe: ScrapeMetric | undefined;

  /** @param metrics our metrics registered in `registry`, the first with exactly one sample at every scrape */
  constructor(registry: MetricsRegistry, metrics: readonly ScrapeMetric[]) {
    this.#registry = registry;
    for (const metric of metrics) {
      const header = formatHeader(metric.name, metric.help, metric.type);
      this.#own.set(metric, { metric, name: metric.name, header, rows: new MetricRows(escapeText(metric.name)) });
    }
    this.#probe = metrics[0];
  }

  /** The registry's whole text, as `registry.metrics()` would give it. */
  render(): Promise<string> {
    const registry = this.#registry;
    if (registry.contentType !== PROMETHEUS_CONTENT_TYPE) return registry.metrics();
    const metrics = registry.getMetricsAsArray();
    for (const metric of metrics) {
      const own = this.#own.get(metric);
      if (own !== undefined && metric.name !== own.name) return registry.metrics();
    }
    return this.#write(metrics);
  }

  async #write(metrics: ReadonlyArray<{ readonly name: string }>): Promise<string> {
    const registry = this.#registry;
    const parts: Part[] = [];
    let check: { readonly text: Promise<string>; readonly own: OwnMetric } | undefined;
    // one synchronous pass: every metric reads its samples now
    for (const metric of metrics) {
      const own = this.#own.get(metric);
      if (own === undefined) {
        parts.push({ text: settledLater(registry.getSingleMetricAsString(metric.name)) });
        continue;
      }
      own.rows.begin();
      own.metric.readSamples(own.rows);
      own.rows.end();
      parts.push(own);
      if (own.metric === this.#probe) check = { text: settledLater(registry.getSingleMetricAsString(metric.name)), own };
    }
    if (check !== undefined) {
      const { rows, header } = check.own;
      if (rows.length === 0 || (await check.text) !== `${header}\n${rows.run(0, formatLabels)}`) return registry.metrics();
    }
    return this.#format(parts);
  }

  /** The text of `parts`, a slice at a time. */
  async #format(parts: readonly Part[]): Promise<string> {
    const pieces: string[] = [];
    let sliceEnd = performance.now() + SLICE_MS;
    let sliceLines = 0;
    for (let p = 0; p < parts.length; p++) {
      if (p > 0) pieces.push("\n\n");
      const part = parts[p] as Part;
      if ("text" in part) {
        pieces.push(await part.text);
        continue;
      }
      pieces.push(part.header);
      const { rows } = part;
      for (let run = 0, runs = rows.runs; run < runs; run++) {
        const text = rows.run(run, formatLabels);
        sliceLines += rows.linesOf(run);
        pieces.push("\n", text);
        if (sliceLines >= SLICE_SAMPLES || performance.now() >= sliceEnd) {
          await nextMacrotask();
          sliceEnd = performance.now() + SLICE_MS;
          sliceLines = 0;
        }
      }
    }
    pieces.push("\n");
    return pieces.join("");
  }
}
