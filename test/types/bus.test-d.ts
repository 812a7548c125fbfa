import { describe, expectTypeOf, it } from "vitest";
import type { Bus, BusStats, Message, PayloadOf, Subscription } from "../../src/bus/Bus.js";
import { createBus } from "../../src/bus/createBus.js";
import { createOrchestrator } from "../../src/orchestrator/createOrchestrator.js";
import { FakeBus } from "../../src/testing/FakeBus.js";

type Topics = {
  "prices.tick": { symbol: string; px: number };
  "orders.new": { qty: number };
};

interface DeclaredTopics {
  "risk.limit": { max: number };
}

describe("publish options", () => {
  it("a handler forwards the headers it received, present or not", () => {
    const bus = createBus();
    bus.subscribe("prices.*", (message: Message) => bus.publish("orders.new", message.payload, { headers: message.headers }));
    expectTypeOf<Message["headers"]>().toMatchTypeOf<NonNullable<Parameters<Bus["publish"]>[2]>["headers"]>();
  });
});

describe("typed topics", () => {
  it("type-checks payloads of known topics on publish", () => {
    const bus = createBus<Topics>();
    void bus.publish("prices.tick", { symbol: "AAPL", px: 187.2 });
    // @ts-expect-error px must be a number
    void bus.publish("prices.tick", { symbol: "AAPL", px: "187.2" });
    // @ts-expect-error symbol is missing
    void bus.publish("prices.tick", { px: 1 });
    // @ts-expect-error the payload of a known topic is required
    void bus.publish("orders.new");
    // topics outside the map take any payload
    void bus.publish("logs.debug", "free text");
    void bus.publish("logs.debug", { anything: true });
  });

  it("type-checks payloads of known topics on request", () => {
    const bus = createBus<Topics>();
    void bus.request("orders.new", { qty: 1 }, { timeoutMs: 100 });
    // @ts-expect-error qty must be a number
    void bus.request("orders.new", { qty: "1" });
    expectTypeOf(bus.request("orders.new", { qty: 1 })).toEqualTypeOf<Promise<unknown>>();
  });

  it("gives subscribers of a known topic typed messages, and `unknown` payloads for wildcards", () => {
    const bus = createBus<Topics>();
    bus.subscribe("prices.tick", (message) => {
      expectTypeOf(message).toEqualTypeOf<Message<{ symbol: string; px: number }>>();
      expectTypeOf(message.payload.px).toBeNumber();
    });
    bus.subscribe("prices.*", (message) => {
      expectTypeOf(message.payload).toBeUnknown();
    });
  });

  it("accepts topic maps declared as interfaces", () => {
    const bus = createBus<DeclaredTopics>();
    void bus.publish("risk.limit", { max: 5 });
    // @ts-expect-error max must be a number
    void bus.publish("risk.limit", { max: "5" });
  });

  it("leaves an untyped bus open to any topic and payload", () => {
    const bus = createBus();
    void bus.publish("anything.goes", 42);
    bus.subscribe(">", (message) => {
      expectTypeOf(message.payload).toBeUnknown();
      expectTypeOf(message.topic).toBeString();
    });
    expectTypeOf<PayloadOf<Record<string, unknown>, "x">>().toBeUnknown();
  });

  it("lets a typed bus be used where a plain Bus is expected", () => {
    const typed = createBus<Topics>();
    const plain: Bus = typed;
    expectTypeOf(plain.publish).parameter(0).toBeString();
    const fake: Bus = new FakeBus<Topics>();
    expectTypeOf(fake).toMatchTypeOf<Bus>();
  });

  it("types FakeBus like the bus it stands in for", () => {
    const bus = new FakeBus<Topics>();
    void bus.deliver("prices.tick", { symbol: "MSFT", px: 1 });
    // @ts-expect-error px must be a number
    void bus.deliver("prices.tick", { symbol: "MSFT", px: null });
    expectTypeOf(bus.published).toEqualTypeOf<Message[]>();
    expectTypeOf(bus.errors).toEqualTypeOf<unknown[]>();
  });
});

describe("bus shapes", () => {
  it("keeps messages read-only", () => {
    const bus = createBus();
    bus.subscribe("t", (message) => {
      // @ts-expect-error messages are read-only
      message.topic = "other";
    });
  });

  it("returns a Subscription from subscribe and counters from stats", () => {
    const bus = createBus();
    const sub = bus.subscribe("t", () => undefined);
    expectTypeOf(sub).toMatchTypeOf<Subscription>();
    expectTypeOf(sub.pattern).toBeString();
    expectTypeOf(bus.stats()).toEqualTypeOf<BusStats>();
    expectTypeOf(bus.publish("t", 1)).toEqualTypeOf<Promise<void>>();
  });

  it("refuses unknown subscribe options", () => {
    const bus = createBus();
    // @ts-expect-error `overflow` is one of three policies
    bus.subscribe("t", () => undefined, { overflow: "drop-all" });
    // @ts-expect-error there is no `priority` option
    bus.subscribe("t", () => undefined, { priority: 1 });
  });

  it("a bus typed with a topic map is accepted by createOrchestrator (the orchestrator reads it untyped)", () => {
    const typed: Bus<Topics> = createBus<Topics>();
    expectTypeOf(createOrchestrator({ agents: [], bus: typed }).bus).toEqualTypeOf<Bus>();
    // @ts-expect-error still a Bus: another object is refused
    createOrchestrator({ agents: [], bus: { publish: () => Promise.resolve() } });
  });
});

