import assert from "node:assert/strict";
import { SOON_MS, gate, hasCode, turns, waitFor, within } from "./caseTools.js";
import type { CaseBodies } from "./cases.js";

/** Flush, close and unsubscribe: what they wait for and what they stop. */
export const FLUSH_AND_CLOSE_CASES: CaseBodies<"flushCoversEarlierMessages" | "flushIgnoresLaterMessages" | "closeFlushesThenRefuses" | "unsubscribeStopsDelivery"> = {
  async flushCoversEarlierMessages({ bus }) {
    await within(bus.flush(), SOON_MS, "flush() on an idle bus");
    let sync = 0;
    let async = 0;
    bus.subscribe("batch", () => {
      sync++;
    });
    bus.subscribe("batch.*", async () => {
      await turns(2);
      async++;
    });
    bus.subscribe(
      "batch.*",
      async () => {
        await Promise.resolve();
      },
      { concurrency: 4 },
    );
    for (let i = 0; i < 50; i++) {
      void bus.publish("batch", i);
      void bus.publish("batch.x", i);
    }
    await within(bus.flush(), SOON_MS, "flush()");
    assert.equal(sync, 50);
    assert.equal(async, 50, "flush resolved before every earlier message was handled");
  },

  async flushIgnoresLaterMessages({ bus }) {
    let running = true;
    let handled = 0;
    bus.subscribe("loop", async (message) => {
      handled++;
      await Promise.resolve();
      if (running) await bus.publish("loop", (message.payload as number) + 1);
    });
    await bus.publish("loop", 0);
    try {
      await within(bus.flush(), SOON_MS, "flush() while handlers keep publishing");
      assert.ok(handled >= 1, "the message published before flush() should have been handled");
    } finally {
      running = false;
    }
  },

  async closeFlushesThenRefuses({ bus }) {
    let handled = 0;
    bus.subscribe("last.words", async () => {
      await turns(2);
      handled++;
    });
    for (let i = 0; i < 5; i++) await bus.publish("last.words", i);
    await within(bus.close(), SOON_MS, "close()");
    assert.equal(handled, 5, "close() should flush the pending messages first");
    await assert.rejects(bus.publish("last.words", 6), (error: unknown) => hasCode(error, "BUS_CLOSED"));
    await assert.rejects(bus.request("last.words", 7, { timeoutMs: 60_000 }), (error: unknown) => hasCode(error, "BUS_CLOSED"));
    await within(bus.close(), SOON_MS, "a second close()");
    assert.equal(handled, 5);
  },

  async unsubscribeStopsDelivery({ bus }) {
    const received: unknown[] = [];
    const hold = gate();
    const subscription = bus.subscribe("feed", async (message) => {
      received.push(message.payload);
      await hold.promise;
    });
    const others: unknown[] = [];
    bus.subscribe("feed", (message) => {
      others.push(message.payload);
    });
    await bus.publish("feed", 0);
    await waitFor(() => received.length >= 1, "the first message to be in the handler");
    await bus.publish("feed", 1);
    await bus.publish("feed", 2);
    const before = bus.stats?.().dropped;
    await subscription.unsubscribe();
    if (before !== undefined) assert.equal(bus.stats?.().dropped, before + 2, "the two pending messages should be counted as dropped");
    hold.release();
    await bus.publish("feed", 3);
    await bus.flush();
    await subscription.unsubscribe();
    assert.deepEqual(received, [0], "no message may reach a subscription after unsubscribe");
    assert.deepEqual(others, [0, 1, 2, 3]);
  },
};
