import * as v from "valibot";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { Agent } from "../../src/agent/Agent.js";
import type { AgentContext } from "../../src/agent/AgentContext.js";
import type { InferOutput } from "../../src/agent/StandardSchema.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { testAgent } from "../../src/testing/testAgent.js";

/** Beats on a 1 s timer and fails on its third beat. */
class Beating extends Agent {
  beats = 0;
  override start(): void {
    const beat = (): void => {
      this.heartbeat();
      if (++this.beats === 3) this.fail(new Error("third beat"));
      this.clock.setTimeout(beat, 1_000);
    };
    this.clock.setTimeout(beat, 1_000);
  }
}

const feedConfig = z.object({ symbols: z.array(z.string()).min(1), every: z.string().transform((text) => Number.parseInt(text, 10)) });

class Feed extends Agent<InferOutput<typeof feedConfig>> {
  static readonly agentName = "feed";
  static readonly configSchema = feedConfig;
  built = 0;
  constructor(context: AgentContext<InferOutput<typeof feedConfig>>) {
    super(context);
    this.built++;
  }
}

describe("testAgent's result", () => {
  test("destructured counters and lists keep up with the run: heartbeats() counts when called, crashes and logs are the live arrays", async () => {
    const { heartbeats, crashes, logs, clock, agent } = await testAgent(Beating);
    expect(heartbeats()).toBe(0);
    await clock.advance(3_000);
    expect(agent.beats).toBe(3);
    expect(heartbeats()).toBe(3);
    expect(crashes).toEqual([new Error("third beat")]);
    agent.log.warn({}, "late");
    expect(logs.map((entry) => entry.message)).toEqual(["late"]);
  });

  test("applies the class's configSchema: this.config is the output", async () => {
    const { agent } = await testAgent(Feed, { config: { symbols: ["AAPL"], every: "15" } });
    expect(agent.config).toEqual({ symbols: ["AAPL"], every: 15 });
    expect(agent.built).toBe(1);
  });

  test("a config the schema refuses rejects with the orchestrator's ConfigError, before the agent is built", async () => {
    const error = await testAgent(Feed, { config: { symbols: [], every: "15" } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: "AGENT_CONFIG_INVALID", path: "agents.feed.config.symbols", value: [] });
    expect((error as Error).message).toContain('agent "feed": config refused by the configSchema of class Feed (zod)');
  });

  test("a valibot schema, and the harness's name in the error", async () => {
    const schema = v.object({ spread: v.number() });
    class Quoter extends Agent<InferOutput<typeof schema>> {
      static readonly configSchema = schema;
    }
    await expect(testAgent(Quoter, { name: "q", config: { spread: 0.5 } }).then((harness) => harness.agent.config)).resolves.toEqual({ spread: 0.5 });
    // @ts-expect-error -- the schema's input wants a number
    await expect(testAgent(Quoter, { name: "q", config: { spread: "wide" } })).rejects.toMatchObject({ code: "AGENT_CONFIG_INVALID", path: "agents.q.config.spread" });
  });
});
