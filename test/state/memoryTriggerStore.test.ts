import { describe, expect, test } from "vitest";
import { StoreError } from "../../src/errors/StoreError.js";
import { MemoryTriggerStore } from "../../src/state/MemoryTriggerStore.js";
import type { TriggerChange } from "../../src/state/TriggerStore.js";

const KEY = "report:eod";
const begin = (slot: number): TriggerChange => ({ type: "begin", key: KEY, slot, attempt: 1, mode: "next", at: slot, instance: "a" });
const end = (slot: number): TriggerChange => ({ type: "end", key: KEY, slot, attempt: 1, outcome: "ok", at: slot + 1 });

describe("MemoryTriggerStore", () => {
  test("describes itself as memory and is not shared", () => {
    const store = new MemoryTriggerStore();
    expect(store.description).toBe("memory");
    expect(store.shared).toBe(false);
  });

  test("applyNow decides each change at once, in order, and returns whether each was accepted", () => {
    const store = new MemoryTriggerStore();
    expect(store.applyNow([begin(10), begin(10), end(10), end(10)])).toEqual([true, false, true, false]);
    expect(store.applyNow([])).toEqual([]);
  });

  test("load() returns a snapshot that later changes do not alter", async () => {
    const store = new MemoryTriggerStore();
    store.applyNow([begin(10)]);
    const { records, problem } = await store.load();
    store.applyNow([end(10), begin(20)]);
    expect(problem).toBeUndefined();
    expect(records.get(KEY)?.lastSlot).toBe(10);
    expect((await store.get(KEY))?.lastSlot).toBe(20);
  });

  test("after close(), apply, applyNow and get refuse with STORE_CLOSED; close() is idempotent", async () => {
    const store = new MemoryTriggerStore();
    await store.close();
    await store.close();
    expect(() => store.applyNow([begin(10)])).toThrow(StoreError);
    expect(() => store.applyNow([begin(10)])).toThrow(expect.objectContaining({ code: "STORE_CLOSED", store: "memory" }));
    await expect(store.apply([begin(10)])).rejects.toMatchObject({ code: "STORE_CLOSED" });
    await expect(store.get(KEY)).rejects.toMatchObject({ code: "STORE_CLOSED" });
  });

  test("one object used again after close(): load() opens it again with every record kept (a restart in a test)", async () => {
    const store = new MemoryTriggerStore();
    await store.load();
    await store.apply([begin(10), end(10), begin(20)]);
    await store.close();
    const { records } = await store.load();
    expect(records.get(KEY)).toMatchObject({ lastSlot: 20, lastRun: { slot: 10, outcome: "ok" }, running: [{ slot: 20 }] });
    expect(await store.apply([begin(20), end(20)])).toEqual([false, true]);
  });
});
