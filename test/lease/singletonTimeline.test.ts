import { describe, expect, it } from "vitest";
import type { ReplicaRecord } from "../helpers/nats/singletonTimeline.js";
import { gaps, overlaps, runIntervals, sample } from "../helpers/nats/singletonTimeline.js";

// The timeline the NATS singleton tests judge failover by: its sampler and its gaps must agree.
const start = (agent: string, at: number, token = 1): Record<string, unknown> => ({ event: "start", agent, at, token });
const stop = (agent: string, at: number): Record<string, unknown> => ({ event: "stop", agent, at });

describe("the singleton timeline of the NATS tests", () => {
  it("samples the window half-open: a run still going at the window's end is not found nowhere at its last instant", () => {
    const replicas: ReplicaRecord[] = [{ instance: "a", events: [start("s1", 1_000)] }];
    // a window whose length is a multiple of the step: a sample would fall on its end
    const intervals = runIntervals(replicas, 2_000);
    const sampling = sample(intervals, ["s1"], 1_000, 2_000, 50);
    expect(sampling.samples).toBe(20);
    expect(sampling.nowhere).toEqual([]);
    expect(gaps(intervals, ["s1"], 1_000, 2_000)).toEqual([]);
  });

  it("finds every sample that saw an agent nowhere inside a gap, and a gap after a kill as such", () => {
    const replicas: ReplicaRecord[] = [
      { instance: "a", events: [start("s1", 1_000, 1)], killedAt: 1_400 },
      { instance: "b", events: [start("s1", 2_250, 2), stop("s1", 2_700)] },
      { instance: "c", events: [start("s1", 2_700, 3)] },
    ];
    const intervals = runIntervals(replicas, 3_000);
    expect(overlaps(intervals)).toEqual([]);
    const holes = gaps(intervals, ["s1"], 1_000, 3_000);
    expect(holes).toEqual([{ agent: "s1", from: 1_400, to: 2_250, afterKill: true }]);
    const sampling = sample(intervals, ["s1"], 1_000, 3_000, 50);
    expect(sampling.nowhere.map((miss) => miss.at)).toEqual(Array.from({ length: 17 }, (_, i) => 1_400 + i * 50));
    for (const miss of sampling.nowhere) expect(holes.some((gap) => gap.from <= miss.at && miss.at <= gap.to)).toBe(true);
    expect(sampling.twice).toEqual([]);
  });
});
