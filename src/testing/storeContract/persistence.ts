import assert from "node:assert/strict";
import { begin, end, expectRecord, expectResults, KEY, OTHER_KEY, pause, plain, running, slot } from "./changes.js";
import type { StoreCaseBodies } from "./cases.js";

const CLAIMANTS = 4;

/** The cases of data that outlives a store (`durable`) and of stores live at once over the same data (`shared`). */
export const PERSISTENCE_CASES: StoreCaseBodies<"durableReopen" | "durableNoRerun" | "sharedSeesChanges" | "sharedClaimOnce" | "sharedEndAnywhere"> = {
  async durableReopen({ open }) {
    const first = await open();
    await expectResults(first, [begin(slot(1)), end(slot(1)), begin(slot(2)), pause(true, OTHER_KEY)], [true, true, true, true], "changes");
    const before = new Map([[KEY, plain(await first.get(KEY))], [OTHER_KEY, plain(await first.get(OTHER_KEY))]]);
    await first.close();
    const second = await open();
    const snapshot = await second.load();
    assert.equal(snapshot.problem, undefined, `the reopened store reported a problem: ${JSON.stringify(snapshot.problem)}`);
    for (const [key, record] of before) {
      assert.deepStrictEqual(plain(snapshot.records.get(key)), record, `after a reopen, load() returned another record for ${key}`);
    }
  },

  async durableNoRerun({ open }) {
    const first = await open();
    await expectResults(first, [begin(slot(1)), end(slot(1)), begin(slot(2))], [true, true, true], "a slot ran, the next began");
    await first.close();
    const second = await open();
    await expectResults(second, [begin(slot(1)), begin(slot(2))], [false, false], "begin next of those slots after a reopen");
    await expectResults(second, [begin(slot(1), { mode: "backfill" })], [false], "backfill of the slot that ran, after a reopen");
    await expectResults(second, [end(slot(2), { outcome: "interrupted" })], [true], "end of the run left open before the reopen");
  },

  async sharedSeesChanges({ open }) {
    const a = await open();
    const b = await open();
    await expectResults(a, [begin(slot(1))], [true], "begin through the first store");
    await expectRecord(b, { lastSlot: slot(1), running: [running(slot(1))], ran: [] }, "the second store");
    await expectResults(b, [pause(true)], [true], "pause through the second store");
    const record = await a.get(KEY);
    assert.equal(record?.paused, true, "the first store does not see the pause made through the second");
    await expectResults(a, [begin(slot(1))], [false], "begin next of the same slot through the first store");
  },

  async sharedClaimOnce({ open }) {
    const stores = await Promise.all(Array.from({ length: CLAIMANTS }, () => open()));
    await expectResults(stores[0] as (typeof stores)[number], [begin(slot(1)), end(slot(1))], [true, true], "a first slot");
    const results = await Promise.all(stores.map((store, i) => store.apply([begin(slot(2), { instance: `instance-${i}` })])));
    const accepted = results.filter((result) => result[0] === true).length;
    assert.equal(accepted, 1, `${CLAIMANTS} stores began the same slot at once and ${accepted} were accepted: ${JSON.stringify(results)}`);
    const winner = results.findIndex((result) => result[0] === true);
    await expectRecord(stores[0] as (typeof stores)[number], { lastSlot: slot(2), lastRun: { slot: slot(1), outcome: "ok", attempt: 1, endedAt: slot(1) + 500, startedAt: slot(1) + 5 }, running: [running(slot(2), 1, `instance-${winner}`, slot(1))], ran: [[slot(1), slot(1)]] }, "after the claim");
  },

  async sharedEndAnywhere({ open }) {
    const a = await open();
    const b = await open();
    await expectResults(a, [begin(slot(1))], [true], "begin through the first store");
    await expectResults(b, [end(slot(1))], [true], "end through the second store");
    await expectResults(a, [end(slot(1))], [false], "a second end through the first store");
  },
};
