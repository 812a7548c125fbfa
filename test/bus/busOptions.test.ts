import { describe, expect, it } from "vitest";
import type { BusOptions, SubscribeOptions } from "../../src/bus/Bus.js";
import { createBus } from "../../src/bus/createBus.js";
import { DEFAULT_MAX_PENDING, DEFAULT_REQUEST_TIMEOUT_MS, checkSubscription, publishOptionsError, requestTimeout } from "../../src/bus/delivery/busOptions.js";
import { BusError } from "../../src/errors/BusError.js";
import { thrownBy } from "../helpers/thrown.js";

const thrown = (fn: () => unknown): BusError => thrownBy(BusError, fn);

describe("createBus options", () => {
  it.each<[string, unknown, string]>([
    ["options", 5, "expected options to be an object, got 5"],
    ["onError", "log", 'expected `onError` to be a function, got "log"'],
    ["random", 0.5, "expected `random` to be a function, got 0.5"],
    ["onDrop", {}, "expected `onDrop` to be a function, got {}"],
    ["tracing", "off", 'expected `tracing` to be a boolean, got "off"'],
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

describe("publishOptionsError: the options of a publish or request, as a table", () => {
  it.each<[string, unknown, string | undefined]>([
    ["no option", {}, undefined],
    ["a source and string headers", { source: "agent", headers: { a: "1", b: "" } }, undefined],
    ["options that are not an object", 5, "publish: expected options to be an object, got 5"],
    ["null options", null, "publish: expected options to be an object, got null"],
    ["an array", [], "publish: expected options to be an object, got []"],
    ["a source that is not a string", { source: 7 }, "publish: expected `source` to be a string, got 7"],
    ["headers that are an array", { headers: ["x"] }, 'publish: expected `headers` to be an object of string values, got ["x"]'],
    ["headers that are null", { headers: null }, "publish: expected `headers` to be an object of string values, got null"],
    ["a header value that is not a string", { headers: { a: "1", n: 2 } }, "publish: expected `headers.n` to be a string, got 2"],
  ])("%s", (_what, options, message) => {
    const error = publishOptionsError(options, "publish");
    if (message === undefined) {
      expect(error).toBeUndefined();
      return;
    }
    expect(error).toBeInstanceOf(BusError);
    expect(error?.code).toBe("INVALID_OPTION");
    expect(error?.message).toBe(message);
  });
});

describe("requestTimeout: a request's timeout, as a table", () => {
  it.each<[unknown, number | string]>([
    [undefined, DEFAULT_REQUEST_TIMEOUT_MS],
    [1, 1],
    [0.5, 0.5],
    [250, 250],
    [0, "got 0"],
    [-1, "got -1"],
    [Number.NaN, "got NaN"],
    [Number.POSITIVE_INFINITY, "got Infinity"],
    ["5s", 'got "5s"'],
  ])("timeoutMs %j gives %j", (timeoutMs, outcome) => {
    const result = requestTimeout(timeoutMs, "svc");
    if (typeof outcome === "number") {
      expect(result).toBe(outcome);
      return;
    }
    expect(result).toBeInstanceOf(BusError);
    expect(result).toMatchObject({ code: "INVALID_OPTION", topic: "svc", message: `request: expected \`timeoutMs\` to be a positive finite number of milliseconds, ${outcome}` });
  });
});

describe("checkSubscription: defaults", () => {
  it("fills concurrency 1, maxPending 10,000, overflow drop-oldest and no queue group", () => {
    const handler = (): undefined => undefined;
    expect(checkSubscription("a.*", handler, {})).toEqual({ handler, queue: undefined, concurrency: 1, maxPending: DEFAULT_MAX_PENDING, overflow: "drop-oldest", onError: undefined });
    expect(DEFAULT_MAX_PENDING).toBe(10_000);
    expect(checkSubscription("a.*", handler, undefined).concurrency).toBe(1);
  });
});
