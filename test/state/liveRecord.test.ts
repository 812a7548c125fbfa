// The rules of a trigger record are written twice: in place on the LiveRecord the memory store keeps,
// and on records that must never change (applyChange, for the file and NATS stores). Random sequences
// of changes must give the same answers and the same records both ways, and leave every record handed
// to applyChange as it was (each is deep-frozen: a change in place would throw).
import { describe, expect, test } from "vitest";
import { applyChange } from "../../src/state/applyChange.js";
import { MemoryTriggerStore } from "../../src/state/MemoryTriggerStore.js";
import { LiveRecord } from "../../src/state/LiveRecord.js";
import { MAX_RAN_RANGES, RUN_OUTCOMES, type TriggerChange, type TriggerRecord } from "../../src/state/TriggerStore.js";

const KEY = "report:eod";
const SLOT = 60_000;

/** A small seeded generator (mulberry32), so a failing sequence can be replayed from its seed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** A random change among few slots, so begins, ends, retries and backfills meet the same slots often. */
function randomChange(random: () => number): TriggerChange {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const slot = (1 + Math.floor(random() * 12)) * SLOT;
  const follows = random() < 0.3 ? slot - SLOT : undefined;
  const at = slot + Math.floor(random() * 1_000);
  const kind = random();
  if (kind < 0.4) {
    const mode = pick(["next", "next", "retry", "backfill"] as const);
    const attempt = mode === "retry" ? 2 : 1;
    return follows === undefined ? { type: "begin", key: KEY, slot, attempt, mode, at, instance: "a" } : { type: "begin", key: KEY, slot, attempt, mode, at, instance: "a", follows };
  }
  if (kind < 0.8) {
    const outcome = pick(RUN_OUTCOMES);
    const attempt = random() < 0.8 ? 1 : 2;
    return follows === undefined ? { type: "end", key: KEY, slot, attempt, outcome, at } : { type: "end", key: KEY, slot, attempt, outcome, at, follows };
  }
  if (kind < 0.92) return { type: "pass", key: KEY, slot };
  return { type: "pause", key: KEY, paused: random() < 0.5 };
}

describe("LiveRecord", () => {
  test("in place (LiveRecord) and on unchanging records (applyChange) give the same answers and records over random sequences", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = generator(seed);
      const live = new LiveRecord();
      let record: TriggerRecord | undefined;
      for (let step = 0; step < 60; step++) {
        const change = randomChange(random);
        const frozen = record === undefined ? undefined : deepFreeze(structuredClone(record));
        const next = applyChange(frozen, change);
        const accepted = live.apply(change);
        expect({ seed, step, accepted }).toEqual({ seed, step, accepted: next !== undefined });
        if (next !== undefined) record = next;
        if (record !== undefined) expect(live.toRecord(), `seed ${seed}, step ${step}`).toEqual(record);
      }
    }
  });

  test("a refused change leaves the record as it was", () => {
    const live = new LiveRecord();
    expect(live.apply({ type: "begin", key: KEY, slot: 2 * SLOT, attempt: 1, mode: "next", at: 2 * SLOT, instance: "a" })).toBe(true);
    const before = live.toRecord();
    expect(live.apply({ type: "begin", key: KEY, slot: SLOT, attempt: 1, mode: "next", at: SLOT, instance: "a" })).toBe(false);
    expect(live.apply({ type: "end", key: KEY, slot: SLOT, attempt: 1, outcome: "ok", at: SLOT })).toBe(false);
    expect(live.apply({ type: "begin", key: KEY, slot: 2 * SLOT, attempt: 2, mode: "retry", at: 2 * SLOT, instance: "a" })).toBe(true);
    expect(live.apply({ type: "begin", key: KEY, slot: 2 * SLOT, attempt: 2, mode: "retry", at: 2 * SLOT, instance: "a" })).toBe(false);
    expect(live.toRecord()).toEqual({ ...before, running: [{ slot: 2 * SLOT, attempt: 2, startedAt: 2 * SLOT, instance: "a" }] });
  });

  test("consecutive live slots grow one range, and at most MAX_RAN_RANGES ranges are kept, the newest", () => {
    const live = new LiveRecord();
    for (let i = 1; i <= 5; i++) {
      live.apply({ type: "begin", key: KEY, slot: i * SLOT, attempt: 1, mode: "next", at: i * SLOT, instance: "a" });
      live.apply({ type: "end", key: KEY, slot: i * SLOT, attempt: 1, outcome: "ok", at: i * SLOT + 10 });
    }
    expect(live.toRecord()).toEqual({ lastSlot: 5 * SLOT, lastRun: { slot: 5 * SLOT, outcome: "ok", attempt: 1, endedAt: 5 * SLOT + 10, startedAt: 5 * SLOT }, running: [], ran: [[SLOT, 5 * SLOT]] });
    const gaps = new LiveRecord();
    for (let i = 1; i <= MAX_RAN_RANGES + 3; i++) {
      const slot = 2 * i * SLOT; // every other slot: no two are consecutive
      gaps.apply({ type: "begin", key: KEY, slot, attempt: 1, mode: "backfill", at: slot, instance: "a" });
      gaps.apply({ type: "end", key: KEY, slot, attempt: 1, outcome: "ok", at: slot });
    }
    const { ran } = gaps.toRecord();
    expect(ran).toHaveLength(MAX_RAN_RANGES);
    expect(ran[0]).toEqual([8 * SLOT, 8 * SLOT]);
  });

  test("toRecord() is a copy: later changes do not show in it, and changing it does not reach the live", () => {
    const live = new LiveRecord();
    live.apply({ type: "begin", key: KEY, slot: SLOT, attempt: 1, mode: "next", at: SLOT, instance: "a" });
    live.apply({ type: "end", key: KEY, slot: SLOT, attempt: 1, outcome: "ok", at: SLOT + 5 });
    const taken = live.toRecord();
    const copy = structuredClone(taken);
    live.apply({ type: "begin", key: KEY, slot: 2 * SLOT, attempt: 1, mode: "next", at: 2 * SLOT, instance: "a" });
    live.apply({ type: "end", key: KEY, slot: 2 * SLOT, attempt: 1, outcome: "error", at: 2 * SLOT + 5 });
    expect(taken).toEqual(copy);
    (taken.ran as Array<[number, number]>).push([9 * SLOT, 9 * SLOT]);
    expect(live.toRecord().ran).toEqual([[SLOT, 2 * SLOT]]);
  });

  test("a LiveRecord made from a record copies it: the record stays as it was", () => {
    const record = deepFreeze<TriggerRecord>({ lastSlot: SLOT, lastRun: { slot: SLOT, outcome: "ok", attempt: 1, endedAt: SLOT }, running: [], ran: [[SLOT, SLOT]] });
    const live = new LiveRecord(record);
    expect(live.apply({ type: "begin", key: KEY, slot: 2 * SLOT, attempt: 1, mode: "next", at: 2 * SLOT, instance: "a" })).toBe(true);
    expect(live.apply({ type: "end", key: KEY, slot: 2 * SLOT, attempt: 1, outcome: "ok", at: 2 * SLOT })).toBe(true);
    expect(live.toRecord().ran).toEqual([[SLOT, 2 * SLOT]]);
    expect(record.ran).toEqual([[SLOT, SLOT]]);
  });
});

describe("MemoryTriggerStore records", () => {
  test("get() hands out a copy: a later change does not show in a record already read", async () => {
    const store = new MemoryTriggerStore();
    store.applyNow([{ type: "begin", key: KEY, slot: SLOT, attempt: 1, mode: "next", at: SLOT, instance: "a" }]);
    const read = await store.get(KEY);
    store.applyNow([{ type: "end", key: KEY, slot: SLOT, attempt: 1, outcome: "ok", at: SLOT + 1 }]);
    expect(read?.running).toEqual([{ slot: SLOT, attempt: 1, startedAt: SLOT, instance: "a" }]);
    expect(read?.lastRun).toBeUndefined();
    expect((await store.get(KEY))?.running).toEqual([]);
  });

  test("a refused change for a key without a record leaves no record", async () => {
    const store = new MemoryTriggerStore();
    expect(store.applyNow([{ type: "end", key: KEY, slot: SLOT, attempt: 1, outcome: "ok", at: SLOT }])).toEqual([false]);
    expect(await store.get(KEY)).toBeUndefined();
    expect((await store.load()).records.size).toBe(0);
  });
});
