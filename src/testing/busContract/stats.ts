import assert from "node:assert/strict";
import { gate, waitFor } from "./caseTools.js";
import type { CaseBodies } from "./cases.js";

/** The counters of `stats()`, for a bus that keeps them. */
export const STATS_CASES: CaseBodies<"statsCount"> = {
  async statsCount({ bus }) {
    const stats = bus.stats?.bind(bus);
    if (stats === undefined) return;
    const start = stats();
    const hold = gate();
    bus.subscribe("metered", async (message) => {
      if (message.payload === "boom") throw new Error("boom");
      await hold.promise;
    }, { onError: () => undefined });
    bus.subscribe("metered", () => undefined);
    await bus.publish("metered", 1);
    await bus.publish("metered", 2);
    await bus.publish("nobody.listens", 3);
    await waitFor(() => stats().delivered - start.delivered >= 2, "the synchronous handler's deliveries");
    assert.equal(stats().published - start.published, 3, "published counts accepted messages, with or without subscribers");
    assert.equal(stats().pending, 1, "one message waits behind the running handler call");
    hold.release();
    await bus.publish("metered", "boom");
    await bus.flush();
    const end = stats();
    assert.equal(end.published - start.published, 4);
    assert.equal(end.delivered - start.delivered, 6, "delivered counts completed handler calls, failed ones included");
    assert.equal(end.handlerErrors - start.handlerErrors, 1);
    assert.equal(end.pending, 0);
  },
};
