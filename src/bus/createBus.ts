import type { BusOptions, TopicMap } from "./Bus.js";
import { InProcessBus } from "./InProcessBus.js";

/**
 * Create the in-process {@link Bus}: asynchronous batched delivery, a bounded
 * FIFO queue per subscription, `*` / `>` wildcards, queue groups,
 * request/reply, and handler errors isolated from publishers and other
 * subscribers. See `docs/bus.md`.
 *
 * @typeParam Topics - optional map of known topics to payload types: `publish`
 *   and `request` then type-check the payloads of those topics, and a
 *   subscription to one of them receives typed messages
 * @throws BusError `INVALID_OPTION` for a bad option
 * @example
 * ```ts
 * const bus = createBus<{ "prices.tick": { symbol: string; px: number } }>();
 * bus.subscribe("prices.tick", (message) => console.log(message.payload.px));
 * bus.subscribe("prices.>", (message) => console.log(message.topic), { maxPending: 1_000 });
 * await bus.publish("prices.tick", { symbol: "AAPL", px: 187.2 });
 * await bus.flush(); // both handlers have run
 * ```
 */
export function createBus<Topics extends object = TopicMap>(options: BusOptions = {}): InProcessBus<Topics> {
  return new InProcessBus<Topics>(options);
}
