import { describe, expect, it } from "vitest";
import { DueSlots } from "../../src/schedule/DueSlots.js";

describe("DueSlots", () => {
  it("counts the regular slots after an instant arithmetically", () => {
    const due = new DueSlots();
    due.first = 1_000;
    due.latest = 10_000;
    due.period = 1_000;
    due.count = 10;
    expect(due.countAfter(0)).toBe(10);
    expect(due.countAfter(1_000)).toBe(9);
    expect(due.countAfter(4_500)).toBe(6);
    expect(due.countAfter(9_999)).toBe(1);
    expect(due.countAfter(10_000)).toBe(0);
  });

  it("counts listed slots after an instant, including unlisted ones when capped", () => {
    const due = new DueSlots();
    due.list.push(10, 20, 30);
    due.first = 10;
    due.latest = 90;
    due.count = 4;
    due.capped = true;
    expect(due.countAfter(5)).toBe(4);
    expect(due.countAfter(20)).toBe(2);
    expect(due.countAfter(30)).toBe(1);
    expect(due.countAfter(90)).toBe(0);
    due.reset();
    expect(due.list).toEqual([]);
    expect(due.capped).toBe(false);
    due.single(50);
    expect(due.countAfter(49)).toBe(1);
    expect(due.countAfter(50)).toBe(0);
  });
});
