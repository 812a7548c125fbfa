import assert from "node:assert/strict";
import { begin, end, expectRecord, expectResults, pass, pause, running, slot } from "./changes.js";
import type { StoreCaseBodies } from "./cases.js";

/** The cases of each change's rule (`applyChange()`), one store. */
export const RULE_CASES: StoreCaseBodies<"emptyLoad" | "beginNext" | "endRun" | "passSlots" | "pauseFlag" | "retryInterrupted" | "backfillSlots"> = {
  async emptyLoad({ make }) {
    const store = await make();
    const snapshot = await store.load();
    assert.equal(snapshot.records.size, 0, `a fresh store loaded ${snapshot.records.size} records`);
    assert.equal(snapshot.problem, undefined, `a fresh store reported a problem: ${JSON.stringify(snapshot.problem)}`);
    assert.equal(await store.get("contract-agent:none"), undefined, "get() of a key never written is not undefined");
  },

  async beginNext({ open }) {
    const store = await open();
    await expectResults(store, [begin(slot(2))], [true], "begin next of a first slot");
    await expectRecord(store, { lastSlot: slot(2), running: [running(slot(2))], ran: [] }, "after begin next");
    await expectResults(store, [begin(slot(2)), begin(slot(1))], [false, false], "begin next of lastSlot and of an earlier slot");
    await expectResults(store, [begin(slot(3))], [true], "begin next of the slot after lastSlot");
    // a begin next of the slot after a begun one follows it (kept in the running entry, for the ranges of ran slots)
    await expectRecord(store, { lastSlot: slot(3), running: [running(slot(2)), running(slot(3), 1, undefined, slot(2))], ran: [] }, "after a second begin next");
    await expectResults(store, [end(slot(2)), end(slot(3))], [true, true], "both end");
    await expectRecord(
      store,
      { lastSlot: slot(3), lastRun: { slot: slot(3), outcome: "ok", attempt: 1, endedAt: slot(3) + 500, startedAt: slot(3) + 5 }, running: [], ran: [[slot(2), slot(3)]] },
      "the second slot grows the first one's range",
    );
  },

  async endRun({ open }) {
    const store = await open();
    await expectResults(store, [end(slot(1))], [false], "end of a slot that never began");
    await expectResults(store, [begin(slot(1)), end(slot(1))], [true, true], "begin then end");
    const lastRun = { slot: slot(1), outcome: "ok", attempt: 1, endedAt: slot(1) + 500, startedAt: slot(1) + 5 } as const;
    await expectRecord(store, { lastSlot: slot(1), lastRun, running: [], ran: [[slot(1), slot(1)]] }, "after the end");
    await expectResults(store, [end(slot(1))], [false], "a second end of the same run");
    await expectResults(store, [begin(slot(2)), end(slot(2), { outcome: "error", follows: slot(1) })], [true, true], "the next slot, ending with an error");
    const failed = { slot: slot(2), outcome: "error", attempt: 1, endedAt: slot(2) + 500, startedAt: slot(2) + 5 } as const;
    await expectRecord(store, { lastSlot: slot(2), lastRun: failed, running: [], ran: [[slot(1), slot(2)]] }, "a range grows by the slot it follows");
  },

  async passSlots({ open }) {
    const store = await open();
    await expectResults(store, [pass(slot(4))], [true], "pass on an empty record");
    await expectRecord(store, { lastSlot: slot(4), lastPassed: true, running: [], ran: [] }, "after pass");
    await expectResults(store, [pass(slot(4)), pass(slot(3))], [false, false], "pass that would not move lastSlot");
    await expectResults(store, [begin(slot(4)), begin(slot(2))], [false, false], "begin next of passed slots");
    await expectResults(store, [pass(slot(6)), begin(slot(7))], [true, true], "pass forward, then begin next after it");
    // a slot after a passed one follows no ran slot; the begin clears the mark
    await expectRecord(store, { lastSlot: slot(7), running: [running(slot(7))], ran: [] }, "begin next after a pass");
  },

  async pauseFlag({ open }) {
    const store = await open();
    await expectResults(store, [pause(false)], [false], "resume of a trigger never paused");
    await expectResults(store, [pause(true), pause(true)], [true, false], "pause, then pause again");
    await expectRecord(store, { running: [], ran: [], paused: true }, "after pause");
    await expectResults(store, [begin(slot(1))], [false], "begin next while paused");
    await expectResults(store, [begin(slot(1), { mode: "backfill" })], [true], "begin backfill while paused");
    await expectResults(store, [end(slot(1)), pause(false)], [true, true], "its end, then resume");
    await expectResults(store, [begin(slot(2))], [true], "begin next after resume");
    await expectRecord(store, { lastSlot: slot(2), lastRun: { slot: slot(1), outcome: "ok", attempt: 1, endedAt: slot(1) + 500, startedAt: slot(1) + 5 }, running: [running(slot(2), 1, undefined, slot(1))], ran: [[slot(1), slot(1)]], paused: false }, "after resume");
  },

  async retryInterrupted({ open }) {
    const store = await open();
    await expectResults(store, [begin(slot(1), { mode: "retry", attempt: 2 })], [false], "retry of a slot not running");
    await expectResults(store, [begin(slot(1))], [true], "begin next");
    await expectResults(store, [begin(slot(1), { mode: "retry", attempt: 3 })], [false], "retry with an attempt that does not follow");
    await expectResults(store, [begin(slot(1), { mode: "retry", attempt: 2 })], [true], "retry with attempt 2");
    await expectRecord(store, { lastSlot: slot(1), running: [running(slot(1), 2)], ran: [] }, "the retry replaced the run");
    await expectResults(store, [end(slot(1), { attempt: 1 })], [false], "end of the replaced attempt");
    await expectResults(store, [end(slot(1), { attempt: 2, outcome: "interrupted" })], [true], "interrupted end of attempt 2");
    const lastRun = { slot: slot(1), outcome: "interrupted", attempt: 2, endedAt: slot(1) + 500, startedAt: slot(1) + 5 } as const;
    await expectRecord(store, { lastSlot: slot(1), lastRun, running: [], ran: [] }, "an interrupted slot is not in ran");
  },

  async backfillSlots({ open }) {
    const store = await open();
    await expectResults(store, [begin(slot(5)), end(slot(5))], [true, true], "a live slot runs");
    await expectResults(store, [begin(slot(5), { mode: "backfill" })], [false], "backfill of a slot that ran");
    await expectResults(store, [begin(slot(1), { mode: "backfill" })], [true], "backfill of an earlier slot");
    await expectResults(store, [begin(slot(1), { mode: "backfill" })], [false], "backfill of a slot running");
    await expectResults(store, [end(slot(1)), begin(slot(1), { mode: "backfill" })], [true, false], "backfill again after its end");
    await expectResults(store, [begin(slot(8), { mode: "backfill" })], [true], "backfill of a slot after lastSlot");
    const record = await store.get("contract-agent:eod");
    assert.equal(record?.lastSlot, slot(8), `a backfill after lastSlot moves it: lastSlot is ${String(record?.lastSlot)}`);
  },
};
