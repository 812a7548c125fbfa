import { formatValue } from "./promText.js";
import type { LabelSet, SampleSink } from "./ScrapeMetric.js";

/** Lines per run: the unit of text kept between renders, and of formatting between two looks at the clock. */
export const LINES_PER_RUN = 128;

/**
 * The sample lines of one metric, kept from render to render. A render first
 * reads every metric's samples at once into its rows ({@link MetricRows.add}:
 * one consistent snapshot, no allocation for a sample that did not change),
 * then formats them a run of {@link LINES_PER_RUN} lines at a time
 * ({@link MetricRows.run}); a run none of whose samples changed since the
 * last render is not formatted again: its text is reused as it is.
 *
 * @example
 * ```ts
 * const rows = new MetricRows("agent_state");
 * rows.begin();
 * metric.readSamples(rows);
 * rows.end();
 * for (let run = 0; run < rows.runs; run++) pieces.push(rows.run(run, labelText));
 * ```
 */
export class MetricRows implements SampleSink {
  readonly #name: string;
  /** Each sample's series name, labels and value, as last read. */
  readonly #names: string[] = [];
  readonly #labels: LabelSet[] = [];
  readonly #values: number[] = [];
  /** The text of each run, how many lines it holds, and whether a sample of it changed since it was formatted. */
  readonly #texts: string[] = [];
  readonly #lengths: number[] = [];
  readonly #stale: boolean[] = [];
  #length = 0;

  /** @param name the series name of samples written without one (escaped as the lines spell it) */
  constructor(name: string) {
    this.#name = name;
  }

  /** Samples read by the last pass. */
  get length(): number {
    return this.#length;
  }

  /** Runs of lines of the last pass. */
  get runs(): number {
    return Math.ceil(this.#length / LINES_PER_RUN);
  }

  /** Lines in run `run` of the last pass. */
  linesOf(run: number): number {
    return Math.max(0, Math.min(LINES_PER_RUN, this.#length - run * LINES_PER_RUN));
  }

  /** Start a pass: samples are written from the first row on. */
  begin(): void {
    this.#length = 0;
  }

  add(value: number, labels: LabelSet, metricName?: string): void {
    const at = this.#length++;
    const name = metricName ?? this.#name;
    if (this.#values[at] !== value || this.#labels[at] !== labels || this.#names[at] !== name) {
      this.#names[at] = name;
      this.#labels[at] = labels;
      this.#values[at] = value;
      this.#stale[Math.floor(at / LINES_PER_RUN)] = true;
    }
  }

  /** End a pass: forget the rows beyond it (agents gone since the last one). */
  end(): void {
    const length = this.#length;
    if (this.#values.length <= length) return;
    this.#names.length = length;
    this.#labels.length = length;
    this.#values.length = length;
    const runs = this.runs;
    this.#texts.length = runs;
    this.#lengths.length = runs;
    this.#stale.length = runs;
  }

  /** The lines of run `run` of the last pass, joined by newlines; `labelText` formats a label set. */
  run(run: number, labelText: (labels: LabelSet) => string): string {
    const from = run * LINES_PER_RUN;
    const to = Math.min(this.#length, from + LINES_PER_RUN);
    const kept = this.#texts[run];
    if (kept !== undefined && this.#stale[run] !== true && this.#lengths[run] === to - from) return kept;
    const names = this.#names;
    const labels = this.#labels;
    const values = this.#values;
    const lines = new Array<string>(to - from);
    for (let i = from; i < to; i++) {
      lines[i - from] = `${names[i] as string}${labelText(labels[i] as LabelSet)} ${formatValue(values[i] as number)}`;
    }
    const text = lines.join("\n");
    this.#texts[run] = text;
    this.#lengths[run] = to - from;
    this.#stale[run] = false;
    return text;
  }
}
