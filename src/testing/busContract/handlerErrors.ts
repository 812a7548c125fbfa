import assert from "node:assert/strict";
import type { Message } from "../../bus/Bus.js";
import { describeThrown } from "../../errors/describeThrown.js";
import { SOON_MS, within } from "./caseTools.js";
import type { CaseBodies } from "./cases.js";

/** A failing handler (or onError) is isolated from the publisher and the other subscribers. */
export const HANDLER_ERROR_CASES: CaseBodies<"handlerErrorIsolated" | "onErrorThrowingIsContained"> = {
  async handlerErrorIsolated({ bus }) {
    const routed: Array<{ error: unknown; topic: string; payload: unknown }> = [];
    const onError = (error: unknown, message: Message): void => {
      routed.push({ error, topic: message.topic, payload: message.payload });
    };
    let throwerCalls = 0;
    bus.subscribe(
      "risky",
      (message) => {
        throwerCalls++;
        throw new Error(`sync ${String(message.payload)}`);
      },
      { onError },
    );
    bus.subscribe(
      "risky",
      async (message) => {
        await Promise.resolve();
        throw new Error(`async ${String(message.payload)}`);
      },
      { onError },
    );
    const healthy: unknown[] = [];
    bus.subscribe("risky", (message) => {
      healthy.push(message.payload);
    });
    const errorsBefore = bus.stats?.().handlerErrors;
    await within(bus.publish("risky", 1), SOON_MS, "publish to resolve despite failing handlers");
    await bus.publish("risky", 2);
    await bus.flush();
    assert.deepEqual(healthy, [1, 2], "other subscribers must be unaffected");
    assert.equal(throwerCalls, 2, "a subscription whose handler threw must keep receiving");
    const messages = routed.map((entry) => describeThrown(entry.error)).sort();
    assert.deepEqual(messages, ["async 1", "async 2", "sync 1", "sync 2"]);
    for (const entry of routed) assert.equal(entry.topic, "risky", "onError should receive the failed message");
    if (errorsBefore !== undefined) assert.equal(bus.stats?.().handlerErrors, errorsBefore + 4);
  },

  async onErrorThrowingIsContained({ bus }) {
    let calls = 0;
    bus.subscribe(
      "fragile",
      () => {
        calls++;
        throw new Error("handler failed");
      },
      {
        onError: () => {
          throw new Error("onError failed too");
        },
      },
    );
    const healthy: unknown[] = [];
    bus.subscribe("fragile", (message) => {
      healthy.push(message.payload);
    });
    for (const n of [1, 2, 3]) await bus.publish("fragile", n);
    await bus.flush();
    assert.equal(calls, 3, "delivery to the failing subscription must go on");
    assert.deepEqual(healthy, [1, 2, 3]);
  },
};
