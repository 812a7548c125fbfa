// Typed agents from the tarball: config schemas (zod, valibot) type this.config, a topic map types this.bus, `using` ends an agent's subscription
import * as v from "valibot";
import { z } from "zod";
import { Agent, createOrchestrator, type CronTick, type InferInput, type InferOutput } from "@acme/agent-orchestrator";
import { testAgent } from "@acme/agent-orchestrator/testing";

const feedConfig = z.object({ symbols: z.array(z.string()).min(1), every: z.string().transform((text) => Number.parseInt(text, 10)) });

type Topics = {
  "orders.new": { symbol: string; qty: number };
  [price: `prices.${string}`]: { px: number };
};

export class Feed extends Agent<InferOutput<typeof feedConfig>, Topics> {
  static readonly agentName = "feed";
  static readonly configSchema = feedConfig;

  override async onCron(tick: CronTick): Promise<void> {
    const every: number = this.config.every;
    for (const symbol of this.config.symbols) {
      if (tick.signal.aborted) return;
      await this.bus.publish(`prices.${symbol}`, { px: every });
    }
    // @ts-expect-error -- px is a number
    await this.bus.publish("prices.AAPL", { px: "1" });
    // a subscription for this run only: the `using` block ends it
    using orders = this.bus.subscribe("orders.new", (message) => {
      const qty: number = message.payload.qty;
      return qty;
    });
    void orders;
    // @ts-expect-error -- a request's payload is checked too
    await this.bus.request("orders.new", { symbol: "AAPL" });
  }
}

const riskConfig = v.object({ maxNotional: v.pipe(v.number(), v.minValue(0)) });

export class Risk extends Agent<InferOutput<typeof riskConfig>> {
  static readonly agentName = "risk";
  static readonly configSchema = riskConfig;
}

export class Mismatched extends Agent<{ maxNotional: string }> {
  static readonly agentName = "mismatched";
  static readonly configSchema = riskConfig;
}

export const input: InferInput<typeof feedConfig> = { symbols: ["AAPL"], every: "5" };

export function register(): void {
  createOrchestrator({ agents: [Feed, { name: "risk", agent: Risk, group: "critical" }] });
  // @ts-expect-error -- the valibot schema outputs { maxNotional: number }, the class declares a string
  createOrchestrator({ agents: [Mismatched] });
}

export async function harness(): Promise<void> {
  const { bus, agent } = await testAgent(Feed, { config: input });
  const every: number = agent.config.every;
  await bus.deliver("orders.new", { symbol: "AAPL", qty: every });
  // @ts-expect-error -- the harness's FakeBus has the agent's topic map
  await bus.deliver("orders.new", { symbol: "AAPL", qty: "1" });
}
