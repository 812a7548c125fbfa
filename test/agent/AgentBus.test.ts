import { describe, expect, test } from "vitest";
import { AgentBus } from "../../src/agent/AgentBus.js";
import type { Bus } from "../../src/bus/Bus.js";
import { createBus } from "../../src/bus/createBus.js";
import { AgentCounters } from "../../src/stats/AgentCounters.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

function view(): { bus: Bus; agentBus: AgentBus; crashes: unknown[] } {
  const bus = createBus({ clock: new ManualClock(0) });
  const crashes: unknown[] = [];
  const agentBus = new AgentBus(bus, "feed", new AgentCounters(), { onHandlerError: (error) => crashes.push(error) });
  return { bus, agentBus, crashes };
}

describe("AgentBus", () => {
  test("keeps count of its live subscriptions whatever order they end in", async () => {
    const { bus, agentBus } = view();
    const got: string[] = [];
    const subs = ["a", "b", "c", "d"].map((topic) => agentBus.subscribe(topic, () => void got.push(topic)));
    expect(agentBus.subscriptionCount).toBe(4);
    await subs[1]?.unsubscribe();
    await subs[1]?.unsubscribe(); // idempotent
    expect(agentBus.subscriptionCount).toBe(3);
    await subs[3]?.unsubscribe();
    expect(agentBus.subscriptionCount).toBe(2);
    for (const topic of ["a", "b", "c", "d"]) await bus.publish(topic, 1);
    await bus.flush();
    expect(got).toEqual(["a", "c"]);
  });

  test("a detached unsubscribe ends the subscription, and a refused subscribe leaves the view's list as it was", async () => {
    const { bus, agentBus } = view();
    const got: string[] = [];
    const a = agentBus.subscribe("a", () => void got.push("a"));
    expect(() => agentBus.subscribe("bad..topic", () => undefined)).toThrow(expect.objectContaining({ code: "INVALID_TOPIC" }));
    const b = agentBus.subscribe("b", () => void got.push("b"));
    expect(agentBus.subscriptionCount).toBe(2);
    const { unsubscribe } = a;
    await unsubscribe();
    expect(agentBus.subscriptionCount).toBe(1);
    await bus.publish("a", 1);
    await bus.publish("b", 1);
    await bus.flush();
    expect(got).toEqual(["b"]);
    await agentBus.close();
    expect(agentBus.subscriptionCount).toBe(0);
    await b.unsubscribe();
    await bus.publish("b", 2);
    await bus.flush();
    expect(got).toEqual(["b"]);
  });

  test("close() ends every subscription still held, and a handle ended before is left alone", async () => {
    const { bus, agentBus } = view();
    const got: string[] = [];
    const subs = ["a", "b", "c"].map((topic) => agentBus.subscribe(topic, () => void got.push(topic)));
    await subs[0]?.unsubscribe();
    await agentBus.close();
    expect(agentBus.subscriptionCount).toBe(0);
    await subs[2]?.unsubscribe(); // after close: nothing left to do
    for (const topic of ["a", "b", "c"]) await bus.publish(topic, 1);
    await bus.flush();
    expect(got).toEqual([]);
    expect(() => agentBus.subscribe("d", () => undefined)).toThrow(expect.objectContaining({ code: "BUS_CLOSED" }));
  });

  test("a handler error goes to the view's hooks unless the subscription has its own onError", async () => {
    const { bus, agentBus, crashes } = view();
    const own: unknown[] = [];
    agentBus.subscribe("a", () => {
      throw new Error("a");
    });
    agentBus.subscribe("b", () => {
      throw new Error("b");
    }, { onError: (error) => own.push(error) });
    await bus.publish("a", 1);
    await bus.publish("b", 1);
    await bus.flush();
    expect(crashes.map((e) => (e as Error).message)).toEqual(["a"]);
    expect(own.map((e) => (e as Error).message)).toEqual(["b"]);
  });
});
