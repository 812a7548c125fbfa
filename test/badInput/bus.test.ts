import { describe, expect, test } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import { createBus } from "../../src/bus/createBus.js";
import { MAX_TOPIC_LENGTH } from "../../src/bus/topic.js";
import { BusError } from "../../src/errors/BusError.js";
import { jsonCodec } from "../../src/wire/PayloadCodec.js";
import { FakeBus } from "../../src/testing/FakeBus.js";
import { recordEvents, scriptedAgent, setup } from "../helpers/orchestrator.js";
import { trackUnhandled } from "../helpers/noUnhandled.js";

// Malformed topics and patterns, and payloads that could not be cloned or serialised.

const unhandled = trackUnhandled();

const BAD_TOPICS: ReadonlyArray<readonly [topic: unknown, why: string]> = [
  ["", "it is empty"],
  ["a..b", "token 2 is empty"],
  [".a", "token 1 is empty"],
  ["a.", "token 2 is empty"],
  ["prices AAPL", 'contains " "'],
  ["prices/AAPL", 'contains "/"'],
  ["prix.é", 'contains "é"'],
  ["orders.*", "wildcards are only allowed in subscription patterns"],
  ["orders.>", "wildcards are only allowed in subscription patterns"],
  [42, "got 42"],
  [undefined, "got undefined"],
];

const BAD_PATTERNS: ReadonlyArray<readonly [pattern: unknown, why: string]> = [
  ["", "it is empty"],
  ["orders.>.x", '">" (token 2) must be the last token'],
  ["orders.b*", "a wildcard must be a whole token"],
  ["a b", 'contains " "'],
  [null, "got null"],
];

describe("bad input: malformed topics and patterns", () => {
  test.each(BAD_TOPICS)("publishing on %j rejects with INVALID_TOPIC (%s) and delivers nothing", async (topic, why) => {
    const bus = createBus();
    const seen: unknown[] = [];
    bus.subscribe(">", (m) => void seen.push(m));
    const before = bus.stats?.();
    const error = await bus.publish(topic as string, 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BusError);
    expect(error).toMatchObject({ code: "INVALID_TOPIC" });
    expect((error as Error).message).toContain(why);
    if (typeof topic === "string") expect((error as Error).message).toContain(JSON.stringify(topic));
    await expect(bus.request(topic as string, 1)).rejects.toMatchObject({ code: "INVALID_TOPIC" });
    await bus.flush();
    expect(seen).toEqual([]);
    expect(bus.stats?.().published).toBe(before?.published);
    await bus.close();
  });

  test.each(BAD_PATTERNS)("subscribing to %j throws INVALID_TOPIC (%s) and subscribes nothing", async (pattern, why) => {
    const bus = createBus();
    expect(() => bus.subscribe(pattern as string, () => undefined)).toThrow(expect.objectContaining({ code: "INVALID_TOPIC", message: expect.stringContaining(why) as unknown }));
    expect(bus.patterns()).toEqual([]);
    await bus.close();
  });

  test("an agent publishing on a malformed topic gets a rejection, not a crash; a malformed pattern in start() is a start crash naming it", async () => {
    const outcomes: unknown[] = [];
    class Publisher extends Agent {
      static readonly agentName = "publisher";
      override async start(): Promise<void> {
        await this.bus.publish("orders..new", 1).catch((error: unknown) => void outcomes.push(error));
      }
    }
    const { Agent: Subscriber } = scriptedAgent("subscriber", { start: (agent) => void agent.bus.subscribe("orders.>.all", () => undefined) });
    const { orch } = setup({ agents: [Publisher, Subscriber] });
    const events = recordEvents(orch);
    await orch.start();
    expect(outcomes).toMatchObject([{ code: "INVALID_TOPIC", message: expect.stringContaining('"orders..new"') as unknown }]);
    expect(orch.agent("publisher")?.state).toBe("running");
    expect(events["agent:crash"]).toMatchObject([{ agent: "subscriber", reason: "start" }]);
    expect((events["agent:crash"][0]?.error as Error).message).toContain('Invalid pattern "orders.>.all"');
    await orch.shutdown();
    expect(unhandled.errors).toEqual([]);
  });

  test("a topic over 1,024 characters is refused through an agent's bus as on any bus: a rejection for publish and request, a start crash naming the limit for subscribe", async () => {
    const over = `orders.${"x".repeat(MAX_TOPIC_LENGTH + 1 - "orders.".length)}`;
    const outcomes: unknown[] = [];
    class Publisher extends Agent {
      static readonly agentName = "publisher";
      override async start(): Promise<void> {
        await this.bus.publish(over, 1).catch((error: unknown) => void outcomes.push(error));
        await this.bus.request(over, 1).catch((error: unknown) => void outcomes.push(error));
      }
    }
    const { Agent: Subscriber } = scriptedAgent("subscriber", { start: (agent) => void agent.bus.subscribe(`${over.slice(0, -2)}.>`, () => undefined) });
    const { orch } = setup({ agents: [Publisher, Subscriber] });
    const events = recordEvents(orch);
    const seen: unknown[] = [];
    orch.bus.subscribe(">", (m) => void seen.push(m.topic));
    await orch.start();
    const tooLong = { code: "INVALID_TOPIC", message: expect.stringContaining(`the limit is ${MAX_TOPIC_LENGTH} characters on every Bus`) as unknown };
    expect(outcomes).toMatchObject([tooLong, tooLong]);
    expect(orch.agent("publisher")?.state).toBe("running");
    expect(events["agent:crash"]).toMatchObject([{ agent: "subscriber", reason: "start" }]);
    expect((events["agent:crash"][0]?.error as Error).message).toMatch(/^Invalid pattern "orders\.x+"…: it is too long \(1025 characters\)/);
    await orch.bus.flush();
    expect(seen.filter((topic) => String(topic).startsWith("orders."))).toEqual([]);
    await orch.shutdown();
    expect(unhandled.errors).toEqual([]);
  });
});

/** Payloads structuredClone() refuses or JSON cannot carry. */
function unclonable(): ReadonlyArray<readonly [what: string, payload: unknown]> {
  const circular: Record<string, unknown> = { name: "loop" };
  circular["self"] = circular;
  class Position {
    readonly #secret = 1;
    constructor(readonly symbol: string) {}
    get secret(): number {
      return this.#secret;
    }
  }
  return [
    ["a function", () => "hello"],
    ["a symbol", Symbol("order")],
    ["an object holding a function", { onFill: () => undefined, qty: 3 }],
    ["a class instance with a private field", new Position("AAPL")],
    ["a circular object", circular],
    ["a BigInt", 10n ** 30n],
    ["a WeakMap", new WeakMap()],
  ];
}

describe("bad input: payloads that are not cloneable", () => {
  test("structuredClone would refuse most of these payloads (so a cloning bus could not carry them)", () => {
    const refused = unclonable().filter(([, payload]) => {
      try {
        structuredClone(payload);
        return false;
      } catch {
        return true;
      }
    });
    expect(refused.map(([what]) => what)).toEqual(["a function", "a symbol", "an object holding a function", "a WeakMap"]);
  });

  test.each(unclonable())("the in-process bus delivers %s as is, by reference, to every subscriber and through an agent's bus", async (_what, payload) => {
    const received: unknown[] = [];
    const { Agent: Listener } = scriptedAgent("listener", { start: (agent) => void agent.bus.subscribe("orders.new", (m) => void received.push(m.payload)) });
    const { orch } = setup({ agents: [Listener] });
    await orch.start();
    orch.bus.subscribe("orders.*", (m) => void received.push(m.payload));
    await orch.bus.publish("orders.new", payload);
    await orch.bus.flush();
    expect(received).toHaveLength(2);
    for (const got of received) expect(got).toBe(payload);
    await orch.shutdown();
  });

  test("a subscriber that mutates a payload is seen by the next subscriber (the in-process bus shares, it does not copy)", async () => {
    const bus = createBus();
    const seen: number[] = [];
    bus.subscribe("fills", (m) => {
      (m.payload as { qty: number }).qty = 0;
    });
    bus.subscribe("fills", (m) => void seen.push((m.payload as { qty: number }).qty));
    await bus.publish("fills", { qty: 5 });
    await bus.flush();
    expect(seen).toEqual([0]);
    await bus.close();
  });

  test.each(unclonable())("the FakeBus records and delivers %s as is", async (_what, payload) => {
    const bus = new FakeBus();
    const received: unknown[] = [];
    bus.subscribe("orders.new", (m) => void received.push(m.payload));
    await bus.deliver("orders.new", payload);
    expect(received[0]).toBe(payload);
    expect(bus.published.at(-1)?.payload).toBe(payload);
  });

  test("the networked bus's JSON codec refuses what JSON would drop or change, instead of sending something else", () => {
    const refusedByJson = unclonable().filter(([what]) => what !== "a class instance with a private field" && what !== "a WeakMap");
    for (const [what, payload] of refusedByJson) {
      expect(() => jsonCodec.encode(payload), what).toThrow();
    }
  });
});

describe("payloads the networked bus's JSON codec would change are refused", () => {
  test.each([
    ["a Map", new Map([["AAPL", 187.25]])],
    ["a Set", new Set(["AAPL"])],
    ["an Error", new Error("rejected by the exchange")],
    ["a RegExp", /AAPL|MSFT/],
    ["a Uint8Array", new Uint8Array([1, 2, 3])],
    ["an array holding undefined", [1, undefined, 3]],
  ])("%s is refused instead of arriving as something else", (_what, payload) => {
    expect(() => jsonCodec.encode(payload)).toThrow();
  });
});
