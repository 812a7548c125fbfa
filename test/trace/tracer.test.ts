import { trace } from "@opentelemetry/api";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RECHECK_EVERY, tracerRegistered } from "../../src/trace/tracer.js";

afterEach(() => {
  vi.restoreAllMocks();
  trace.disable();
});

/** How many checks it takes `tracerRegistered()` to answer `expected` (at most `limit`; `limit + 1` when it never does). */
function checksUntil(expected: boolean, limit: number): number {
  for (let checks = 1; checks <= limit; checks++) if (tracerRegistered() === expected) return checks;
  return limit + 1;
}

describe("tracerRegistered: whether a tracer provider is registered, cheaply", () => {
  it("sees a provider registered through the API at the next check, and its removal at the next check after", () => {
    expect(tracerRegistered()).toBe(false);
    expect(tracerRegistered()).toBe(false);
    const provider = new BasicTracerProvider();
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    expect(tracerRegistered()).toBe(true);
    trace.disable();
    expect(tracerRegistered()).toBe(false);
  });

  it("sees a provider registered after trace.disable() (a new global proxy) within RECHECK_EVERY checks", () => {
    expect(tracerRegistered()).toBe(false);
    trace.disable();
    expect(trace.setGlobalTracerProvider(new BasicTracerProvider())).toBe(true);
    const checks = checksUntil(true, 10 * RECHECK_EVERY);
    expect(checks).toBeLessThanOrEqual(RECHECK_EVERY + 1);
    expect(tracerRegistered()).toBe(true);
  });

  it("reads the API's global provider once per RECHECK_EVERY checks while none is registered, not on every check", () => {
    tracerRegistered();
    const reads = vi.spyOn(trace, "getTracerProvider");
    for (let i = 0; i < 4 * RECHECK_EVERY; i++) expect(tracerRegistered()).toBe(false);
    expect(reads.mock.calls.length).toBeGreaterThanOrEqual(3);
    expect(reads.mock.calls.length).toBeLessThanOrEqual(5);
  });
});
