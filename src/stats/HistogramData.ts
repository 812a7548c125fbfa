/** Shared by every histogram that has observed nothing yet: read as zeros, never written. */
const NONE: readonly number[] = Object.freeze([]);

/**
 * A cumulative histogram kept as plain numbers, cheap enough for hot paths; the
 * metrics read it at scrape time. Its bucket counts are allocated by the first
 * {@link HistogramData.observe}, so a histogram nobody observes (an agent whose
 * handlers never run, or whose durations no metric exposes) costs one small object.
 */
export class HistogramData {
  /** Upper bounds of the buckets, ascending (the `+Inf` bucket is implicit). */
  readonly bounds: readonly number[];
  /** Sum of all observed values. */
  sum = 0;
  /** Number of observations. */
  count = 0;
  #counts: number[] | undefined;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
  }

  /**
   * Observations per bucket (not cumulative); the last entry counts values
   * above every bound. Empty until the first observation: read a missing
   * entry as 0.
   */
  get counts(): readonly number[] {
    return this.#counts ?? NONE;
  }

  /** Record one value. */
  observe(value: number): void {
    const bounds = this.bounds;
    const counts = (this.#counts ??= new Array<number>(bounds.length + 1).fill(0));
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    counts[i] = (counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/** Default buckets for durations in seconds: 1 ms … 60 s. */
export const DURATION_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
