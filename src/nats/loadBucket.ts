import { jetstreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { describeThrown } from "../errors/describeThrown.js";
import type { StoreProblem, TriggerRecord } from "../state/TriggerStore.js";
import { NatsError } from "./NatsError.js";
import { copyOfEntry } from "./readRecord.js";
import type { RecordCopy } from "./readRecord.js";
import { decodeSlotKey } from "./slotKey.js";

/** Reads in flight at once while loading. */
const PARALLEL_READS = 32;

/** What {@link loadBucket} found: the records, the copies to remember, and what it skipped. */
export interface LoadedBucket {
  readonly records: Map<string, TriggerRecord>;
  readonly copies: Map<string, RecordCopy>;
  readonly problem?: StoreProblem;
}

/**
 * The bucket's keys, as the subjects of its stream (`KV_<bucket>`, subjects
 * `$KV.<bucket>.<key>`) in one stream-info request (paged by the client).
 * Not `kv.keys()`: its listing ends only once nothing is pending or the
 * consumer idles, which never happens while other instances keep writing.
 * Deleted keys are listed too; reading them gives no record.
 */
async function listKeys(connection: NatsConnection, bucket: string, timeout: number): Promise<string[]> {
  try {
    const jsm = await jetstreamManager(connection, { timeout });
    const prefix = `$KV.${bucket}.`;
    const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}>` });
    return Object.keys(info.state.subjects ?? {})
      .filter((subject) => subject.startsWith(prefix))
      .map((subject) => subject.slice(prefix.length));
  } catch (error) {
    throw new NatsError("STORE_READ_FAILED", `nats kv ${bucket}: could not list the keys: ${describeThrown(error)}`, { cause: error });
  }
}

/** The problem naming every skipped key, or `undefined` when none was. */
function problemOf(bucket: string, skipped: readonly string[]): StoreProblem | undefined {
  if (skipped.length === 0) return undefined;
  const shown = skipped.slice(0, 10).join("; ");
  const more = skipped.length > 10 ? `; and ${skipped.length - 10} more` : "";
  return {
    code: "STORE_CORRUPT",
    message:
      `nats kv ${bucket}: ${skipped.length} key(s) hold something that is not a trigger record; they were skipped and left as they are: ${shown}${more}. ` +
      `A change to such a trigger fails (STORE_CORRUPT) until the key is removed: inspect it with \`nats kv get ${bucket} <key>\`, remove it with \`nats kv del ${bucket} <key>\``,
  };
}

/**
 * Read every key of the trigger-state bucket, a few in parallel. A key that
 * is not an encoded record key, or whose value is not a trigger record, is
 * skipped and named in `problem`; nothing is written.
 *
 * @throws NatsError `STORE_READ_FAILED` when the keys or a value cannot be read
 */
export async function loadBucket(kv: KV, bucket: string, connection: NatsConnection, timeout: number): Promise<LoadedBucket> {
  const encodedKeys = await listKeys(connection, bucket, timeout);
  const records = new Map<string, TriggerRecord>();
  const copies = new Map<string, RecordCopy>();
  const skipped: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < encodedKeys.length) {
      const encoded = encodedKeys[next++] as string;
      let key: string;
      try {
        key = decodeSlotKey(encoded);
      } catch {
        skipped.push(`${encoded}: not a key this store writes`);
        continue;
      }
      let copy;
      try {
        copy = copyOfEntry(await kv.get(encoded));
      } catch (error) {
        throw new NatsError("STORE_READ_FAILED", `nats kv ${bucket}: could not read ${JSON.stringify(key)}: ${describeThrown(error)}`, { cause: error });
      }
      if ("invalid" in copy) skipped.push(`${encoded} (the record of ${JSON.stringify(key)}): ${copy.invalid}`);
      else if (copy.record !== undefined) {
        records.set(key, copy.record);
        copies.set(key, copy);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, encodedKeys.length) }, worker));
  const problem = problemOf(bucket, skipped.sort());
  return problem === undefined ? { records, copies } : { records, copies, problem };
}
