/**
 * The one way a benchmark reports: rows of (scenario, ours, baseline, ratio,
 * target, met or missed), printed as a Markdown table, and a non-zero exit
 * status when a row misses its target. Every figure is the median of
 * {@link RUNS} runs unless a row says otherwise.
 *
 * ```ts
 * const report = new Report("triggers");
 * report.row({ scenario: "10,000 agents × every second: CPU", ours: "2.1%", baseline: "0.9% (setTimeout per job)",
 *   ratio: "2.3×", target: "≤ 3× baseline", met: cpu <= 3 * bare });
 * report.finish(); // prints the table, sets process.exitCode = 1 on a miss
 * ```
 */
import os from "node:os";

/** Runs per figure (the median is reported). `BENCH_RUNS` overrides it for a quick look. */
export const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);

/** One line of the report. */
export interface Row {
  /** What is measured, on the path users take. */
  readonly scenario: string;
  /** Our figure, formatted. */
  readonly ours: string;
  /** The bare or peer figure measured in the same run, formatted ("—" when the target is absolute). */
  readonly baseline?: string;
  /** Ours against the baseline, formatted ("—" when there is none). */
  readonly ratio?: string;
  /** The target, in words ("≤ 3× baseline", "0 missed"). */
  readonly target: string;
  /** Whether the target is met; `undefined` for a row given for context only. */
  readonly met: boolean | undefined;
}

/** Median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The `p` quantile (0…1) of `sorted` (ascending), nearest rank. */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

/** `value` rounded to `digits` decimals. */
export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Bytes as "412 B" or "2.3 KB". */
export function bytes(value: number): string {
  return Math.abs(value) < 1_024 ? `${Math.round(value)} B` : `${round(value / 1_024, 2)} KB`;
}

/** One line naming the machine and the runtime, printed above every table. */
export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.arch()}, Node ${process.version}`;
}

/** Collects rows and prints them as one table. */
export class Report {
  readonly #title: string;
  readonly #rows: Row[] = [];

  /** @param title - the benchmark's name, printed above its table */
  constructor(title: string) {
    this.#title = title;
  }

  /** Add a row (printed at {@link Report.finish}). */
  row(row: Row): void {
    this.#rows.push(row);
  }

  /** Rows whose target was missed. */
  get misses(): readonly Row[] {
    return this.#rows.filter((row) => row.met === false);
  }

  /** Print the table; set `process.exitCode = 1` when a target was missed. */
  finish(): void {
    console.log(`### ${this.#title}\n\n${machine()}; each figure the median of ${RUNS} runs unless the row says otherwise.\n`);
    console.log("| scenario | ours | baseline (same run) | ratio | target | |");
    console.log("|---|---:|---:|---:|---|---|");
    for (const row of this.#rows) {
      const verdict = row.met === undefined ? "context" : row.met ? "met" : "**missed**";
      console.log(`| ${row.scenario} | ${row.ours} | ${row.baseline ?? "—"} | ${row.ratio ?? "—"} | ${row.target} | ${verdict} |`);
    }
    for (const miss of this.misses) console.error(`target missed: ${miss.scenario}: ${miss.ours} against ${miss.target}`);
    if (this.misses.length > 0) process.exitCode = 1;
  }
}
