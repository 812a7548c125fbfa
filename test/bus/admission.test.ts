import type { Mock } from "vitest";
import { describe, expect, it, vi } from "vitest";
import { AgentBus } from "../../src/agent/AgentBus.js";
import type { Admission, AdmittingOptions } from "../../src/bus/admission.js";
import { ADMIT } from "../../src/bus/admission.js";
import type { Bus, Message, SubscribeOptions } from "../../src/bus/Bus.js";
import { createBus } from "../../src/bus/createBus.js";
import { checkSubscription } from "../../src/bus/delivery/busOptions.js";
import { Subscriber } from "../../src/bus/delivery/Subscriber.js";
import { RouteTable } from "../../src/bus/RouteTable.js";
import { validatePattern } from "../../src/bus/topic.js";
import { BusError } from "../../src/errors/BusError.js";
import { AgentCounters } from "../../src/stats/AgentCounters.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

/** Subscribe options carrying the internal `ADMIT` check (typed as the public options, as a caller passes them). */
function admitting(check: Admission, more: SubscribeOptions = {}): SubscribeOptions {
  const options: SubscribeOptions & AdmittingOptions = { ...more, [ADMIT]: check };
  return options;
}

/** A check refusing the payload `"bad"` with its own error, recording what it was asked. */
function refusingBad(pattern = "t"): { check: Mock<Admission>; error: BusError } {
  const error = new BusError("PAYLOAD_INVALID", `the subscription ${JSON.stringify(pattern)} cannot take this payload`, { topic: pattern });
  const check = vi.fn<Admission>((payload) => (payload === "bad" ? error : undefined));
  return { check, error };
}

/** A handler recording the payloads it gets. */
function recorder(): { got: unknown[]; handler: (message: Message) => void } {
  const got: unknown[] = [];
  return { got, handler: (message) => void got.push(message.payload) };
}

function subscriber(id: number, pattern: string, admit?: Admission): Subscriber {
  return new Subscriber({ id, pattern, tokens: validatePattern(pattern), handler: () => undefined, queue: undefined, concurrency: 1, maxPending: 10, overflow: "drop-oldest", onError: undefined, admit });
}

describe("in-process bus: the ADMIT subscription option", () => {
  it("a refusing admission rejects the publish with its error and queues the message for no subscriber", async () => {
    const bus = createBus();
    const plain = recorder();
    const guarded = recorder();
    const { check, error } = refusingBad();
    bus.subscribe("t", plain.handler);
    bus.subscribe("t", guarded.handler, admitting(check));
    const before = bus.stats();
    await expect(bus.publish("t", "bad")).rejects.toBe(error);
    await expect(bus.flush()).resolves.toBeUndefined();
    expect(plain.got).toEqual([]);
    expect(guarded.got).toEqual([]);
    expect(bus.stats()).toEqual(before);
    expect(check).toHaveBeenCalledWith("bad", "t");
  });

  it("a refusing admission rejects the request with its error and sends it to no responder", async () => {
    const bus = createBus();
    const asked: unknown[] = [];
    const { check, error } = refusingBad();
    bus.subscribe("t", (message) => {
      asked.push(message.payload);
      return "from plain";
    });
    bus.subscribe("t", () => "from guarded", admitting(check));
    const before = bus.stats();
    await expect(bus.request("t", "bad")).rejects.toBe(error);
    await expect(bus.flush()).resolves.toBeUndefined();
    expect(asked).toEqual([]);
    expect(bus.stats()).toEqual(before);
    await expect(bus.request("t", "good")).resolves.toBe("from plain");
    expect(asked).toEqual(["good"]);
  });

  it("an admission that accepts lets the message through to every subscriber, asked once per message with its payload and topic", async () => {
    const bus = createBus();
    const plain = recorder();
    const guarded = recorder();
    const check = vi.fn<Admission>(() => undefined);
    bus.subscribe("a.*", guarded.handler, admitting(check));
    bus.subscribe("a.b", plain.handler);
    await bus.publish("a.b", 1);
    await bus.publish("a.c", 2);
    await bus.flush();
    expect(guarded.got).toEqual([1, 2]);
    expect(plain.got).toEqual([1]);
    expect(check.mock.calls).toEqual([
      [1, "a.b"],
      [2, "a.c"],
    ]);
    expect(bus.stats()).toMatchObject({ published: 2, delivered: 3 });
  });

  it("the first refusing subscription, in subscription order, gives the error", async () => {
    const bus = createBus();
    const first = refusingBad("t");
    const second = refusingBad("*");
    bus.subscribe("*", () => undefined, admitting(second.check));
    bus.subscribe("t", () => undefined, admitting(first.check));
    await expect(bus.publish("t", "bad")).rejects.toBe(second.error);
    expect(first.check).not.toHaveBeenCalled();
  });

  it("a queue-group member's admission is asked whichever member is chosen: the refusal never depends on the draw", async () => {
    const draws = [0.9, 0.1, 0.9];
    const bus = createBus({ random: () => draws.shift() ?? 0 });
    const plain = recorder();
    const picky = recorder();
    const easy = recorder();
    const refuseAll = new BusError("PAYLOAD_INVALID", "refused", { topic: "t" });
    const check = vi.fn<Admission>((payload) => (payload === "bad" ? refuseAll : undefined));
    bus.subscribe("t", plain.handler);
    bus.subscribe("t", picky.handler, admitting(check, { queue: "g" }));
    bus.subscribe("t", easy.handler, { queue: "g" });
    await expect(bus.publish("t", "bad")).rejects.toBe(refuseAll); // 0.9 would choose the second member
    await expect(bus.publish("t", "bad")).rejects.toBe(refuseAll); // 0.1 would choose the first
    await expect(bus.request("t", "bad")).rejects.toBe(refuseAll);
    await bus.publish("t", 1); // admitted: 0 chooses the first member
    await bus.publish("t", 2); // 0 again
    expect(check.mock.calls).toEqual([
      ["bad", "t"],
      ["bad", "t"],
      ["bad", "t"],
      [1, "t"],
      [2, "t"],
    ]);
    await bus.flush();
    expect(plain.got).toEqual([1, 2]);
    expect(picky.got).toEqual([1, 2]);
    expect(easy.got).toEqual([]);
  });

  it("of a queue group with a thread-like member and an in-process member, the same uncopyable payload is refused every time", async () => {
    const bus = createBus();
    bus.subscribe("q.x", () => undefined, { queue: "w" });
    bus.subscribe("q.x", () => undefined, admitting((payload) => (typeof (payload as { f?: unknown }).f === "function" ? new BusError("PAYLOAD_INVALID", "refused") : undefined), { queue: "w" }));
    const outcomes = new Set<string>();
    for (let i = 0; i < 50; i++) outcomes.add(await bus.publish("q.x", { f: () => 1 }).then(() => "accepted", (error: BusError) => error.code));
    expect([...outcomes]).toEqual(["PAYLOAD_INVALID"]);
  });

  it("unsubscribing the admitting subscription makes the route direct again: messages flow and the check is no longer asked", async () => {
    const bus = createBus();
    const plain = recorder();
    const { check } = refusingBad();
    bus.subscribe("t", plain.handler);
    const guarded = bus.subscribe("t", () => undefined, admitting(check));
    await expect(bus.publish("t", "bad")).rejects.toMatchObject({ code: "PAYLOAD_INVALID" });
    void guarded.unsubscribe();
    check.mockClear();
    await bus.publish("t", "bad");
    await expect(bus.request("t", "bad")).rejects.toMatchObject({ code: "NO_REPLY" });
    await bus.flush();
    expect(plain.got).toEqual(["bad", "bad"]);
    expect(check).not.toHaveBeenCalled();
  });

  it("a route with an admitting subscription is not direct, and is direct again once it is removed", () => {
    const table = new RouteTable(() => 0);
    const plain = subscriber(0, "a.b");
    const guarded = subscriber(1, "a.*", () => undefined);
    table.add(plain);
    expect(table.find("a.b").direct).toBe(true);
    table.add(guarded);
    expect(table.find("a.b").direct).toBe(false);
    expect(table.find("a.c").direct).toBe(false);
    expect(table.find("x").direct).toBe(true);
    table.remove(guarded);
    expect(table.find("a.b").direct).toBe(true);
  });

  it("applies to a subscription made through an agent's view (AgentBus), for publishes from the bus and from the view", async () => {
    const bus: Bus = createBus({ clock: new ManualClock(0) });
    const crashes: unknown[] = [];
    const agentBus = new AgentBus(bus, "worker", new AgentCounters(), { onHandlerError: (error) => crashes.push(error) });
    const plain = recorder();
    const viewed = recorder();
    const { check, error } = refusingBad();
    bus.subscribe("t", plain.handler);
    agentBus.subscribe("t", viewed.handler, admitting(check, { maxPending: 5 }));
    await expect(bus.publish("t", "bad")).rejects.toBe(error);
    await expect(agentBus.publish("t", "bad")).rejects.toBe(error);
    await expect(agentBus.request("t", "bad")).rejects.toBe(error);
    await bus.publish("t", "good");
    await bus.flush();
    expect(plain.got).toEqual(["good"]);
    expect(viewed.got).toEqual(["good"]);
    expect(crashes).toEqual([]);
    await agentBus.close(); // the view's subscriptions end with it: the route is direct again
    await bus.publish("t", "bad");
    await bus.flush();
    expect(plain.got).toEqual(["good", "bad"]);
  });

  it("a check that throws refuses with PAYLOAD_INVALID naming the subscription, and the bus keeps routing", async () => {
    const draws = [0.1, 0.9];
    const bus = createBus({ random: () => draws.shift() ?? 0 });
    const plain = recorder();
    const failure = new Error("cannot tell");
    const throwing: Admission = (payload) => {
      if (payload === 1) throw failure;
      return undefined;
    };
    bus.subscribe("t", plain.handler);
    bus.subscribe("t", () => undefined, admitting(throwing, { queue: "g" }));
    bus.subscribe("t", () => undefined, { queue: "g" });
    const refused = await bus.publish("t", 1).catch((error: unknown) => error); // the check throws whichever member is chosen
    expect(refused).toMatchObject({ code: "PAYLOAD_INVALID", topic: "t", cause: failure });
    expect((refused as Error).message).toMatch(/admission check of the subscription "t" threw/);
    await bus.publish("t", 2); // admitted: 0.9 chooses the other member
    await bus.flush();
    expect(plain.got).toEqual([2]);
    expect(bus.stats()).toMatchObject({ published: 1, delivered: 2 });
  });

  it("the subscription checks accept the symbol key, and refuse a check that is not a function", () => {
    const check: Admission = () => undefined;
    expect(checkSubscription("t", () => undefined, { [ADMIT]: check })).toMatchObject({ concurrency: 1, overflow: "drop-oldest" });
    // an invalid option beside it goes through the full checks, which name that option and not the symbol key
    expect(() => checkSubscription("t", () => undefined, { [ADMIT]: check, maxPending: 0.5 })).toThrow(/`maxPending`/);
    const bus = createBus();
    const notAFunction = { [ADMIT]: "yes" } as unknown as SubscribeOptions;
    expect(() => bus.subscribe("t", () => undefined, notAFunction)).toThrow(expect.objectContaining({ code: "INVALID_OPTION", topic: "t" }));
    expect(bus.patterns()).toEqual([]);
  });
});
