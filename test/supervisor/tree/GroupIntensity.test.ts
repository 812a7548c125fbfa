import { describe, expect, test } from "vitest";
import { GroupIntensity, type IntensityLimit } from "../../../src/supervisor/tree/GroupIntensity.js";

const T = 1_767_600_000_000;
const SEC = 1_000;

interface Row {
  readonly limit: IntensityLimit;
  /** Restart times, offsets from T. */
  readonly restarts: readonly number[];
  /** What each `record` returns. */
  readonly over: readonly boolean[];
  /** `history()` after the last restart, offsets from T. */
  readonly history: readonly number[];
}

const rows: Record<string, Row> = {
  "exactly maxRestarts restarts inside the window do not fail": { limit: { maxRestarts: 3, within: 10 * SEC }, restarts: [0, SEC, 2 * SEC], over: [false, false, false], history: [0, SEC, 2 * SEC] },
  "one more than maxRestarts fails": { limit: { maxRestarts: 3, within: 10 * SEC }, restarts: [0, SEC, 2 * SEC, 3 * SEC], over: [false, false, false, true], history: [0, SEC, 2 * SEC, 3 * SEC] },
  "maxRestarts 0 fails on the first restart": { limit: { maxRestarts: 0, within: 10 * SEC }, restarts: [0], over: [true], history: [0] },
  "restarts older than within expire": { limit: { maxRestarts: 1, within: 10 * SEC }, restarts: [0, 11 * SEC, 22 * SEC], over: [false, false, false], history: [22 * SEC] },
  "a restart exactly within ago has expired (the window is (at − within, at])": { limit: { maxRestarts: 1, within: 10 * SEC }, restarts: [0, 10 * SEC], over: [false, false], history: [10 * SEC] },
  "a restart 1 ms less than within ago still counts": { limit: { maxRestarts: 1, within: 10 * SEC }, restarts: [0, 10 * SEC - 1], over: [false, true], history: [0, 10 * SEC - 1] },
  "restarts at the same instant all count": { limit: { maxRestarts: 2, within: SEC }, restarts: [5, 5, 5], over: [false, false, true], history: [5, 5, 5] },
  "after a fail the window keeps sliding: old restarts expire and the group is under again": {
    limit: { maxRestarts: 1, within: 10 * SEC },
    restarts: [0, SEC, 9 * SEC, 20 * SEC],
    over: [false, true, true, false],
    history: [20 * SEC],
  },
};

describe("GroupIntensity", () => {
  test.each(Object.entries(rows))("%s", (_what, row) => {
    const intensity = new GroupIntensity(row.limit);
    expect(row.restarts.map((offset) => intensity.record(T + offset))).toEqual(row.over);
    expect(intensity.history()).toEqual(row.history.map((offset) => T + offset));
  });

  test("clear() forgets every restart: the next one counts alone", () => {
    const intensity = new GroupIntensity({ maxRestarts: 1, within: 10 * SEC });
    intensity.record(T);
    expect(intensity.record(T + 1)).toBe(true);
    intensity.clear();
    expect(intensity.history()).toEqual([]);
    expect(intensity.record(T + 2)).toBe(false);
    expect(intensity.history()).toEqual([T + 2]);
    expect(intensity.record(T + 3)).toBe(true);
  });

  test("without a limit the group never fails and keeps nothing", () => {
    const intensity = new GroupIntensity();
    for (let index = 0; index < 1_000; index++) expect(intensity.record(T + index)).toBe(false);
    expect(intensity.history()).toEqual([]);
    intensity.clear();
    expect(intensity.history()).toEqual([]);
  });

  test("history() is a snapshot: a later record does not change it", () => {
    const intensity = new GroupIntensity({ maxRestarts: 5, within: 10 * SEC });
    intensity.record(T);
    const before = intensity.history();
    intensity.record(T + SEC);
    expect(before).toEqual([T]);
    expect(intensity.history()).toEqual([T, T + SEC]);
  });

  test.each<[string, IntensityLimit, RegExp]>([
    ["a negative maxRestarts", { maxRestarts: -1, within: SEC }, /`intensity.maxRestarts`.*-1/],
    ["a fractional maxRestarts", { maxRestarts: 1.5, within: SEC }, /`intensity.maxRestarts`.*1\.5/],
    ["a zero within", { maxRestarts: 1, within: 0 }, /`intensity.within`.*0/],
    ["a NaN within", { maxRestarts: 1, within: Number.NaN }, /`intensity.within`.*NaN/],
  ])("%s is a RangeError naming the field", (_what, limit, message) => {
    expect(() => new GroupIntensity(limit)).toThrow(RangeError);
    expect(() => new GroupIntensity(limit)).toThrow(message);
  });
});
