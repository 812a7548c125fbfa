import assert from "node:assert/strict";
import type { CaseBodies } from "./cases.js";

/** Queue groups: one member per message, across the group's patterns. */
export const QUEUE_GROUP_CASES: CaseBodies<"queueGroups"> = {
  async queueGroups({ bus }) {
    const members: unknown[][] = [[], [], []];
    members.forEach((list, i) => {
      bus.subscribe(
        i === 2 ? "jobs.*" : "jobs.run",
        (message) => {
          list.push(message.payload);
        },
        { queue: "workers" },
      );
    });
    const crossPattern: unknown[] = [];
    bus.subscribe("jobs.>", (message) => void crossPattern.push(message.payload), { queue: "auditors" });
    bus.subscribe("*.run", (message) => void crossPattern.push(message.payload), { queue: "auditors" });
    const plain: unknown[] = [];
    bus.subscribe("jobs.run", (message) => {
      plain.push(message.payload);
    });
    const sent = Array.from({ length: 30 }, (_, i) => i);
    for (const n of sent) await bus.publish("jobs.run", n);
    await bus.flush();
    const all = members.flat().sort((a, b) => (a as number) - (b as number));
    assert.deepEqual(all, sent, "each message should reach exactly one member of the queue group 'workers'");
    assert.deepEqual([...crossPattern].sort((a, b) => (a as number) - (b as number)), sent, "a queue group spans its members' patterns: one delivery per message");
    assert.deepEqual(plain, sent, "a plain subscriber should receive every message");
  },
};
