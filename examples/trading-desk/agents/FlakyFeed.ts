// The venue feed, with a bug: every `crashEvery`-th tick throws. The supervisor
// restarts it with back-off, and its group (`trading`, `one_for_all`) restarts
// the momentum strategy that trades on its session too; three consecutive
// failures escalate to the chief; a fourth crash within 30 s disables it (crash
// loop) until the chief re-enables it.
import { Agent } from "../../../src/index.js";

export class FlakyFeed extends Agent<{ crashEvery: number }> {
  #ticks = 0;

  override async onCron(): Promise<void> {
    this.#ticks++;
    if (this.#ticks % this.config.crashEvery === 0) {
      throw new Error(`upstream socket reset after ${this.#ticks} ticks`);
    }
    await this.bus.publish("feeds.flaky", { tick: this.#ticks });
  }
}
