// Unit-testing an agent with the testing kit: a FakeBus records what it
// publishes, a ManualClock runs its timers without real waiting, testAgent()
// starts it without an orchestrator. Run with the project's tests (`npm test`).
import { describe, expect, test } from "vitest";
import { ManualClock, testAgent } from "../../src/testing/index.js";
import { PriceFeed, type Quote } from "./PriceFeed.js";

describe("PriceFeed", () => {
  test("publishes one price per symbol on each trigger", async () => {
    const { bus, tick, crashes } = await testAgent(PriceFeed, { config: { symbols: ["AAPL", "MSFT"] } });
    await tick();
    const quotes = bus.payloads("prices.>") as Quote[];
    expect(quotes.map((q) => q.symbol)).toEqual(["AAPL", "MSFT"]);
    expect(bus.messages("prices.AAPL")[0]?.source).toBe("feed");
    expect(crashes).toEqual([]);
  });

  test("answers quote requests", async () => {
    const { bus } = await testAgent(PriceFeed, { config: { symbols: [] } });
    const quote = (await bus.request("quotes.request", "AAPL")) as Quote;
    expect(quote.symbol).toBe("AAPL");
    expect(quote.price).toBeGreaterThan(100);
  });

  test("polls every 5 seconds of fake time, and stops polling when stopped", async () => {
    const clock = new ManualClock(new Date("2026-03-02T14:30:00Z"));
    const { agent, stop } = await testAgent(PriceFeed, { config: { symbols: [] }, clock });
    await clock.advance(15_000);
    expect(agent.polls).toBe(3);
    await stop();
    await clock.advance(60_000);
    expect(agent.polls).toBe(3);
    expect(clock.pending).toBe(0);
  });
});
