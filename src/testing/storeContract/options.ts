import { OptionCheck } from "../../check.js";
import { invalidOption } from "../../errors/invalidOption.js";
import type { StorePersistence } from "./cases.js";

/** Options of `storeContract`. */
export interface StoreContractOptions {
  /**
   * How far the store's data lasts, which decides the cases that run:
   * `none` (a memory store: one store object, its data lasts as long as it)
   * runs the single-store cases; `durable` (a file) adds reopening: a store
   * made again with the same name after `close()` finds the records; `shared`
   * (NATS KV) adds stores live at once over the same data: each sees the
   * others' changes, and exactly one of several concurrent `begin next` of a
   * slot is accepted (the cluster's claim). `shared` includes `durable`.
   * @default "none"
   */
  readonly persistence?: StorePersistence;
}

const PERSISTENCES: readonly StorePersistence[] = ["none", "durable", "shared"];

/** Check the options of `storeContract`; returns them with defaults filled. */
export function checkStoreContractOptions(options: StoreContractOptions | undefined): { readonly persistence: StorePersistence } {
  const check = new OptionCheck("storeContract", invalidOption);
  const given = check.object(options);
  check.knownKeys(given, ["persistence"]);
  return { persistence: check.optionalOneOf(given.persistence, "persistence", PERSISTENCES) ?? "none" };
}

/** Whether a store of `persistence` runs a case that needs `needs`. */
export function covers(persistence: StorePersistence, needs: StorePersistence): boolean {
  return PERSISTENCES.indexOf(persistence) >= PERSISTENCES.indexOf(needs);
}
