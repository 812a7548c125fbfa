import { describe, expect, test } from "vitest";
import { Agent } from "../src/agent/Agent.js";
import type { CronTick } from "../src/schedule/ScheduleSpec.js";
import { FakeBus } from "../src/testing/FakeBus.js";
import { ManualClock } from "../src/testing/ManualClock.js";
import { testAgent } from "../src/testing/testAgent.js";

interface Quote {
  symbol: string;
  price: number;
}

/** The kind of agent a user writes: publishes on cron, answers requests, polls with a timer. */
class PriceFeed extends Agent<{ symbols: string[] }> {
  static readonly agentName = "feed";
  polls = 0;

  override start(): void {
    this.bus.subscribe("quotes.request", (m) => ({ symbol: m.payload as string, price: 100 }));
    this.bus.subscribe("quotes.bad", () => {
      throw new Error("cannot quote");
    });
    const poll = (): void => {
      this.polls++;
      this.heartbeat();
      this.clock.setTimeout(poll, 5_000);
    };
    this.clock.setTimeout(poll, 5_000);
  }

  override async onCron(tick: CronTick): Promise<void> {
    for (const symbol of this.config.symbols) {
      await this.bus.publish(`prices.${symbol}`, { symbol, price: tick.scheduledAt % 1_000 } satisfies Quote);
    }
  }
}

describe("testAgent", () => {
  test("starts an agent on a FakeBus and a ManualClock, with its config", async () => {
    const { agent, bus, clock, tick, crashes } = await testAgent(PriceFeed, { config: { symbols: ["AAPL", "MSFT"] } });
    expect(agent.name).toBe("feed");
    await tick();
    expect(bus.messages("prices.>").map((m) => m.topic)).toEqual(["prices.AAPL", "prices.MSFT"]);
    expect(bus.messages("prices.AAPL")[0]?.source).toBe("feed");
    await clock.advance(15_000);
    expect(agent.polls).toBe(3);
    expect(crashes).toEqual([]);
  });

  test("the agent answers requests over the FakeBus", async () => {
    const { bus } = await testAgent(PriceFeed, { config: { symbols: [] } });
    await expect(bus.request("quotes.request", "AAPL")).resolves.toEqual({ symbol: "AAPL", price: 100 });
  });

  test("a handler error is collected as a crash, never thrown at the test", async () => {
    const { bus, crashes } = await testAgent(PriceFeed, { config: { symbols: [] } });
    await bus.deliver("quotes.bad", null);
    expect(crashes).toHaveLength(1);
    expect((crashes[0] as Error).message).toBe("cannot quote");
  });

  test("a failing start(), onCron or fail() is a crash", async () => {
    class Broken extends Agent {
      override start(): void {
        throw new Error("no start");
      }
      override onCron(): Promise<void> {
        return Promise.reject(new Error("no cron"));
      }
    }
    const harness = await testAgent(Broken, { name: "broken" });
    await harness.tick();
    harness.agent.fail("gave up");
    expect(harness.crashes.map(String)).toEqual(["Error: no start", "Error: no cron", "gave up"]);
  });

  test("stop() aborts the signal and removes the agent's subscriptions and timers", async () => {
    const clock = new ManualClock(0);
    const bus = new FakeBus({ clock });
    const { agent, stop } = await testAgent(PriceFeed, { config: { symbols: [] }, clock, bus, name: "feed-1" });
    expect(bus.subscriberCount("quotes.request")).toBe(1);
    await stop();
    expect(agent.signal.aborted).toBe(true);
    expect(bus.subscriberCount("quotes.request")).toBe(0);
    expect(clock.pending).toBe(0);
    await clock.advance(60_000);
    expect(agent.polls).toBe(0);
  });

  test("heartbeats and log entries are recorded", async () => {
    class Chatty extends Agent {
      override start(): void {
        this.log.info({ step: 1 }, "up");
        this.heartbeat();
      }
    }
    const { logs, heartbeats } = await testAgent(Chatty);
    expect(logs).toEqual([{ level: "info", fields: { step: 1 }, message: "up" }]);
    expect(heartbeats).toBe(1);
  });
});
