import { describe, expect, it } from "vitest";
import { AgentCounters } from "../../src/stats/AgentCounters.js";
import { DURATION_BUCKETS, HistogramData } from "../../src/stats/HistogramData.js";

describe("HistogramData", () => {
  it("counts each value in the first bucket whose bound it does not exceed, the rest above every bound", () => {
    const histogram = new HistogramData([0.1, 1]);
    for (const value of [0.05, 0.1, 0.5, 1, 3, 40]) histogram.observe(value);
    expect(histogram.counts).toEqual([2, 2, 2]);
    expect(histogram.count).toBe(6);
    expect(histogram.sum).toBeCloseTo(44.65, 10);
  });

  it("reads as zeros, with no bucket allocated, until its first observation", () => {
    const histogram = new HistogramData(DURATION_BUCKETS);
    expect(histogram.counts).toEqual([]);
    expect(histogram.counts[3] ?? 0).toBe(0);
    expect(histogram.count).toBe(0);
    histogram.observe(0.003);
    expect(histogram.counts).toHaveLength(DURATION_BUCKETS.length + 1);
    expect(histogram.counts[1]).toBe(1);
  });

  it("gives every agent's counters a histogram of its own that allocates nothing until used", () => {
    const a = new AgentCounters();
    const b = new AgentCounters();
    expect(a.handlerDuration.counts).toBe(b.handlerDuration.counts);
    a.handlerDuration.observe(0.2);
    expect(a.handlerDuration.counts).not.toBe(b.handlerDuration.counts);
    expect(b.handlerDuration.count).toBe(0);
    expect(Object.isFrozen(b.handlerDuration.counts)).toBe(true);
  });
});
