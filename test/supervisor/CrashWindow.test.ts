import { describe, expect, test } from "vitest";
import { CrashWindow, slideCrashWindow } from "../../src/supervisor/CrashWindow.js";

describe("slideCrashWindow", () => {
  test.each<[string, number[], number, number, number[]]>([
    ["an empty window takes the crash", [], 1_000, 300, [1_000]],
    ["crashes inside the window stay", [800, 900], 1_000, 300, [800, 900, 1_000]],
    ["crashes at or before at − within leave", [600, 700, 900], 1_000, 300, [900, 1_000]],
    ["every crash expired", [100, 200], 1_000, 300, [1_000]],
    // after the wall clock steps back, a crash behind a later, unexpired one is kept: the window counts more, never fewer
    ["a step back keeps what stands behind an unexpired crash", [100, 20], 50, 25, [100, 20, 50]],
    ["a step back still drops an expired head", [10, 100, 20], 50, 25, [100, 20, 50]],
  ])("%s", (_what, times, at, within, expected) => {
    const before = [...times];
    expect(slideCrashWindow(times, at, within)).toEqual(expected);
    expect(times).toEqual(before); // pure
  });

  test("CrashWindow counts as slideCrashWindow slides, and count() trims the same expired head", () => {
    const window = new CrashWindow(25);
    expect(window.record(100)).toBe(1);
    expect(window.record(20)).toBe(2); // the clock stepped back
    expect(window.record(50)).toBe(3);
    expect(window.count(200)).toBe(0);
  });
});
