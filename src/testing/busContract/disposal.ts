import assert from "node:assert/strict";
import { ASYNC_DISPOSE, DISPOSE } from "../../disposeSymbols.js";
import { SOON_MS, hasCode, turns, within } from "./caseTools.js";
import type { CaseBodies } from "./cases.js";

/**
 * `await using bus` and `using subscription`: optional on the `Bus` and
 * `Subscription` interfaces, so these cases check them where a bus has them.
 */
export const DISPOSAL_CASES: CaseBodies<"asyncDisposeCloses" | "subscriptionDisposeUnsubscribes"> = {
  async asyncDisposeCloses({ bus }) {
    const dispose = bus[ASYNC_DISPOSE];
    if (dispose === undefined) return;
    let handled = 0;
    bus.subscribe("tidy.up", async () => {
      await turns(2);
      handled++;
    });
    for (let i = 0; i < 3; i++) await bus.publish("tidy.up", i);
    await within(dispose.call(bus), SOON_MS, "bus[Symbol.asyncDispose]()");
    assert.equal(handled, 3, "disposing the bus should close it as close() does, handling the pending messages first");
    await assert.rejects(bus.publish("tidy.up", 3), (error: unknown) => hasCode(error, "BUS_CLOSED"), "a disposed bus should refuse publish with BUS_CLOSED");
    await within(Promise.resolve(bus.close()), SOON_MS, "close() after disposal");
    await within(dispose.call(bus), SOON_MS, "a second disposal");
    assert.equal(handled, 3);
  },

  async subscriptionDisposeUnsubscribes({ bus }) {
    const received: unknown[] = [];
    const subscription = bus.subscribe("scoped", (message) => {
      received.push(message.payload);
    });
    const dispose = subscription[DISPOSE];
    if (dispose === undefined) return;
    await bus.publish("scoped", 1);
    await bus.flush();
    const result: unknown = dispose.call(subscription);
    assert.equal(result, undefined, "[Symbol.dispose]() returns nothing (a `using` block does not wait)");
    await bus.publish("scoped", 2).catch(() => undefined);
    await bus.flush();
    dispose.call(subscription);
    await subscription.unsubscribe();
    assert.deepEqual(received, [1], "no message may reach a subscription after its disposal");
  },
};
