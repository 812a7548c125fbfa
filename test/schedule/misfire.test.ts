import { describe, expect, it } from "vitest";
import { firesLatest } from "../../src/schedule/misfire.js";
import type { MisfirePolicy } from "../../src/schedule/ScheduleSpec.js";

describe("firesLatest", () => {
  const cases: Array<[lateMs: number, misfire: MisfirePolicy, grace: number, fires: boolean]> = [
    [0, "skip", 1_000, true],
    [1_000, "skip", 1_000, true],
    [1_001, "skip", 1_000, false],
    [1_001, "once", 1_000, true],
    [600_500, "skip", 200, false],
    [600_500, "once", 200, true],
    [0, "skip", 0, true],
    [1, "skip", 0, false],
  ];
  it.each(cases)("a slot found %i ms late with misfire %s and a grace of %i ms runs: %s", (lateMs, misfire, grace, fires) => {
    expect(firesLatest(lateMs, misfire, grace)).toBe(fires);
  });
});
