import assert from "node:assert/strict";
import { hasCode } from "../busContract/caseTools.js";
import { begin, end, expectRecord, expectResults, KEY, OTHER_KEY, pass, pause, plain, running, slot } from "./changes.js";
import type { StoreCaseBodies } from "./cases.js";

const MANY = 200;

/** The cases of `apply()`, `get()`, `load()` and `close()` themselves, one store. */
export const APPLY_CASES: StoreCaseBodies<
  "resultsPerChange" | "manyAppliesOneTurn" | "keysIndependent" | "getLatest" | "loadReturnsChanges" | "recordsArePlainData" | "closeRefusesApply"
> = {
  async resultsPerChange({ open }) {
    const store = await open();
    const changes = [begin(slot(1)), begin(slot(1)), end(slot(1)), end(slot(1)), pass(slot(1)), pass(slot(3)), begin(slot(2)), begin(slot(4))];
    await expectResults(store, changes, [true, false, true, false, false, true, false, true], "one apply of eight changes");
    await expectResults(store, [], [], "an apply of no changes");
  },

  async manyAppliesOneTurn({ open }) {
    const store = await open();
    const order: number[] = [];
    const pending: Array<Promise<boolean[]>> = [];
    for (let i = 0; i < MANY; i++) {
      // each slot's begin and end in two applies, and every tenth begin repeated (refused)
      const changes = i % 2 === 0 ? [begin(slot(i))] : [end(slot(i - 1), i > 1 ? { follows: slot(i - 3) } : {})];
      if (i % 20 === 0) changes.push(begin(slot(i)));
      pending.push(store.apply(changes).then((results) => (order.push(i), results)));
    }
    const results = await Promise.all(pending);
    assert.deepStrictEqual(order, [...Array(MANY).keys()], "the applies did not resolve in the order they were made");
    results.forEach((result, i) => assert.deepStrictEqual(result, i % 20 === 0 ? [true, false] : [true], `apply #${i} returned ${JSON.stringify(result)}`));
    const record = await store.get(KEY);
    assert.deepStrictEqual(plain(record)?.ran, [[slot(0), slot(MANY - 2)]], `after ${MANY / 2} runs of consecutive slots: ran is ${JSON.stringify(record?.ran)}`);
  },

  async keysIndependent({ open }) {
    const store = await open();
    await expectResults(store, [begin(slot(3)), begin(slot(2), { key: OTHER_KEY })], [true, true], "a begin on one key, a begin next of an earlier slot on another");
    await expectResults(store, [pause(true, OTHER_KEY)], [true], "a pause on the other key");
    await expectRecord(store, { lastSlot: slot(3), running: [running(slot(3))], ran: [] }, "the first key");
    await expectRecord(store, { lastSlot: slot(2), running: [running(slot(2))], ran: [], paused: true }, "the other key", OTHER_KEY);
  },

  async getLatest({ open }) {
    const store = await open();
    await expectResults(store, [begin(slot(1))], [true], "begin");
    await expectRecord(store, { lastSlot: slot(1), running: [running(slot(1))], ran: [] }, "after begin");
    await expectResults(store, [end(slot(1), { outcome: "hung" })], [true], "end");
    const lastRun = { slot: slot(1), outcome: "hung", attempt: 1, endedAt: slot(1) + 500, startedAt: slot(1) + 5 } as const;
    await expectRecord(store, { lastSlot: slot(1), lastRun, running: [], ran: [[slot(1), slot(1)]] }, "after end");
  },

  async loadReturnsChanges({ open }) {
    const store = await open();
    await expectResults(store, [begin(slot(1)), end(slot(1)), begin(slot(2)), pause(true, OTHER_KEY)], [true, true, true, true], "changes on two keys");
    const snapshot = await store.load();
    assert.deepStrictEqual([...snapshot.records.keys()].sort(), [KEY, OTHER_KEY].sort(), "load() did not return exactly the two keys written");
    for (const key of [KEY, OTHER_KEY]) assert.deepStrictEqual(plain(snapshot.records.get(key)), plain(await store.get(key)), `load() and get() differ for ${key}`);
  },

  async recordsArePlainData({ open }) {
    const store = await open();
    await expectResults(store, [begin(slot(1)), end(slot(1)), begin(slot(2)), pause(true)], [true, true, true, true], "changes");
    const record = await store.get(KEY);
    assert.deepStrictEqual(plain(record), record === undefined ? undefined : { ...record }, "the record is not plain JSON data");
  },

  async closeRefusesApply({ open }) {
    const store = await open();
    await expectResults(store, [begin(slot(1))], [true], "begin");
    await store.close();
    await store.close();
    await assert.rejects(store.apply([end(slot(1))]), (error) => hasCode(error, "STORE_CLOSED"), "apply() after close() did not reject with STORE_CLOSED");
  },
};
