import { randomBytes } from "node:crypto";
import type { TriggerStore } from "../state/TriggerStore.js";
import { SOON_MS, within } from "./busContract/caseTools.js";
import { APPLY_CASES } from "./storeContract/applying.js";
import { CASE_NEEDS, STORE_CONTRACT_CASES } from "./storeContract/cases.js";
import type { StoreCaseBody, StoreContractCase, StorePersistence } from "./storeContract/cases.js";
import { checkStoreContractOptions, covers } from "./storeContract/options.js";
import type { StoreContractOptions } from "./storeContract/options.js";
import { PERSISTENCE_CASES } from "./storeContract/persistence.js";
import { RULE_CASES } from "./storeContract/rules.js";

export { STORE_CONTRACT_CASES };
export type { StoreContractCase, StoreContractOptions, StorePersistence };

/** What {@link storeContract} gives the store factory. */
export interface StoreContractContext {
  /**
   * The data's name, unique per case and per run of the suite (letters,
   * digits and `-`: fit for a file name or a NATS bucket key). Two stores
   * made with the same name must be over the same data: a reopened file, the
   * same bucket.
   */
  readonly name: string;
}

/** Every case's body, by id: one concern per file under `storeContract/`. */
const CASES: Readonly<Record<StoreContractCase, StoreCaseBody>> = { ...RULE_CASES, ...APPLY_CASES, ...PERSISTENCE_CASES };

/**
 * The behaviour every {@link TriggerStore} must share, as a runner-agnostic
 * test suite: it registers one test per case through `test` (vitest's or
 * jest's `test`, `node:test`'s `test`, ...) and asserts with `node:assert`
 * only. Each case makes its stores with `makeStore` (loading each before use)
 * and closes every one afterwards.
 *
 * Test names are `<case id>: <what it checks>` (see {@link STORE_CONTRACT_CASES}).
 * `options.persistence` says how far the store's data lasts and so which
 * cases run: `none` (the default) the single-store ones, `durable` adds
 * reopening, `shared` adds stores live at once and the claim of a slot.
 *
 * @param makeStore - builds a store over the data named `context.name` (the same name: the same data)
 * @param test - the test runner's `test(name, fn)`
 * @param options - see {@link StoreContractOptions}
 * @throws ConfigError `INVALID_OPTION` for bad options
 * @example
 * ```ts
 * import { test } from "vitest";
 * import { join } from "node:path";
 * import { FileTriggerStore } from "@acme/agent-orchestrator";
 * import { storeContract } from "@acme/agent-orchestrator/testing";
 *
 * storeContract(({ name }) => new FileTriggerStore(join(directory, `${name}.json`)), test, { persistence: "durable" });
 * ```
 */
export function storeContract(
  makeStore: (context: StoreContractContext) => TriggerStore | Promise<TriggerStore>,
  test: (name: string, fn: () => Promise<void>) => void,
  options?: StoreContractOptions,
): void {
  const { persistence } = checkStoreContractOptions(options);
  const run = randomBytes(4).toString("hex");
  for (const id of Object.keys(STORE_CONTRACT_CASES) as StoreContractCase[]) {
    const needs = CASE_NEEDS[id];
    if (needs !== undefined && !covers(persistence, needs)) continue;
    const body = CASES[id];
    test(`${id}: ${STORE_CONTRACT_CASES[id]}`, async () => {
      const made: TriggerStore[] = [];
      const caseName = `${id}-${run}`;
      const make = async (name = caseName): Promise<TriggerStore> => {
        const store = await makeStore({ name });
        made.push(store);
        return store;
      };
      const open = async (name?: string): Promise<TriggerStore> => {
        const store = await make(name);
        await within(store.load(), SOON_MS, `load() of the store ${store.description}`);
        return store;
      };
      let failed = true;
      try {
        await body({ make, open });
        failed = false;
      } finally {
        const closing = within(Promise.all(made.map((store) => store.close())), SOON_MS, "close() of the case's stores");
        if (failed) await closing.catch(() => undefined);
        else await closing;
      }
    });
  }
}
