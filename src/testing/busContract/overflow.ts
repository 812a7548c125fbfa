import assert from "node:assert/strict";
import type { Bus } from "../../bus/Bus.js";
import { gate, hasCode, waitFor } from "./caseTools.js";
import type { CaseBodies } from "./cases.js";

/** A full subscription queue: each overflow policy, and what it counts. */
export const OVERFLOW_CASES: CaseBodies<"overflowDropOldest" | "overflowDropNewest" | "overflowErrorRejects"> = {
  async overflowDropOldest({ bus }) {
    const { received, release } = await fillQueue(bus, {});
    const before = bus.stats?.().dropped;
    for (const n of [1, 2, 3, 4]) await bus.publish("q", n);
    if (before !== undefined) assert.equal(bus.stats?.().dropped, before + 2, "stats().dropped should count the two dropped messages");
    release();
    await bus.flush();
    assert.deepEqual(received, [0, 3, 4], "the oldest pending messages (1, 2) should have been dropped");
  },

  async overflowDropNewest({ bus }) {
    const { received, release } = await fillQueue(bus, { overflow: "drop-newest" });
    const before = bus.stats?.().dropped;
    for (const n of [1, 2, 3, 4]) await bus.publish("q", n);
    if (before !== undefined) assert.equal(bus.stats?.().dropped, before + 2, "stats().dropped should count the two dropped messages");
    release();
    await bus.flush();
    assert.deepEqual(received, [0, 1, 2], "the new messages (3, 4) should have been dropped");
  },

  async overflowErrorRejects({ bus }) {
    const other: unknown[] = [];
    bus.subscribe("q", (message) => {
      other.push(message.payload);
    });
    const { received, release } = await fillQueue(bus, { overflow: "error", maxPending: 1 });
    await bus.publish("q", 1);
    await assert.rejects(bus.publish("q", 2), (error: unknown) => hasCode(error, "QUEUE_FULL"), "the publish finding the queue full should reject with QUEUE_FULL");
    release();
    await bus.flush();
    await bus.publish("q", 3);
    await bus.flush();
    assert.deepEqual(received, [0, 1, 3]);
    assert.deepEqual(other, [0, 1, 3], "a refused message must be queued nowhere, not even for subscriptions with room");
  },
};

/** A subscription to "q" (maxPending 2 unless given) whose handler holds message 0 until `release()`. */
async function fillQueue(
  bus: Bus,
  options: { overflow?: "drop-oldest" | "drop-newest" | "error"; maxPending?: number },
): Promise<{ received: unknown[]; release: () => void }> {
  const received: unknown[] = [];
  const hold = gate();
  bus.subscribe(
    "q",
    async (message) => {
      received.push(message.payload);
      if (message.payload === 0) await hold.promise;
    },
    { maxPending: options.maxPending ?? 2, ...(options.overflow === undefined ? {} : { overflow: options.overflow }) },
  );
  await bus.publish("q", 0);
  await waitFor(() => received.length >= 1, "message 0 to be in the handler");
  return { received, release: hold.release };
}
