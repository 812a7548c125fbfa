import { describe, expect, it } from "vitest";
import { createBus } from "../../src/bus/createBus.js";
import type { Message } from "../../src/bus/Bus.js";
import { PendingRequest } from "../../src/bus/delivery/PendingRequest.js";
import { RequestMessage } from "../../src/bus/delivery/RequestMessage.js";
import { RequestTimeouts } from "../../src/bus/delivery/RequestTimeouts.js";
import { BusError } from "../../src/errors/BusError.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { gate, track } from "../helpers/promises.js";

describe("createBus: request", () => {
  it("times out after 5 s of the bus clock by default", async () => {
    const clock = new ManualClock();
    const bus = createBus({ clock });
    const hold = gate();
    bus.subscribe("slow", () => hold.promise.then(() => "late"));
    const request = track(bus.request("slow", 1));
    await clock.advance(4_999);
    expect(request.outcome).toBeUndefined();
    await clock.advance(1);
    const outcome = request.outcome as { error: BusError };
    expect(outcome.error).toBeInstanceOf(BusError);
    expect(outcome.error).toMatchObject({ code: "REQUEST_TIMEOUT", topic: "slow" });
    expect(outcome.error.message).toContain("5000 ms");
    hold.release();
    await bus.flush();
    expect(request.outcome).toBe(outcome);
  });

  it("clears its timer once answered", async () => {
    const clock = new ManualClock();
    const bus = createBus({ clock });
    bus.subscribe("echo", (message) => message.payload);
    expect(await bus.request("echo", "hi", { timeoutMs: 1_000 })).toBe("hi");
    expect(clock.pending).toBe(0);
  });

  it("counts falsy values other than undefined as replies", async () => {
    const bus = createBus();
    bus.subscribe("zero", () => 0);
    bus.subscribe("null", () => null);
    bus.subscribe("false", async () => false);
    expect(await bus.request("zero", 1)).toBe(0);
    expect(await bus.request("null", 1)).toBeNull();
    expect(await bus.request("false", 1)).toBe(false);
  });

  it("asks one member of a queue group only", async () => {
    const bus = createBus({ random: () => 0.9 });
    const asked: string[] = [];
    bus.subscribe("svc", () => void asked.push("a"), { queue: "pool" });
    bus.subscribe("svc", () => {
      asked.push("b");
      return "b";
    }, { queue: "pool" });
    expect(await bus.request("svc", 1)).toBe("b");
    await bus.flush();
    expect(asked).toEqual(["b"]);
  });

  it("rejects with NO_REPLY as soon as its deliveries are dropped", async () => {
    const clock = new ManualClock();
    const bus = createBus({ clock });
    const hold = gate();
    bus.subscribe("busy", () => hold.promise, { maxPending: 1, overflow: "drop-newest" });
    await bus.publish("busy", 0);
    await clock.advance(0);
    await bus.publish("busy", 1);
    await expect(bus.request("busy", 2, { timeoutMs: 60_000 })).rejects.toMatchObject({ code: "NO_REPLY" });
    expect(clock.pending).toBe(0);
    hold.release();
  });

  it("rejects with NO_REPLY when the pending request is dropped because its subscription is removed", async () => {
    const bus = createBus();
    const hold = gate();
    const sub = bus.subscribe("svc", () => hold.promise);
    await bus.publish("svc", 0);
    const request = bus.request("svc", 1, { timeoutMs: 60_000 });
    sub.unsubscribe();
    await expect(request).rejects.toMatchObject({ code: "NO_REPLY" });
    hold.release();
  });

  it("refuses a bad timeout or bad options with INVALID_OPTION", async () => {
    const bus = createBus();
    bus.subscribe("svc", () => 1);
    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, "100"]) {
      await expect(bus.request("svc", 1, { timeoutMs: timeoutMs as number })).rejects.toMatchObject({ code: "INVALID_OPTION" });
    }
    await expect(bus.request("svc", 1, { timeoutMs: -1 })).rejects.toThrow("expected `timeoutMs` to be a positive finite number of milliseconds, got -1");
    await expect(bus.request("svc", 1, { headers: { n: 1 as unknown as string } })).rejects.toThrow("expected `headers.n` to be a string, got 1");
  });

  it("carries source and headers to the responders", async () => {
    const bus = createBus();
    bus.subscribe("who", (message) => `${message.source ?? "?"}/${message.headers?.trace ?? "?"}`);
    expect(await bus.request("who", null, { source: "risk", headers: { trace: "t9" } })).toBe("risk/t9");
  });
});

describe("RequestMessage: a request's outcome from its deliveries, as a table", () => {
  // each delivery settles with a value (undefined: no reply); the request settles once
  it.each<[string, number, unknown[], { value: unknown } | { code: string } | "waiting", number]>([
    ["a reply from the only delivery", 1, [42], { value: 42 }, 1],
    ["no reply from the only delivery", 1, [undefined], { code: "NO_REPLY" }, 1],
    ["the first reply wins", 3, [undefined, "a", "b"], { value: "a" }, 2],
    ["every delivery without a reply", 3, [undefined, undefined, undefined], { code: "NO_REPLY" }, 3],
    ["still waiting for one delivery", 3, [undefined, undefined], "waiting", 2],
    ["null is a reply", 2, [null], { value: null }, 1],
  ])("%s", async (_what, deliveries, outcomes, expected, settledAfter) => {
    const clock = new ManualClock();
    const timeouts = new RequestTimeouts(clock, "clear", RequestMessage.timeoutEntries);
    const request = new RequestMessage("r-1", "svc", null, clock.now(), timeouts, deliveries);
    RequestMessage.startTimeout(request, 1_000, clock.now());
    expect(timeouts.size).toBe(1);
    const finished = outcomes.map((value) => RequestMessage.settle(request, value));
    // the request says it wants no more from the delivery that settled it on
    expect(finished.indexOf(true)).toBe(expected === "waiting" ? -1 : settledAfter - 1);
    const state = track(RequestMessage.result(request));
    await Promise.resolve();
    if (expected === "waiting") {
      expect(state.outcome).toBeUndefined();
      expect(RequestMessage.done(request)).toBe(false);
      expect(timeouts.size).toBe(1);
      expect(clock.pending).toBe(1);
      return;
    }
    expect(RequestMessage.done(request)).toBe(true);
    // a settled request leaves the timeouts at once, and the last one takes the timer with it
    expect(timeouts.size).toBe(0);
    expect(clock.pending).toBe(0);
    if ("value" in expected) expect(state.outcome).toEqual({ value: expected.value });
    else expect(state.outcome).toEqual({ error: expect.objectContaining({ code: expected.code, topic: "svc" }) });
  });

  it("times out on the injected clock, once, and a late reply changes nothing", async () => {
    const clock = new ManualClock();
    const timeouts = new RequestTimeouts(clock, "clear", RequestMessage.timeoutEntries);
    const request = new RequestMessage("r-1", "svc", null, clock.now(), timeouts, 1);
    RequestMessage.startTimeout(request, 100, clock.now());
    const state = track(RequestMessage.result(request));
    await clock.advance(99);
    expect(state.outcome).toBeUndefined();
    await clock.advance(1);
    expect(state.outcome).toEqual({ error: expect.objectContaining({ code: "REQUEST_TIMEOUT", message: 'No reply to request on "svc" within 100 ms' }) });
    expect(RequestMessage.settle(request, "late")).toBe(true);
    await Promise.resolve();
    expect(state.outcome).toEqual({ error: expect.objectContaining({ code: "REQUEST_TIMEOUT" }) });
    expect(clock.pending).toBe(0);
  });

  it("starts no timeout for a request settled before its timeout starts", () => {
    const clock = new ManualClock();
    const timeouts = new RequestTimeouts(clock, "clear", RequestMessage.timeoutEntries);
    const request = new RequestMessage("r-1", "svc", null, clock.now(), timeouts, 1);
    RequestMessage.settle(request, 1);
    RequestMessage.startTimeout(request, 100, clock.now());
    expect(timeouts.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it("shows handlers a message with the fields of any message and nothing more", async () => {
    const bus = createBus();
    const seen: Message[] = [];
    bus.subscribe("svc", (message) => {
      seen.push(message);
      return 1;
    });
    await bus.request("svc", { n: 1 }, { source: "risk" });
    const message = seen[0] as Message;
    expect(Object.keys(message)).toEqual(["id", "topic", "payload", "timestamp", "source"]);
    expect(JSON.parse(JSON.stringify(message))).toEqual({ id: message.id, topic: "svc", payload: { n: 1 }, timestamp: message.timestamp, source: "risk" });
    expect({ ...message }).toEqual({ id: message.id, topic: "svc", payload: { n: 1 }, timestamp: message.timestamp, source: "risk" });
  });
});

describe("PendingRequest: a networked bus's request, with a timer of its own", () => {
  it("times out on the injected clock, once, and ends once", async () => {
    const clock = new ManualClock();
    let ended = 0;
    const request = new PendingRequest("svc", clock, () => void ended++);
    request.startTimeout(100);
    const state = track(request.result);
    await clock.advance(100);
    expect(state.outcome).toEqual({ error: expect.objectContaining({ code: "REQUEST_TIMEOUT", message: 'No reply to request on "svc" within 100 ms' }) });
    request.resolve("late");
    expect(ended).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it("starts no timer for a request settled before its timeout starts", () => {
    const clock = new ManualClock();
    const request = new PendingRequest("svc", clock, () => undefined);
    request.resolve(1);
    request.startTimeout(100);
    expect(clock.pending).toBe(0);
  });
});
