import { hostname } from "node:os";
import { StorageType, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { KV } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/index.js";
import { createNatsTriggerStore } from "../../src/nats/createNatsTriggerStore.js";
import { NatsError } from "../../src/nats/NatsError.js";
import { encodeSlotKey } from "../../src/nats/slotKey.js";
import { recordKey } from "../../src/state/TriggerStore.js";
import type { TriggerChange } from "../../src/state/TriggerStore.js";
import { natsSuite } from "../helpers/nats/natsSuite.js";
import { freshBucket, storeOn } from "../helpers/nats/triggerStoreBuckets.js";

const suite = natsSuite();
const { cleanups } = suite;

async function rawConnection(): Promise<NatsConnection> {
  const connection = await connect({ servers: suite.url });
  cleanups.push(() => connection.close());
  return connection;
}

/** The bucket opened directly, as another program would. */
async function rawBucket(bucket: string, options: { ttl?: number; storage?: "file" | "memory" } = {}): Promise<KV> {
  const kvm = new Kvm(jetstream(await rawConnection()));
  return kvm.create(bucket, { history: 1, ttl: options.ttl ?? 0, storage: options.storage === "memory" ? StorageType.Memory : StorageType.File });
}

const KEY = recordKey("report", "every:1s");
const begin = (slot: number, instance = "a", key = KEY): TriggerChange => ({ type: "begin", key, slot, attempt: 1, mode: "next", at: slot + 1, instance });
const end = (slot: number, key = KEY): TriggerChange => ({ type: "end", key, slot, attempt: 1, outcome: "ok", at: slot + 2 });

describe("createNatsTriggerStore", () => {
  it("refuses bad options with a ConfigError naming them, before connecting", async () => {
    const target = { servers: "nats://127.0.0.1:1" };
    await expect(createNatsTriggerStore(target, { bucket: "a.b" })).rejects.toSatisfy((error: unknown) => error instanceof ConfigError && error.path === "bucket" && /"a\.b"/.test(error.message));
    await expect(createNatsTriggerStore(target, { storage: "disk" as never })).rejects.toThrow(/expected `storage` to be "file" or "memory", got "disk"/);
    await expect(createNatsTriggerStore(target, { replicas: 2 })).rejects.toThrow(/expected `replicas` to be 1, 3 or 5, got 2/);
    await expect(createNatsTriggerStore(target, { instance: " " })).rejects.toThrow(/`instance`/);
    await expect(createNatsTriggerStore(target, { timeout: 0 })).rejects.toThrow(/`timeout`/);
    await expect(createNatsTriggerStore(target, { ttl: "1h" } as never)).rejects.toThrow(/unknown option `ttl`/);
    await expect(createNatsTriggerStore({} as never)).rejects.toSatisfy((error: unknown) => error instanceof ConfigError && /exactly one of `servers`/.test(error.message));
  });

  it("creates its bucket on file storage with no max age and one value per key, and names itself after it", async () => {
    const bucket = freshBucket(suite);
    const store = await storeOn(suite, bucket);
    expect(store.description).toBe(`nats kv ${bucket}`);
    expect(store.shared).toBe(true);
    expect(store.instance).toBe(`${hostname()}:${process.pid}`);
    const manager = await jetstreamManager(await rawConnection());
    const { config } = await manager.streams.info(`KV_${bucket}`);
    expect(config.max_age).toBe(0);
    expect(config.max_msgs_per_subject).toBe(1);
    expect(config.storage).toBe("file");
  });

  it("refuses an existing bucket with a max age, naming the bucket, the setting, its value and the fix", async () => {
    const bucket = freshBucket(suite);
    await rawBucket(bucket, { ttl: 60_000 });
    const failure = await createNatsTriggerStore({ servers: suite.url }, { bucket }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NatsError);
    expect((failure as NatsError).code).toBe("BUCKET_MISCONFIGURED");
    const { message } = failure as NatsError;
    for (const part of [JSON.stringify(bucket), "max age is 1m", "needed none", `nats kv del ${bucket}`, "another bucket name"]) expect(message).toContain(part);
  });

  it("refuses an existing memory bucket unless memory storage is asked for", async () => {
    const bucket = freshBucket(suite);
    await rawBucket(bucket, { storage: "memory" });
    await expect(createNatsTriggerStore({ servers: suite.url }, { bucket })).rejects.toSatisfy(
      (error: unknown) => error instanceof NatsError && error.code === "BUCKET_MISCONFIGURED" && /storage is memory, needed file/.test(error.message),
    );
    const store = await storeOn(suite, bucket, { storage: "memory" });
    expect(await store.apply([begin(1)])).toEqual([true]);
  });
});

describe("NatsTriggerStore records", () => {
  it("keeps its records across closing and reopening", async () => {
    const bucket = freshBucket(suite);
    const first = await storeOn(suite, bucket);
    expect(await first.apply([begin(1_000), end(1_000), begin(2_000), { type: "pause", key: KEY, paused: true }])).toEqual([true, true, true, true]);
    const written = await first.get(KEY);
    await first.close();
    const second = await storeOn(suite, bucket);
    const snapshot = await second.load();
    expect(snapshot.problem).toBeUndefined();
    expect([...snapshot.records.keys()]).toEqual([KEY]);
    expect(snapshot.records.get(KEY)).toEqual(written);
    expect(written).toMatchObject({ lastSlot: 2_000, lastRun: { slot: 1_000, outcome: "ok" }, running: [{ slot: 2_000, instance: "a" }], ran: [[1_000, 1_000]], paused: true });
    // the loaded copy is current: a change decided on it lands without another read
    expect(await second.apply([end(2_000)])).toEqual([true]);
    expect((await second.get(KEY))?.running).toEqual([]);
  });

  it("reports a value another program wrote that is not a record, skips it and never overwrites it", async () => {
    const bucket = freshBucket(suite);
    const store = await storeOn(suite, bucket);
    const good = recordKey("good", "cron");
    await store.apply([begin(5, "a", good)]);
    const raw = await rawBucket(bucket);
    const garbled = recordKey("garbled", "cron");
    const shapeless = recordKey("shapeless", "cron");
    await raw.put(encodeSlotKey(garbled), "{not json");
    await raw.put(encodeSlotKey(shapeless), JSON.stringify({ running: 5, ran: [] }));
    await raw.put("foreign.key", "hello");
    const snapshot = await store.load();
    expect([...snapshot.records.keys()]).toEqual([good]);
    expect(snapshot.problem?.code).toBe("STORE_CORRUPT");
    for (const part of [encodeSlotKey(garbled), "not UTF-8 JSON", encodeSlotKey(shapeless), "`running` is not an array", "foreign.key", `nats kv del ${bucket}`]) {
      expect(snapshot.problem?.message).toContain(part);
    }
    await expect(store.apply([begin(1, "a", garbled)])).rejects.toSatisfy((error: unknown) => error instanceof NatsError && error.code === "STORE_CORRUPT" && error.message.includes(`nats kv del ${bucket} ${encodeSlotKey(garbled)}`));
    await expect(store.get(shapeless)).rejects.toSatisfy((error: unknown) => error instanceof NatsError && error.code === "STORE_CORRUPT");
    expect((await raw.get(encodeSlotKey(garbled)))?.string()).toBe("{not json");
    // once the operator removes the key, the trigger starts from an empty record
    await raw.delete(encodeSlotKey(garbled));
    expect(await store.apply([begin(1, "a", garbled)])).toEqual([true]);
    expect((await store.get(garbled))?.lastSlot).toBe(1);
  });

  it("writes over a key deleted by an operator, whether its copy is fresh or stale", async () => {
    const bucket = freshBucket(suite);
    const store = await storeOn(suite, bucket);
    await store.apply([begin(10)]);
    const raw = await rawBucket(bucket);
    await raw.delete(encodeSlotKey(KEY));
    // the store's copy still says lastSlot 10 at the old revision: slot 5 is refused only after a fresh read
    expect(await store.apply([begin(5)])).toEqual([true]);
    await raw.delete(encodeSlotKey(KEY));
    expect(await store.get(KEY)).toBeUndefined();
    expect(await store.apply([begin(3)])).toEqual([true]);
    expect((await store.get(KEY))?.lastSlot).toBe(3);
  });
});

describe("NatsTriggerStore.close", () => {
  it("drains a connection it opened, leaves a passed one open, is idempotent, and refuses work afterwards", async () => {
    const bucket = freshBucket(suite);
    const own = await storeOn(suite, bucket);
    const connection = await rawConnection();
    const shared = await createNatsTriggerStore({ connection }, { bucket });
    const pending = own.apply([begin(1)]);
    await Promise.all([own.close(), own.close(), shared.close()]);
    expect(await pending).toEqual([true]);
    expect(connection.isClosed()).toBe(false);
    await expect(own.apply([begin(2)])).rejects.toSatisfy((error: unknown) => error instanceof NatsError && error.code === "STORE_CLOSED" && /after close/.test(error.message));
    await expect(own.load()).rejects.toSatisfy((error: unknown) => error instanceof NatsError && error.code === "STORE_CLOSED");
    await expect(shared.get(KEY)).rejects.toSatisfy((error: unknown) => error instanceof NatsError && error.code === "STORE_CLOSED");
  });

  it("rejects with STORE_WRITE_FAILED when the write cannot be made", async () => {
    const bucket = freshBucket(suite);
    const connection = await connect({ servers: suite.url });
    const store = await createNatsTriggerStore({ connection }, { bucket });
    await store.apply([begin(1)]);
    await connection.close();
    await expect(store.apply([end(1)])).rejects.toSatisfy((error: unknown) => error instanceof NatsError && error.code === "STORE_WRITE_FAILED" && error.message.includes(JSON.stringify(KEY)));
  });
});
