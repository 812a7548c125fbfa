import { describe, expect, it } from "vitest";
import { evaluateLiveness } from "../../src/observe/index.js";
import { FakeSource } from "../helpers/observe/FakeSource.js";

describe("evaluateLiveness", () => {
  it("is live while the loop ticked within the allowed number of intervals", async () => {
    const source = new FakeSource();
    source.add("risk", { critical: true, state: "backoff" });
    expect(evaluateLiveness(source, 3)).toMatchObject({ live: true, phase: "running", sinceLastTickMs: 0 });
    await source.clock.advance(3_000);
    expect(evaluateLiveness(source, 3)).toMatchObject({ live: true, sinceLastTickMs: 3_000 });
    source.clock.jump(1);
    expect(evaluateLiveness(source, 3)).toMatchObject({ live: false, sinceLastTickMs: 3_001 });
    source.lastTickAt = source.clock.now();
    expect(evaluateLiveness(source, 3).live).toBe(true);
  });

  it("ignores agents entirely", () => {
    const source = new FakeSource();
    source.add("risk", { critical: true, state: "failed" });
    expect(evaluateLiveness(source, 3).live).toBe(true);
  });

  it("scales the allowed gap with the loop interval and the tolerance", async () => {
    const source = new FakeSource();
    source.intervalMs = 250;
    await source.clock.advance(600);
    expect(evaluateLiveness(source, 3).live).toBe(true);
    expect(evaluateLiveness(source, 2).live).toBe(false);
  });

  it.each(["idle", "stopping"] as const)("is live while %s, without looking at the loop", (phase) => {
    const source = new FakeSource();
    source.currentPhase = phase;
    source.lastTickAt = 0;
    expect(evaluateLiveness(source, 3)).toEqual({ live: true, phase, sinceLastTickMs: undefined, time: source.clock.now() });
  });

  it.each(["starting", "failed"] as const)("follows the loop while %s (it runs from start() until shutdown)", async (phase) => {
    const source = new FakeSource();
    source.currentPhase = phase;
    expect(evaluateLiveness(source, 3)).toMatchObject({ live: true, phase, sinceLastTickMs: 0 });
    await source.clock.advance(3_001);
    expect(evaluateLiveness(source, 3)).toMatchObject({ live: false, phase, sinceLastTickMs: 3_001 });
  });

  it("is not live once stopped", () => {
    const source = new FakeSource();
    source.currentPhase = "stopped";
    expect(evaluateLiveness(source, 3)).toMatchObject({ live: false, sinceLastTickMs: undefined });
  });
});
