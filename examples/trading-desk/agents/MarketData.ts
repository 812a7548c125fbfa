// A market-data agent: on each trigger, publishes a price for each symbol on
// `prices.<symbol>` (a random walk standing in for an exchange feed).
import { Agent, type CronTick } from "../../../src/index.js";

/** What `prices.<symbol>` carries. */
export interface Price {
  symbol: string;
  price: number;
  at: number;
}

export default class MarketData extends Agent<{ symbols: string[] }> {
  readonly #last = new Map<string, number>();

  override async onCron(tick: CronTick): Promise<void> {
    for (const symbol of this.config.symbols) {
      const previous = this.#last.get(symbol) ?? 100 + symbol.length * 10;
      const price = Math.max(1, previous * (1 + (Math.random() - 0.5) / 50));
      this.#last.set(symbol, price);
      await this.bus.publish(`prices.${symbol}`, { symbol, price, at: tick.scheduledAt } satisfies Price);
    }
  }
}
