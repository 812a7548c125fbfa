/**
 * A cumulative histogram kept as plain numbers, cheap enough for hot paths; the
 * metrics read it at scrape time.
 */
export class HistogramData {
  /** Upper bounds of the buckets, ascending (the `+Inf` bucket is implicit). */
  readonly bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last entry counts values above every bound. */
  readonly counts: number[];
  /** Sum of all observed values. */
  sum = 0;
  /** Number of observations. */
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  /** Record one value. */
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/** Default buckets for durations in seconds: 1 ms … 60 s. */
export const DURATION_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
