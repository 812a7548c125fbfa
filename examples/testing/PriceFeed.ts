// An agent as a user writes it: publishes a price per symbol on each trigger,
// answers quote requests, and polls its upstream every 5 seconds.
import { Agent, type CronTick } from "../../src/index.js";

/** What the feed publishes on `prices.<symbol>`. */
export interface Quote {
  symbol: string;
  price: number;
  at: number;
}

export class PriceFeed extends Agent<{ symbols: string[] }> {
  static readonly agentName = "feed";
  polls = 0;

  override start(): void {
    // replies to bus.request("quotes.request", symbol)
    this.bus.subscribe("quotes.request", (m) => this.#quote(m.payload as string));
    // a timer through this.clock: fake in tests, cleared when the incarnation ends
    const poll = (): void => {
      this.polls++;
      this.heartbeat();
      this.clock.setTimeout(poll, 5_000);
    };
    this.clock.setTimeout(poll, 5_000);
  }

  override async onCron(tick: CronTick): Promise<void> {
    for (const symbol of this.config.symbols) {
      await this.bus.publish(`prices.${symbol}`, { ...this.#quote(symbol), at: tick.scheduledAt });
    }
  }

  #quote(symbol: string): Quote {
    // a deterministic stand-in for an upstream price service
    const price = 100 + [...symbol].reduce((sum, c) => sum + c.charCodeAt(0), 0) / 100;
    return { symbol, price, at: this.clock.now() };
  }
}
