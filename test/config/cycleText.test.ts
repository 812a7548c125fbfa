import { describe, expect, test } from "vitest";
import { CYCLE_NAMES_SHOWN, cycleText } from "../../src/config/cycleText.js";

describe("cycleText", () => {
  test.each<[string, string[], string]>([
    ["a self-cycle", ["a"], "a → a"],
    ["a short cycle, whole", ["a", "b", "c"], "a → b → c → a"],
    ["exactly the names shown, whole", Array.from({ length: CYCLE_NAMES_SHOWN }, (_, i) => `n${i}`), "n0 → n1 → n2 → n3 → n4 → n5 → n6 → n7 → n8 → n9 → n0"],
    ["one more: the last counted", Array.from({ length: CYCLE_NAMES_SHOWN + 1 }, (_, i) => `n${i}`), "n0 → n1 → n2 → n3 → n4 → n5 → n6 → n7 → n8 → n9 → … and 1 more → n0"],
    ["no names", [], ""],
  ])("%s", (_what, cycle, text) => {
    expect(cycleText(cycle)).toBe(text);
  });

  test("stays short for a cycle of 5,000 names", () => {
    const text = cycleText(Array.from({ length: 5_000 }, (_, i) => `agent_${i}`));
    expect(text).toContain("… and 4990 more → agent_0");
    expect(text.length).toBeLessThan(200);
  });
});
