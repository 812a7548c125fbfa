import assert from "node:assert/strict";
import { gate, turns, waitFor } from "./caseTools.js";
import type { Gate } from "./caseTools.js";
import type { CaseBodies } from "./cases.js";

/** How many handler calls of one subscription run at once. */
export const CONCURRENCY_CASES: CaseBodies<"concurrencyOneByDefault" | "concurrencyLimit"> = {
  async concurrencyOneByDefault({ bus }) {
    const started: number[] = [];
    const gates = [gate(), gate(), gate()];
    let running = 0;
    let peak = 0;
    bus.subscribe("job", async (message) => {
      const n = message.payload as number;
      started.push(n);
      running++;
      peak = Math.max(peak, running);
      await (gates[n] as Gate).promise;
      running--;
    });
    for (const n of [0, 1, 2]) await bus.publish("job", n);
    await waitFor(() => started.length >= 1, "the first call to start");
    await turns(20);
    assert.deepEqual(started, [0], "a second call started while the first was running");
    (gates[0] as Gate).release();
    await waitFor(() => started.length >= 2, "the second call to start");
    (gates[1] as Gate).release();
    (gates[2] as Gate).release();
    await bus.flush();
    assert.deepEqual(started, [0, 1, 2]);
    assert.equal(peak, 1);
  },

  async concurrencyLimit({ bus }) {
    const started: number[] = [];
    const gates = Array.from({ length: 5 }, () => gate());
    let running = 0;
    let peak = 0;
    bus.subscribe(
      "job",
      async (message) => {
        const n = message.payload as number;
        started.push(n);
        running++;
        peak = Math.max(peak, running);
        await (gates[n] as Gate).promise;
        running--;
      },
      { concurrency: 3 },
    );
    for (let n = 0; n < 5; n++) await bus.publish("job", n);
    await waitFor(() => started.length >= 3, "three calls to run at once");
    await turns(20);
    assert.deepEqual(started, [0, 1, 2], "more than `concurrency` calls started");
    (gates[1] as Gate).release();
    await waitFor(() => started.length >= 4, "a fourth call once one finished");
    for (const g of gates) g.release();
    await bus.flush();
    assert.deepEqual([...started].sort(), [0, 1, 2, 3, 4]);
    assert.equal(peak, 3);
  },
};
