import { describe, expectTypeOf, test } from "vitest";
import type { OrchestratorOptions } from "../../src/orchestrator/OrchestratorOptions.js";
import type { TriggerStore } from "../../src/state/TriggerStore.js";

describe("createOrchestrator({ store }): types", () => {
  test("store is an optional TriggerStore", () => {
    expectTypeOf<OrchestratorOptions["store"]>().toEqualTypeOf<TriggerStore | undefined>();
    const store: TriggerStore = {
      description: "memory",
      shared: false,
      load: async () => ({ records: new Map() }),
      apply: async (changes) => changes.map(() => true),
      get: async () => undefined,
      close: async () => undefined,
    };
    const options: OrchestratorOptions = { store };
    void options;
  });

  test("a store without its methods, or a path in place of a store, does not compile", () => {
    // @ts-expect-error a store is an object with load/apply/get/close, not a file path (that is the config's state.file)
    const path: OrchestratorOptions = { store: "./var/orchestrator-state.json" };
    void path;
    // @ts-expect-error apply, get and close are missing
    const partial: OrchestratorOptions = { store: { description: "mine", shared: false, load: async () => ({ records: new Map() }) } };
    void partial;
  });
});
