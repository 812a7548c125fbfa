import { describe, expect, it } from "vitest";
import { SchedulerScope } from "../../src/schedule/SchedulerScope.js";
import { TimeZone } from "../../src/schedule/TimeZone.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

describe("SchedulerScope", () => {
  const scope = () => new SchedulerScope(new ManualClock(1_000), new TimeZone("Europe/London"));

  it("reads the scheduler's clock", () => {
    expect(scope().now()).toBe(1_000);
  });

  it("gives the default zone for a trigger naming none, and reads each named zone once", () => {
    const s = scope();
    expect(s.zone(undefined).name).toBe("Europe/London");
    const tokyo = s.zone("Asia/Tokyo");
    expect(tokyo.name).toBe("Asia/Tokyo");
    expect(s.zone("Asia/Tokyo")).toBe(tokyo);
    expect(() => s.zone("Mars/Olympus")).toThrow(RangeError);
  });

  it("derives a value once per key, and keeps nothing when deriving it throws", () => {
    const s = scope();
    let calls = 0;
    const make = () => ({ n: ++calls });
    const first = s.memo("a", make);
    expect(s.memo("a", make)).toBe(first);
    expect(s.memo("b", make)).toEqual({ n: 2 });
    expect(() =>
      s.memo("c", () => {
        throw new Error("no");
      }),
    ).toThrow("no");
    expect(s.memo("c", make)).toEqual({ n: 3 });
  });
});
