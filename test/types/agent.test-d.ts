import { describe, expectTypeOf, test } from "vitest";
import { Agent, createOrchestrator, type AgentClass, type AgentContext } from "../../src/index.js";
import { testAgent } from "../../src/testing/index.js";

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
