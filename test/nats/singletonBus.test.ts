import { describe, expect, it } from "vitest";
import { Agent, createOrchestrator, LEASE_TOKEN_HEADER } from "../../src/index.js";
import type { Message, Orchestrator } from "../../src/index.js";
import { createNatsBus } from "../../src/nats/createNatsBus.js";
import { createNatsCoordinator } from "../../src/nats/createNatsCoordinator.js";
import { uniqueToken } from "../helpers/nats/natsServer.js";
import { natsSuite } from "../helpers/nats/natsSuite.js";
import { eventually } from "../helpers/nats/processes.js";

// A singleton on the NATS bus: what it publishes and requests carries its fencing token in
// Ao-Lease-Token to every consumer, and a graceful shutdown moves it to the other replica.

const suite = natsSuite();
const { cleanups } = suite;

class Feed extends Agent {
  static readonly agentName = "feed";
  override async start(): Promise<void> {
    await this.bus.publish("prices", { token: this.lease?.token });
    await this.bus.request("risk.check", { token: this.lease?.token }, { timeoutMs: 5_000 });
  }
}

describe("a singleton on the NATS bus", () => {
  it("stamps its messages and requests with its fencing token; a consumer sees a larger token after the move", async () => {
    const prefix = uniqueToken("lease-bus");
    const leaseBucket = uniqueToken("leases");
    const consumer = await createNatsBus({ servers: suite.url }, { prefix });
    cleanups.push(() => consumer.close());
    const prices: Message[] = [];
    const checks: Message[] = [];
    consumer.subscribe("prices", (message) => void prices.push(message));
    consumer.subscribe("risk.check", (message) => {
      checks.push(message);
      return { ok: true };
    });
    await consumer.flush();
    const replica = async (instance: string): Promise<Orchestrator> => {
      const bus = await createNatsBus({ servers: suite.url }, { prefix });
      const coordinator = await createNatsCoordinator({ connection: bus.natsConnection }, { instance, leaseBucket, storage: "memory" });
      const orch = createOrchestrator({ agents: [Feed], config: { agents: { feed: { placement: "singleton" } }, lease: { ttl: "1s" } }, bus, coordinator, logger: false, keepAlive: false, handleSignals: false });
      cleanups.push(async () => {
        await orch.shutdown();
        await bus.close();
      });
      await orch.start();
      return orch;
    };
    const a = await replica("a");
    await eventually(() => a.agent("feed")?.state === "running", 5_000, "feed running on a");
    const b = await replica("b");
    await eventually(() => b.agent("feed")?.state === "standby" && b.agent("feed")?.lease?.holder === "a", 5_000, "b in standby, seeing a hold the lease");
    await eventually(() => prices.length === 1 && checks.length === 1, 5_000, "the first price and risk check");
    const first = a.agent("feed")?.lease?.token;
    expect(prices[0]?.headers).toEqual({ [LEASE_TOKEN_HEADER]: String(first) });
    expect(checks[0]?.headers).toEqual({ [LEASE_TOKEN_HEADER]: String(first) });
    expect(prices[0]?.payload).toEqual({ token: first });
    await a.shutdown();
    await eventually(() => prices.length === 2 && checks.length === 2, 5_000, "the price and risk check from b");
    const second = b.agent("feed")?.lease?.token;
    expect(second).toBeGreaterThan(first ?? Infinity);
    expect(prices[1]?.headers?.[LEASE_TOKEN_HEADER]).toBe(String(second));
    expect(checks[1]?.headers?.[LEASE_TOKEN_HEADER]).toBe(String(second));
  });
});
