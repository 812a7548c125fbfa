import assert from "node:assert/strict";
import type { RunOutcome, TriggerChange, TriggerRecord, TriggerStore } from "../../state/TriggerStore.js";

/** The key most cases use. */
export const KEY = "contract-agent:eod";
/** A second key, for cases about independence. */
export const OTHER_KEY = "contract-agent:open";
/** The slots of the cases: a minute apart from 2026-01-05 09:30 UTC. */
export const SLOT = Date.UTC(2026, 0, 5, 9, 30);
/** A minute, the cases' trigger period. */
export const MINUTE = 60_000;
/** The instance the cases' begins name. */
export const INSTANCE = "contract-instance";

/** The `n`-th slot after {@link SLOT}. */
export function slot(n: number): number {
  return SLOT + n * MINUTE;
}

/** A `begin` change of `slotAt`. */
export function begin(slotAt: number, options: { mode?: "next" | "retry" | "backfill"; attempt?: number; key?: string; instance?: string } = {}): TriggerChange {
  return { type: "begin", key: options.key ?? KEY, slot: slotAt, attempt: options.attempt ?? 1, mode: options.mode ?? "next", at: slotAt + 5, instance: options.instance ?? INSTANCE };
}

/** An `end` change of `slotAt`. */
export function end(slotAt: number, options: { outcome?: RunOutcome; attempt?: number; key?: string; follows?: number } = {}): TriggerChange {
  const change = { type: "end", key: options.key ?? KEY, slot: slotAt, attempt: options.attempt ?? 1, outcome: options.outcome ?? "ok", at: slotAt + 500 } as const;
  return options.follows === undefined ? change : { ...change, follows: options.follows };
}

/** A `pass` change up to `slotAt`. */
export function pass(slotAt: number, key = KEY): TriggerChange {
  return { type: "pass", key, slot: slotAt };
}

/** A `pause` change. */
export function pause(paused: boolean, key = KEY): TriggerChange {
  return { type: "pause", key, paused };
}

/** Apply `changes` and assert the results, naming the step. */
export async function expectResults(store: TriggerStore, changes: readonly TriggerChange[], expected: readonly boolean[], step: string): Promise<void> {
  const results = await store.apply(changes);
  assert.deepStrictEqual(results, expected, `${step}: apply() returned ${JSON.stringify(results)}, expected ${JSON.stringify(expected)}`);
}

/** Assert that `get(key)` returns `expected`, naming the step. */
export async function expectRecord(store: TriggerStore, expected: TriggerRecord | undefined, step: string, key = KEY): Promise<void> {
  const record = await store.get(key);
  assert.deepStrictEqual(plain(record), expected, `${step}: get(${JSON.stringify(key)}) returned ${JSON.stringify(record)}`);
}

/** A record as plain data (a JSON round trip), so stores that freeze or class their records compare by content. */
export function plain(record: TriggerRecord | undefined): TriggerRecord | undefined {
  return record === undefined ? undefined : (JSON.parse(JSON.stringify(record)) as TriggerRecord);
}

/** The running entry a {@link begin} with these options leaves. */
export function running(slotAt: number, attempt = 1, instance = INSTANCE, follows?: number): TriggerRecord["running"][number] {
  return follows === undefined ? { slot: slotAt, attempt, startedAt: slotAt + 5, instance } : { slot: slotAt, attempt, startedAt: slotAt + 5, instance, follows };
}
