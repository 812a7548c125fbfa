// A pricer that runs in a worker thread of its own (`isolation: thread` in
// orchestrator.yaml). It keeps the last price of each symbol from
// `prices.<symbol>` and answers `pricer.quote` requests with a bid and an ask.
//
// Its model for one instrument (`config.exotic`) never converges: a
// synchronous loop that no `await` interrupts. In process, that loop would
// freeze every agent and the health probes with it. In its thread only the
// pricer stops answering: the orchestrator's pings go unanswered, and after
// `heartbeatTimeout` the thread is terminated (crash reason `hung`) and the
// pricer restarted in a new thread, while the rest of the desk runs on.
import { Agent } from "../../../src/index.js";
import type { Price } from "./MarketData.js";

/** What a `pricer.quote` request carries. */
export interface QuoteRequest {
  symbol: string;
}

/** The reply to a `pricer.quote` request; `null` for a symbol with no price yet. */
export interface Quote {
  symbol: string;
  bid: number;
  ask: number;
}

export class Pricer extends Agent<{ spreadBps: number; exotic: string }> {
  readonly #mids = new Map<string, number>();

  override start(): void {
    this.bus.subscribe("prices.*", (m) => {
      const { symbol, price } = m.payload as Price;
      this.#mids.set(symbol, price);
    });
    this.bus.subscribe("pricer.quote", (m): Quote | null => {
      const { symbol } = m.payload as QuoteRequest;
      const mid = symbol === this.config.exotic ? this.#solve() : this.#mids.get(symbol);
      if (mid === undefined) return null;
      const half = (mid * this.config.spreadBps) / 20_000;
      return { symbol, bid: mid - half, ask: mid + half };
    });
  }

  /** With `heartbeatTimeout` set, the agent's own heartbeats are watched as well as the thread's answers to pings. */
  override onCron(): void {
    this.heartbeat();
  }

  /**
   * The exotic's fair value by Newton's method on x² + 1, which has no real
   * root: the iterates wander forever, the residual never gets small, and
   * nothing bounds the loop. This is the bug the demo plants.
   */
  #solve(): number {
    let x = 1.5;
    let residual = x * x + 1;
    while (!(residual < 1e-9)) {
      x = x - residual / (2 * x);
      residual = x * x + 1;
    }
    return x;
  }
}
