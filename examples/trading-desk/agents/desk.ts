// The agents main.ts registers in code: a momentum strategy (in the
// `one_for_all` group `trading` with its venue feed), the risk agent
// (critical) and the chief that receives escalations (critical).
import { Agent, type Escalation } from "../../../src/index.js";
import type { Price } from "./MarketData.js";

/** What the strategy asks the risk agent before it trades. */
export interface Order {
  symbol: string;
  side: "buy" | "sell";
  quantity: number;
  price: number;
}

/**
 * Buys what rose over its last prices, sells what fell; asks risk first.
 * Trades only once the venue feed (`feeds.flaky`) has ticked in this
 * incarnation: its state belongs to that feed's session, which is why
 * orchestrator.yaml puts both in a `one_for_all` group.
 */
export class Momentum extends Agent {
  static readonly agentName = "momentum";
  readonly #history = new Map<string, number[]>();
  #venueTicks = 0;

  override start(): void {
    this.bus.subscribe("feeds.flaky", () => {
      this.#venueTicks++;
    });
    this.bus.subscribe("prices.*", (m) => {
      const { symbol, price } = m.payload as Price;
      const series = this.#history.get(symbol) ?? [];
      series.push(price);
      if (series.length > 10) series.shift();
      this.#history.set(symbol, series);
    });
  }

  override async onCron(): Promise<void> {
    if (this.#venueTicks === 0) return; // no venue session yet
    for (const [symbol, series] of this.#history) {
      const first = series[0];
      const last = series.at(-1);
      if (first === undefined || last === undefined || series.length < 3) continue;
      const side = last > first ? "buy" : "sell";
      const order: Order = { symbol, side, quantity: 10, price: last };
      const verdict = (await this.bus.request("risk.check", order, { timeoutMs: 1_000 })) as { approved: boolean };
      if (verdict.approved) await this.bus.publish(`orders.${symbol}`, order);
    }
  }
}

/** Answers `risk.check` requests against a notional limit; heartbeats on its trigger. */
export class Risk extends Agent {
  static readonly agentName = "risk";
  #approved = 0;
  #rejected = 0;

  override start(): void {
    this.bus.subscribe("risk.check", (m) => {
      const order = m.payload as Order;
      const approved = order.quantity * order.price <= 5_000;
      if (approved) this.#approved++;
      else this.#rejected++;
      return { approved };
    });
  }

  override onCron(): void {
    this.heartbeat();
    this.log.debug({ approved: this.#approved, rejected: this.#rejected }, "risk book");
  }
}

/** Receives escalations; re-enables an agent disabled by a crash loop after a cool-down. */
export class Chief extends Agent {
  static readonly agentName = "chief";

  override async onEscalation(event: Escalation): Promise<void> {
    this.log.warn({ agent: event.agent, reason: event.reason, disabled: event.disabled }, `escalation: ${event.agent} ${event.reason}`);
    if (event.disabled) {
      // the desk (main.ts) listens on desk.enable and calls orch.enable() after a cool-down
      await this.bus.publish("desk.enable", { agent: event.agent, after: 5_000 });
    }
  }
}
