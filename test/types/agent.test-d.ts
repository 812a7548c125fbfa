import * as v from "valibot";
import { describe, expectTypeOf, test } from "vitest";
import { z } from "zod";
import { Agent, createOrchestrator, type AgentBusView, type AgentClass, type AgentContext, type Bus, type CronTick, type InferInput, type InferOutput } from "../../src/index.js";
import { testAgent, type FakeBus } from "../../src/testing/index.js";

interface FeedConfig {
  symbols: string[];
}

class Feed extends Agent<FeedConfig> {
  static readonly agentName = "feed";
  override start(): void {
    expectTypeOf(this.config).toEqualTypeOf<FeedConfig>();
  }
}

class Untyped extends Agent {
  static readonly agentName = "untyped";
}

class WithConstructor extends Agent<FeedConfig> {
  constructor(context: AgentContext<FeedConfig>) {
    super(context);
  }
}

describe("agent classes", () => {
  test("classes typed with a config register, bare or as entries", () => {
    createOrchestrator({ agents: [Feed, Untyped, { name: "w", agent: WithConstructor, group: "data" }] });
    expectTypeOf(Feed).toMatchTypeOf<AgentClass>();
    expectTypeOf(WithConstructor).toMatchTypeOf<AgentClass>();
  });

  test("something that is not an agent class does not register", () => {
    class Plain {
      start(): void {}
    }
    // @ts-expect-error -- not an Agent subclass
    createOrchestrator({ agents: [{ name: "p", agent: Plain }] });
    // @ts-expect-error -- a name alone is not a registration
    createOrchestrator({ agents: ["feed"] });
  });

  test("testAgent infers the agent and its config", async () => {
    const harness = await testAgent(Feed, { config: { symbols: ["AAPL"] } });
    expectTypeOf(harness.agent).toEqualTypeOf<Feed>();
    // @ts-expect-error -- the config must match the agent's Config
    await testAgent(Feed, { config: { symbols: "AAPL" } });
  });
});

const feedSchema = z.object({ symbols: z.array(z.string()), every: z.string().transform((text) => Number(text)) });

class SchemaFeed extends Agent<InferOutput<typeof feedSchema>> {
  static readonly agentName = "sfeed";
  static readonly configSchema = feedSchema;
  override start(): void {
    expectTypeOf(this.config).toEqualTypeOf<{ symbols: string[]; every: number }>();
  }
}

class WrongConfig extends Agent<{ symbols: number[] }> {
  static readonly agentName = "wrong";
  static readonly configSchema = feedSchema;
}

const valibotSchema = v.object({ spread: v.number() });

class ValibotFeed extends Agent<InferOutput<typeof valibotSchema>> {
  static readonly agentName = "vfeed";
  static readonly configSchema = valibotSchema;
}

class ValibotWrong extends Agent<{ spread: string }> {
  static readonly agentName = "vwrong";
  static readonly configSchema = valibotSchema;
}

describe("config schemas", () => {
  test("InferOutput and InferInput read a schema's types", () => {
    expectTypeOf<InferOutput<typeof feedSchema>>().toEqualTypeOf<{ symbols: string[]; every: number }>();
    expectTypeOf<InferInput<typeof feedSchema>>().toEqualTypeOf<{ symbols: string[]; every: string }>();
    expectTypeOf<InferOutput<typeof valibotSchema>>().toEqualTypeOf<{ spread: number }>();
  });

  test("a class whose schema output fits its Config registers, bare or as an entry", () => {
    createOrchestrator({ agents: [SchemaFeed, ValibotFeed, Untyped, { name: "other", agent: SchemaFeed, group: "data" }] });
  });

  test("a class whose schema output does not fit its Config fails to compile where it is registered", () => {
    // @ts-expect-error -- zod output { symbols: string[] } is not { symbols: number[] }
    createOrchestrator({ agents: [SchemaFeed, WrongConfig] });
    // @ts-expect-error -- the same class as an entry
    createOrchestrator({ agents: [{ name: "w", agent: WrongConfig }] });
    // @ts-expect-error -- valibot output { spread: number } is not { spread: string }
    createOrchestrator({ agents: [ValibotWrong] });
    // @ts-expect-error -- an unknown key of an entry
    createOrchestrator({ agents: [{ name: "w", agent: SchemaFeed, grop: "data" }] });
  });

  test("testAgent takes the schema's input as config", async () => {
    const harness = await testAgent(SchemaFeed, { config: { symbols: ["AAPL"], every: "5" } });
    expectTypeOf(harness.agent.config.every).toBeNumber();
    // @ts-expect-error -- the input of `every` is a string
    await testAgent(SchemaFeed, { config: { symbols: ["AAPL"], every: 5 } });
  });
});

type Topics = {
  "orders.new": { qty: number };
  [topic: `prices.${string}`]: { px: number };
};

describe("typed agent bus", () => {
  class Trader extends Agent<unknown, Topics> {
    static readonly agentName = "trader";
    override async start(): Promise<void> {
      expectTypeOf(this.bus).toEqualTypeOf<AgentBusView<Topics>>();
      expectTypeOf(this.bus).toMatchTypeOf<Bus<Topics>>();
      await this.bus.publish("orders.new", { qty: 1 });
      await this.bus.publish("prices.AAPL", { px: 187.2 });
      // @ts-expect-error -- qty must be a number
      await this.bus.publish("orders.new", { qty: "1" });
      // @ts-expect-error -- a template topic of the map is checked too
      await this.bus.publish("prices.MSFT", { px: "1" });
      // topics outside the map take any payload
      await this.bus.publish("logs.debug", "free text");

      this.bus.subscribe("orders.new", (message) => {
        expectTypeOf(message.payload).toEqualTypeOf<{ qty: number }>();
        // @ts-expect-error -- qty is a number
        const text: string = message.payload.qty;
        return text;
      });
      this.bus.subscribe("orders.*", (message) => {
        // a wildcard may match topics outside the map
        expectTypeOf(message.payload).toBeUnknown();
      });
      this.bus.subscribe("prices.*", (message) => {
        // every topic this pattern matches is a key of the map's template
        expectTypeOf(message.payload).toEqualTypeOf<{ px: number }>();
      });

      await this.bus.request("orders.new", { qty: 2 });
      // @ts-expect-error -- the request payload is checked
      await this.bus.request("orders.new", { qty: "2" });
    }
  }

  test("a typed agent registers like any other", () => {
    createOrchestrator({ agents: [Trader, Feed] });
    expectTypeOf(Trader).toMatchTypeOf<AgentClass>();
  });

  test("an untyped agent's bus stays open to any topic and payload", () => {
    class Loose extends Agent {
      override async start(): Promise<void> {
        expectTypeOf(this.bus).toEqualTypeOf<AgentBusView>();
        await this.bus.publish("anything", 42);
      }
    }
    createOrchestrator({ agents: [{ name: "loose", agent: Loose }] });
  });

  test("a subscription made in an agent ends at the end of a `using` block", () => {
    class Sampler extends Agent {
      override onCron(): void {
        using sub = this.bus.subscribe("prices.tick", () => undefined);
        expectTypeOf(sub).toMatchTypeOf<Disposable>();
      }
    }
    createOrchestrator({ agents: [{ name: "sampler", agent: Sampler }] });
  });

  test("testAgent gives a typed agent a FakeBus with its topic map", async () => {
    const { bus } = await testAgent(Trader);
    expectTypeOf(bus).toEqualTypeOf<FakeBus<Topics>>();
    await bus.deliver("orders.new", { qty: 1 });
    // @ts-expect-error -- qty must be a number
    await bus.deliver("orders.new", { qty: "1" });
  });
});

describe("the tick", () => {
  test("onCron's tick carries the run's signal", () => {
    class Job extends Agent {
      override onCron(tick: CronTick): void {
        expectTypeOf(tick.signal).toEqualTypeOf<AbortSignal>();
      }
    }
    expectTypeOf(Job).toMatchTypeOf<AgentClass>();
  });
});
