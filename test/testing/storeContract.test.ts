import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { FileTriggerStore } from "../../src/state/FileTriggerStore.js";
import { MemoryTriggerStore } from "../../src/state/MemoryTriggerStore.js";
import type { TriggerChange, TriggerRecord, TriggerStore } from "../../src/state/TriggerStore.js";
import { STORE_CONTRACT_CASES, storeContract } from "../../src/testing/storeContract.js";
import type { StoreContractOptions } from "../../src/testing/storeContract.js";

const directory = mkdtempSync(join(tmpdir(), "store-contract-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("MemoryTriggerStore passes the store contract", () => {
  storeContract(() => new MemoryTriggerStore(), test);
});

describe("one MemoryTriggerStore object handed out again by name passes the durable cases (a restart in a test)", () => {
  const stores = new Map<string, MemoryTriggerStore>();
  storeContract(({ name }) => stores.get(name) ?? stores.set(name, new MemoryTriggerStore()).get(name) as MemoryTriggerStore, test, { persistence: "durable" });
});

describe("FileTriggerStore passes the store contract", () => {
  storeContract(({ name }) => new FileTriggerStore(join(directory, `${name}.json`)), test, { persistence: "durable" });
});

/** Run the suite with a collecting `test`; returns each case's outcome by id. */
async function runContract(makeStore: () => TriggerStore, options?: StoreContractOptions): Promise<{ ids: string[]; failed: Map<string, unknown> }> {
  const registered: Array<{ name: string; fn: () => Promise<void> }> = [];
  storeContract(makeStore, (name, fn) => registered.push({ name, fn }), options);
  const failed = new Map<string, unknown>();
  for (const { name, fn } of registered) await fn().catch((error: unknown) => failed.set(name.slice(0, name.indexOf(":")), error));
  return { ids: registered.map(({ name }) => name.slice(0, name.indexOf(":"))), failed };
}

/** A memory store whose `apply` breaks one rule: `begin next` of a slot equal to lastSlot is accepted. */
class LenientStore extends MemoryTriggerStore {
  override async apply(changes: readonly TriggerChange[]): Promise<boolean[]> {
    const results: boolean[] = [];
    for (const change of changes) {
      const record: TriggerRecord | undefined = await this.get(change.key);
      const replay = change.type === "begin" && change.mode === "next" && record?.lastSlot === change.slot;
      results.push(replay || (this.applyNow([change])[0] ?? false));
    }
    return results;
  }
}

/** A memory store that ignores close(). */
class NeverClosedStore extends MemoryTriggerStore {
  override async close(): Promise<void> {}
}

describe("storeContract", () => {
  test("registers the single-store cases for persistence none, and adds the durable and shared ones as asked", async () => {
    const all = Object.keys(STORE_CONTRACT_CASES);
    const single = all.filter((id) => !id.startsWith("durable") && !id.startsWith("shared"));
    expect((await runContract(() => new MemoryTriggerStore())).ids).toEqual(single);
    const registered: string[] = [];
    storeContract(() => new MemoryTriggerStore(), (name) => registered.push(name.slice(0, name.indexOf(":"))), { persistence: "shared" });
    expect(registered).toEqual(all);
  });

  test("fails the cases a store that accepts a repeated begin next breaks, and only those", async () => {
    const { failed } = await runContract(() => new LenientStore());
    expect([...failed.keys()].sort()).toEqual(["beginNext", "manyAppliesOneTurn", "passSlots", "resultsPerChange"]);
  });

  test("fails closeRefusesApply for a store that keeps applying after close()", async () => {
    const { failed } = await runContract(() => new NeverClosedStore());
    expect([...failed.keys()]).toEqual(["closeRefusesApply"]);
  });

  test("fails the durable cases for a store that forgets its records when made again", async () => {
    const { failed } = await runContract(() => new MemoryTriggerStore(), { persistence: "durable" });
    expect([...failed.keys()].sort()).toEqual(["durableNoRerun", "durableReopen"]);
  });

  test("fails the shared cases for stores that do not see each other", async () => {
    const { failed } = await runContract(() => new MemoryTriggerStore(), { persistence: "shared" });
    expect([...failed.keys()].sort()).toEqual(["durableNoRerun", "durableReopen", "sharedClaimOnce", "sharedEndAnywhere", "sharedSeesChanges"]);
  });

  test("gives each case its own name, the same for every store the case makes", async () => {
    const names: string[][] = [];
    const registered: Array<() => Promise<void>> = [];
    const stores = new Map<string, MemoryTriggerStore>();
    storeContract(
      ({ name }) => {
        names.at(-1)?.push(name);
        return stores.get(name) ?? (stores.set(name, new MemoryTriggerStore()).get(name) as MemoryTriggerStore);
      },
      (_name, fn) => registered.push(fn),
      { persistence: "durable" },
    );
    for (const fn of registered) {
      names.push([]);
      await fn();
    }
    const perCase = names.map((list) => new Set(list));
    expect(perCase.every((set) => set.size === 1)).toBe(true);
    expect(new Set(names.map((list) => list[0])).size).toBe(registered.length);
    for (const [name] of names) expect(name).toMatch(/^[A-Za-z0-9-]+$/);
  });

  test("refuses an unknown persistence and an unknown option with INVALID_OPTION naming it", () => {
    const run = (options: unknown) => () => storeContract(() => new MemoryTriggerStore(), () => undefined, options as StoreContractOptions);
    expect(run({ persistence: "forever" })).toThrow(ConfigError);
    expect(run({ persistence: "forever" })).toThrow(/`persistence`.*'none', 'durable', 'shared'.*"forever"/);
    expect(run({ persistance: "shared" })).toThrow(/unknown option `persistance`.*persistence/);
  });
});
