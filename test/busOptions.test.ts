import { describe, expect, it } from "vitest";
import type { BusOptions, SubscribeOptions } from "../src/bus/Bus.js";
import { createBus } from "../src/bus/createBus.js";
import { BusError } from "../src/errors/BusError.js";

function thrown(fn: () => unknown): BusError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BusError) return error;
    throw error;
  }
  throw new Error("expected a BusError");
}

describe("createBus options", () => {
  it.each<[string, unknown, string]>([
    ["options", 5, "expected options to be an object, got 5"],
    ["onError", "log", 'expected `onError` to be a function, got "log"'],
    ["random", 0.5, "expected `random` to be a function, got 0.5"],
    ["onDrop", {}, "expected `onDrop` to be a function, got {}"],
    ["clock", { now: () => 0 }, "expected `clock` to be a Clock (an object with now(), setTimeout(fn, ms) and clearTimeout(handle)), got {}"],
  ])("refuses a bad `%s` with INVALID_OPTION", (key, value, message) => {
    const options = (key === "options" ? value : { [key]: value }) as BusOptions;
    const error = thrown(() => createBus(options));
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.message).toBe(`createBus: ${message}`);
  });
});

describe("subscribe options", () => {
  it.each<[keyof SubscribeOptions | "options", unknown, string]>([
    ["options", null, "expected options to be an object, got null"],
    ["queue", "", 'expected `queue` to be a non-empty queue group name without whitespace, got ""'],
    ["queue", "my group", 'expected `queue` to be a non-empty queue group name without whitespace, got "my group"'],
    ["concurrency", 0, "expected `concurrency` to be a positive integer, got 0"],
    ["concurrency", 1.5, "expected `concurrency` to be a positive integer, got 1.5"],
    ["maxPending", -1, "expected `maxPending` to be a positive integer, got -1"],
    ["maxPending", Number.POSITIVE_INFINITY, "expected `maxPending` to be a positive integer, got Infinity"],
    ["overflow", "drop", "expected `overflow` to be one of 'drop-oldest', 'drop-newest', 'error', got \"drop\""],
    ["onError", true, "expected `onError` to be a function, got true"],
  ])("refuses a bad `%s` (%j) with INVALID_OPTION naming the pattern", (key, value, message) => {
    const bus = createBus();
    const options = (key === "options" ? value : { [key]: value }) as SubscribeOptions;
    const error = thrown(() => bus.subscribe("prices.*", () => undefined, options));
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.message).toBe(`subscribe("prices.*"): ${message}`);
    expect(bus.patterns()).toEqual([]);
  });

  it("refuses a handler that is not a function", () => {
    const bus = createBus();
    const error = thrown(() => bus.subscribe("t", "handler" as unknown as () => void));
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.message).toContain("expected `handler` to be a function");
  });
});

describe("publish options", () => {
  it("refuses bad headers and source with INVALID_OPTION and queues nothing", async () => {
    const bus = createBus();
    let calls = 0;
    bus.subscribe("t", () => void calls++);
    await expect(bus.publish("t", 1, { headers: ["x"] as unknown as Record<string, string> })).rejects.toThrow(
      'publish: expected `headers` to be an object of string values, got ["x"]',
    );
    await expect(bus.publish("t", 1, { source: 7 as unknown as string })).rejects.toMatchObject({ code: "INVALID_OPTION" });
    await bus.flush();
    expect(calls).toBe(0);
    expect(bus.stats().published).toBe(0);
  });
});
