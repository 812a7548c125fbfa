import assert from "node:assert/strict";
import type { Message } from "../../bus/Bus.js";
import { SOON_MS, gate, waitFor, within } from "./caseTools.js";
import type { CaseBodies } from "./cases.js";

/** Publish and subscribe: what a message carries, when handlers run, in which order, and who receives it. */
export const PUBLISH_SUBSCRIBE_CASES: CaseBodies<"publishDelivers" | "deliveryIsAsynchronous" | "fifoPerSubscription" | "everySubscriberReceives"> = {
  async publishDelivers({ bus, clock }) {
    const got: Message[] = [];
    bus.subscribe("orders.new", (message) => {
      got.push(message);
    });
    const before = Date.now();
    await bus.publish("orders.new", { qty: 1, side: "buy" }, { headers: { trace: "t-1" } });
    await bus.publish("orders.new", { qty: 2, side: "sell" });
    await bus.flush();
    const after = Date.now();
    assert.equal(got.length, 2, "the subscriber should receive both messages");
    const [first, second] = got as [Message, Message];
    for (const message of got) {
      assert.equal(typeof message.id, "string");
      assert.ok(message.id.length > 0, "message.id should be non-empty");
      assert.equal(message.topic, "orders.new");
      assert.equal(typeof message.timestamp, "number");
      const onClock = message.timestamp === clock.now();
      const onRealTime = message.timestamp >= before - 1_000 && message.timestamp <= after + 1_000;
      assert.ok(onClock || onRealTime, `message.timestamp ${message.timestamp} is neither the bus clock's time nor the current time`);
    }
    assert.notEqual(first.id, second.id, "message ids should be unique");
    assert.deepEqual(first.payload, { qty: 1, side: "buy" });
    assert.deepEqual(second.payload, { qty: 2, side: "sell" });
    assert.deepEqual({ ...first.headers }, { trace: "t-1" });
  },

  async deliveryIsAsynchronous({ bus }) {
    let calls = 0;
    const hold = gate();
    bus.subscribe("work.slow", async () => {
      calls++;
      await hold.promise;
    });
    const published = bus.publish("work.slow", 1);
    assert.equal(calls, 0, "a handler ran inside publish(): delivery must be asynchronous");
    assert.equal(typeof published.then, "function", "publish should return a promise");
    await within(published, SOON_MS, "publish() to resolve while its handler is still running");
    await waitFor(() => calls >= 1, "the handler to be called");
    hold.release();

    const order: string[] = [];
    bus.subscribe("work.chain", (message) => {
      order.push(`start ${String(message.payload)}`);
      if (message.payload === 1) void bus.publish("work.chain", 2);
      order.push(`end ${String(message.payload)}`);
    });
    await bus.publish("work.chain", 1);
    await waitFor(() => order.length >= 4, "both chained messages to be handled");
    assert.deepEqual(order, ["start 1", "end 1", "start 2", "end 2"], "a publish inside a handler must not re-enter handlers");
  },

  async fifoPerSubscription({ bus }) {
    const sync: unknown[] = [];
    const async: unknown[] = [];
    bus.subscribe("seq", (message) => {
      sync.push(message.payload);
    });
    bus.subscribe("seq", async (message) => {
      await Promise.resolve();
      await Promise.resolve();
      async.push(message.payload);
    });
    const expected = Array.from({ length: 200 }, (_, i) => i);
    for (const n of expected) void bus.publish("seq", n);
    await bus.flush();
    assert.deepEqual(sync, expected);
    assert.deepEqual(async, expected);
  },

  async everySubscriberReceives({ bus }) {
    const got: string[] = [];
    const handler = (message: Message): void => {
      got.push(String(message.payload));
    };
    bus.subscribe("fan.out", handler);
    bus.subscribe("fan.out", handler);
    bus.subscribe("fan.*", (message) => {
      got.push(`star ${String(message.payload)}`);
    });
    await bus.publish("fan.out", 1);
    await bus.publish("fan.out", 2);
    await bus.flush();
    assert.deepEqual([...got].sort(), ["1", "1", "2", "2", "star 1", "star 2"]);
  },
};
