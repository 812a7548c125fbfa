import type { TriggerStore } from "../../state/TriggerStore.js";

/** What each case of the store contract checks, by id. The ids are stable. */
export const STORE_CONTRACT_CASES = {
  emptyLoad: "a fresh store loads no records and no problem; get() of any key is undefined",
  beginNext: "begin next is accepted for a slot after lastSlot, moves lastSlot and marks the slot running; it is refused for lastSlot and any earlier slot",
  endRun: "end of a running slot is accepted once: it sets lastRun (with the run's start), removes the run and adds the slot to ran; an end of a slot not running is refused",
  passSlots: "pass moves lastSlot forward and is refused when it would not move it; a begin next of a passed slot is refused",
  pauseFlag: "pause sets paused and is refused when paused has that value already; a begin next is refused while paused, a begin backfill is not",
  retryInterrupted: "begin retry is accepted only for a running slot with attempt − 1 (it replaces that run); an interrupted end leaves the slot out of ran",
  backfillSlots: "begin backfill is refused for a slot that ran or is running and accepted for any other slot, also one before lastSlot",
  resultsPerChange: "apply returns one result per change, in order, each change decided against the record as the changes before it left it",
  manyAppliesOneTurn: "many applies made in one turn all resolve, in the order they were made, each with its own results",
  keysIndependent: "changes to one key never change the record of another",
  getLatest: "get() returns the latest record of its key",
  loadReturnsChanges: "load() after changes returns every record as get() does",
  recordsArePlainData: "records are plain JSON data: a JSON round trip gives an equal record",
  closeRefusesApply: "apply() after close() rejects with STORE_CLOSED; close() is idempotent",
  durableReopen: "(durable) after close(), a store over the same data loads every record as it was",
  durableNoRerun: "(durable) after a reopen, a begin next of a slot that already began is refused: a slot never runs twice from the same store",
  sharedSeesChanges: "(shared) two stores live at once over the same data see each other's changes through get()",
  sharedClaimOnce: "(shared) several stores that begin next the same slot at once: exactly one is accepted",
  sharedEndAnywhere: "(shared) a run begun through one store can be ended through another; a second end through the first is refused",
} as const;

/** Id of a case of the store contract. */
export type StoreContractCase = keyof typeof STORE_CONTRACT_CASES;

/** How far the data of the store under test lasts: what the cases may expect of it. */
export type StorePersistence = "none" | "durable" | "shared";

/** The persistence each case needs (the others run for every store). */
export const CASE_NEEDS: Readonly<Partial<Record<StoreContractCase, StorePersistence>>> = {
  durableReopen: "durable",
  durableNoRerun: "durable",
  sharedSeesChanges: "shared",
  sharedClaimOnce: "shared",
  sharedEndAnywhere: "shared",
};

/** What a case body is given. */
export interface StoreCaseContext {
  /** A store over the case's data (`name`, or another name for separate data), not loaded yet; closed after the case. */
  readonly make: (name?: string) => Promise<TriggerStore>;
  /** {@link StoreCaseContext.make}, then `load()`. */
  readonly open: (name?: string) => Promise<TriggerStore>;
}

/** The body of one case: resolves when the store behaved, rejects with an `AssertionError` naming what it did instead. */
export type StoreCaseBody = (context: StoreCaseContext) => Promise<void>;

/** Bodies of some of the cases, by id (each file holds one concern's). */
export type StoreCaseBodies<Id extends StoreContractCase> = Readonly<Record<Id, StoreCaseBody>>;
