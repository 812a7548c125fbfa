import { describe, expect, it } from "vitest";
import type { NatsTriggerStore } from "../../src/nats/NatsTriggerStore.js";
import { recordKey } from "../../src/state/TriggerStore.js";
import type { TriggerChange } from "../../src/state/TriggerStore.js";
import { natsSuite } from "../helpers/nats/natsSuite.js";
import { freshBucket, storeOn } from "../helpers/nats/triggerStoreBuckets.js";

const suite = natsSuite();

const begin = (key: string, slot: number, instance: string): TriggerChange => ({ type: "begin", key, slot, attempt: 1, mode: "next", at: slot, instance });
const end = (key: string, slot: number): TriggerChange => ({ type: "end", key, slot, attempt: 1, outcome: "ok", at: slot + 1 });

async function threeStores(bucket: string): Promise<NatsTriggerStore[]> {
  return Promise.all(["a", "b", "c"].map((instance) => storeOn(suite, bucket, { instance })));
}

describe("NatsTriggerStore: the claim", () => {
  it("accepts exactly one of three instances' begins of each slot, over many slots and triggers", async () => {
    const bucket = freshBucket(suite);
    const stores = await threeStores(bucket);
    const keys = Array.from({ length: 8 }, (_, i) => recordKey(`agent${i}`, "every:1s"));
    const slots = Array.from({ length: 15 }, (_, i) => 1_000 * (i + 1));
    // every instance sends one turn per slot, all turns at once: the writes of the instances interleave freely
    const turns = stores.map((store) => slots.map((slot) => store.apply(keys.map((key) => begin(key, slot, store.instance)))));
    const results = await Promise.all(turns.map((perStore) => Promise.all(perStore)));
    for (const [k, key] of keys.entries()) {
      const record = await stores[0]?.get(key);
      expect(record?.lastSlot).toBe(slots.at(-1));
      for (const [s, slot] of slots.entries()) {
        const winners = stores.filter((_, i) => results[i]?.[s]?.[k] === true).map((store) => store.instance);
        expect(winners, `${key} slot ${slot}`).toHaveLength(1);
        // the record names the instance whose begin was accepted
        expect(record?.running.filter((run) => run.slot === slot).map((run) => run.instance)).toEqual(winners);
      }
    }
  });

  it("lands both an end and a begin made at once on the same key by two instances", async () => {
    const bucket = freshBucket(suite);
    let [runner, other] = (await threeStores(bucket)) as [NatsTriggerStore, NatsTriggerStore];
    const key = recordKey("report", "cron");
    expect(await runner.apply([begin(key, 1, runner.instance)])).toEqual([true]);
    for (let slot = 1; slot <= 20; slot++) {
      // the runner of `slot` ends it while the other instance begins the next slot; the other's copy is
      // older than the runner's last write, so its write loses the race and is decided again on a fresh read
      const [ended, begun] = await Promise.all([runner.apply([end(key, slot)]), other.apply([begin(key, slot + 1, other.instance)])]);
      expect([ended, begun], `slot ${slot}`).toEqual([[true], [true]]);
      [runner, other] = [other, runner];
    }
    const record = await runner.get(key);
    expect(record?.running.map((run) => [run.slot, run.instance])).toEqual([[21, runner.instance]]);
    expect(record?.lastSlot).toBe(21);
    // each begin next follows the slot begun before it, so the twenty ran slots make one range
    expect(record?.ran).toEqual([[1, 20]]);
  });

  it("decides again on a fresh read when its copy is stale, and refuses only then", async () => {
    const bucket = freshBucket(suite);
    const [a, b] = (await threeStores(bucket)) as [NatsTriggerStore, NatsTriggerStore];
    const key = recordKey("report", "cron");
    await a.apply([begin(key, 1, "a")]);
    expect((await b.get(key))?.paused).toBeUndefined();
    // a pauses and resumes behind b's back; b's copy says "not paused", the bucket says so too, but at a later revision
    expect(await a.apply([{ type: "pause", key, paused: true }])).toEqual([true]);
    // b's stale copy would refuse "resume" (already not paused): the fresh read says paused, so it is accepted
    expect(await b.apply([{ type: "pause", key, paused: false }])).toEqual([true]);
    // a's copy is now stale and says paused: its resume is refused only after reading that b resumed already
    expect(await a.apply([{ type: "pause", key, paused: false }])).toEqual([false]);
    // b's copy says lastSlot 1: its begin of slot 2 looks acceptable, loses the race to a's, and the fresh read refuses it
    await a.apply([begin(key, 2, "a")]);
    expect(await b.apply([begin(key, 2, "b"), begin(key, 3, "b")])).toEqual([false, true]);
    expect((await a.get(key))?.running.map((run) => [run.slot, run.instance])).toEqual([
      [1, "a"],
      [2, "a"],
      [3, "b"],
    ]);
  });

  it("applies the changes of one key in order, across calls made without waiting", async () => {
    const bucket = freshBucket(suite);
    const [a] = await threeStores(bucket);
    const key = recordKey("report", "cron");
    const other = recordKey("audit", "cron");
    const calls = Array.from({ length: 10 }, (_, i) => (a as NatsTriggerStore).apply([begin(key, i + 1, "a"), end(key, i + 1), begin(other, i + 1, "a")]));
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 10 }, () => [true, true, true]));
    // in order: each slot ended before the next began, and each begin followed the slot before, so one range
    expect((await a?.get(key))?.ran).toEqual([[1, 10]]);
  });
});
