import { performance } from "node:perf_hooks";
import { Agent, createBus, createOrchestrator, type AgentContext, type Message } from "@acme/agent-orchestrator";

/** What the bus load phase counted, on its own and as the bus reports it. */
export interface BusLoadResult {
  readonly agents: number;
  readonly seconds: number;
  /** Counted by the publisher. */
  readonly published: number;
  /** Handler calls counted by the agents (those that threw included). */
  readonly handled: number;
  /** Handler calls that threw, counted by the agents. */
  readonly threw: number;
  /** Drops counted through the bus's `onDrop`. */
  readonly dropped: number;
  /** The bus's own counters at the end. */
  readonly stats: { published: number; delivered: number; dropped: number; pending: number; handlerErrors: number };
  /** The agents' handler errors routed to their subscription's `onError`. */
  readonly routedErrors: number;
  /** Crashes during the load (none expected: the subscriptions have their own `onError`). */
  readonly crashes: number;
}

const BATCH = 10_000;
const MAX_PENDING = 64;
/** Share of the messages sent to the hot agents (their queues overflow: drops). */
const HOT_SHARE = 0.2;
const HOT_AGENTS = 10;
/** Every agent's handler throws on every THROW_EVERY-th message it handles. */
const THROW_EVERY = 997;

/**
 * 1,000 agents on one in-process bus, each subscribed to its own topic with a
 * bounded queue (`maxPending` 64, `drop-oldest`) and a handler that throws now
 * and then (routed to the subscription's `onError`, so it is counted, not a
 * crash). The publisher sends `messages` in batches of 10,000, a fifth of them
 * to ten hot agents whose queues overflow, and waits for each batch with
 * `flush()`. One subscriber per topic, so every published message is either
 * delivered once or dropped once: published = delivered + dropped.
 */
export async function busLoad(agents: number, messages: number): Promise<BusLoadResult> {
  let handled = 0;
  let threw = 0;
  let dropped = 0;
  let routedErrors = 0;
  const bus = createBus({ onDrop: () => void dropped++ });

  class LoadAgent extends Agent {
    #calls = 0;
    constructor(context: AgentContext) {
      super(context);
    }
    override start(): void {
      this.bus.subscribe(`load.${this.name}`, (message: Message) => this.#handle(message), {
        maxPending: MAX_PENDING,
        overflow: "drop-oldest",
        onError: () => void routedErrors++,
      });
    }
    #handle(_message: Message): void {
      handled++;
      if (++this.#calls % THROW_EVERY === 0) {
        threw++;
        throw new Error("handler failed (soak)");
      }
    }
  }

  const names = Array.from({ length: agents }, (_, i) => `agent-${String(i).padStart(4, "0")}`);
  const orch = createOrchestrator({ agents: names.map((name) => ({ name, agent: LoadAgent })), bus, logger: false, keepAlive: false });
  let crashes = 0;
  orch.on("agent:crash", () => void crashes++);
  await orch.start();

  // a cheap deterministic spread of topics
  let seed = 12_345;
  const next = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const topics = names.map((name) => `load.${name}`);
  const payload = { px: 187.25, qty: 100 };
  let published = 0;
  const started = performance.now();
  while (published < messages) {
    const batch = Math.min(BATCH, messages - published);
    for (let i = 0; i < batch; i++) {
      const hot = next() < HOT_SHARE;
      const index = hot ? Math.floor(next() * HOT_AGENTS) : Math.floor(next() * agents);
      void bus.publish(topics[index] as string, payload);
    }
    published += batch;
    await bus.flush();
  }
  const seconds = (performance.now() - started) / 1_000;
  const stats = bus.stats?.() ?? { published: 0, delivered: 0, dropped: 0, pending: 0, handlerErrors: 0 };
  await orch.shutdown();
  await bus.close();
  return { agents, seconds, published, handled, threw, dropped, stats, routedErrors, crashes };
}
