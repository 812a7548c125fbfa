import assert from "node:assert/strict";
import type { Bus, Message, SubscribeOptions } from "../../bus/Bus.js";
import { gate, turns, waitFor } from "./caseTools.js";
import type { Gate } from "./caseTools.js";
import type { CaseBodies } from "./cases.js";

/** A subscription to "job" whose call for payload `n` holds until `gates[n]` is released; records the calls started and the peak running at once. */
function gatedJobs(bus: Bus, count: number, options?: SubscribeOptions): { started: number[]; gates: Gate[]; peak: () => number } {
  const started: number[] = [];
  const gates = Array.from({ length: count }, () => gate());
  let running = 0;
  let peak = 0;
  const handler = async (message: Message): Promise<void> => {
    const n = message.payload as number;
    started.push(n);
    running++;
    peak = Math.max(peak, running);
    await (gates[n] as Gate).promise;
    running--;
  };
  // the default case subscribes without options, as a user relying on the default would
  if (options === undefined) bus.subscribe("job", handler);
  else bus.subscribe("job", handler, options);
  return { started, gates, peak: () => peak };
}

/** How many handler calls of one subscription run at once. */
export const CONCURRENCY_CASES: CaseBodies<"concurrencyOneByDefault" | "concurrencyLimit"> = {
  async concurrencyOneByDefault({ bus }) {
    const { started, gates, peak } = gatedJobs(bus, 3);
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
    assert.equal(peak(), 1);
  },

  async concurrencyLimit({ bus }) {
    const { started, gates, peak } = gatedJobs(bus, 5, { concurrency: 3 });
    for (let n = 0; n < 5; n++) await bus.publish("job", n);
    await waitFor(() => started.length >= 3, "three calls to run at once");
    await turns(20);
    assert.deepEqual(started, [0, 1, 2], "more than `concurrency` calls started");
    (gates[1] as Gate).release();
    await waitFor(() => started.length >= 4, "a fourth call once one finished");
    for (const g of gates) g.release();
    await bus.flush();
    assert.deepEqual([...started].sort(), [0, 1, 2, 3, 4]);
    assert.equal(peak(), 3);
  },
};
