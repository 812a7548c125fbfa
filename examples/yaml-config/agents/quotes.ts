// Loaded by module from desk.yaml (its default export).
import { Agent } from "../../../src/index.js";

export default class Quotes extends Agent<{ symbols: string[] }> {
  #n = 0;
  override async onCron(): Promise<void> {
    this.#n++;
    for (const symbol of this.config.symbols) await this.bus.publish(`quotes.${symbol}`, { symbol, n: this.#n });
  }
}
