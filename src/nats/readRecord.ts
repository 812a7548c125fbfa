import type { KV, KvEntry } from "@nats-io/kv";
import { describeThrown } from "../errors/describeThrown.js";
import type { TriggerRecord } from "../state/TriggerStore.js";
import { decodeTriggerRecord } from "./decodeTriggerRecord.js";
import { NatsError } from "./NatsError.js";
import { encodeSlotKey } from "./slotKey.js";

/**
 * A store's copy of one key: the record (`undefined`: the key is absent or
 * deleted) and the revision to compare-and-set against (0: the key was never
 * written, so the next write is a create).
 */
export interface RecordCopy {
  readonly record: TriggerRecord | undefined;
  readonly revision: number;
}

/**
 * The copy an entry of the bucket gives (`null`: no entry), or why its value
 * is not a trigger record.
 */
export function copyOfEntry(entry: KvEntry | null): RecordCopy | { readonly invalid: string; readonly revision: number } {
  if (entry === null) return { record: undefined, revision: 0 };
  if (entry.operation !== "PUT") return { record: undefined, revision: entry.revision };
  const decoded = decodeTriggerRecord(entry.value);
  return "record" in decoded ? { record: decoded.record, revision: entry.revision } : { invalid: decoded.invalid, revision: entry.revision };
}

/** The words of `STORE_CORRUPT` for one key, with how to clear it. */
export function corruptMessage(bucket: string, key: string, why: string): string {
  return `nats kv ${bucket}: the key of ${JSON.stringify(key)} (${encodeSlotKey(key)}) holds something that is not a trigger record (${why}); it is left as it is. Inspect it with \`nats kv get ${bucket} ${encodeSlotKey(key)}\` and remove it with \`nats kv del ${bucket} ${encodeSlotKey(key)}\`: the trigger then starts from an empty record`;
}

/**
 * Read the record of `key` afresh.
 *
 * @throws NatsError `STORE_READ_FAILED` when JetStream gave no answer; `STORE_CORRUPT` when the key holds something that is not a record
 */
export async function readRecord(kv: KV, bucket: string, key: string): Promise<RecordCopy> {
  let entry: KvEntry | null;
  try {
    entry = await kv.get(encodeSlotKey(key));
  } catch (error) {
    throw new NatsError("STORE_READ_FAILED", `nats kv ${bucket}: could not read ${JSON.stringify(key)}: ${describeThrown(error)}`, { cause: error });
  }
  const copy = copyOfEntry(entry);
  if ("invalid" in copy) throw new NatsError("STORE_CORRUPT", corruptMessage(bucket, key, copy.invalid));
  return copy;
}
