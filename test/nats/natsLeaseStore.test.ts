import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { KV } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/index.js";
import type { LeaseGrant } from "../../src/lease/LeaseStore.js";
import { createNatsCoordinator } from "../../src/nats/createNatsCoordinator.js";
import type { NatsCoordinator } from "../../src/nats/NatsCoordinator.js";
import type { NatsCoordinatorOptions } from "../../src/nats/NatsCoordinatorOptions.js";
import { NatsError } from "../../src/nats/NatsError.js";
import type { NatsLeaseStore } from "../../src/nats/NatsLeaseStore.js";
import { decodeLeaseValue, leaseRequestTimeout, replicaKey } from "../../src/nats/leaseKeys.js";
import { startNatsServer, uniqueToken } from "../helpers/nats/natsServer.js";
import { natsSuite } from "../helpers/nats/natsSuite.js";

const suite = natsSuite();
const { cleanups } = suite;

/** A bucket name of its own, whose stream is removed after the test. */
function freshBucket(label: string): string {
  const bucket = uniqueToken(label);
  cleanups.unshift(async () => {
    const connection = await connect({ servers: suite.url });
    const manager = await jetstreamManager(connection);
    await manager.streams.delete(`KV_${bucket}`).catch(() => false);
    await connection.close();
  });
  return bucket;
}

/** A coordinator (its own connection, its own slot bucket) of the replica `instance`, on the lease bucket `leaseBucket`. */
async function coordinatorOf(instance: string, leaseBucket: string, options: NatsCoordinatorOptions & { url?: string } = {}): Promise<NatsCoordinator> {
  const { url = suite.url, ...rest } = options;
  // a server of the test's own is disposed of with its buckets
  const bucket = url === suite.url ? freshBucket("slots") : uniqueToken("slots");
  const coordinator = await createNatsCoordinator({ servers: url, reconnectTimeWait: 100, reconnectJitter: 0 }, { bucket, leaseBucket, instance, ...rest });
  cleanups.push(() => coordinator.close());
  return coordinator;
}

/** The lease store of the replica `instance` on `leaseBucket`, with `ttl` ms. */
async function storeOf(instance: string, leaseBucket: string, ttl = 10_000, options: NatsCoordinatorOptions & { url?: string } = {}): Promise<NatsLeaseStore> {
  return (await coordinatorOf(instance, leaseBucket, options)).openLeases({ ttl });
}

/** The bucket as another program sees it (no lease logic). */
async function rawKv(bucket: string, url = suite.url): Promise<KV> {
  const connection = await connect({ servers: url });
  cleanups.push(() => connection.close());
  return new Kvm(jetstream(connection)).open(bucket);
}

/** Poll `probe` until it gives something other than `undefined`; rejects naming `what` after `ms`. */
async function until<T>(probe: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `operation`, retried while it rejects (a server restarting), for at most `ms`. */
async function retrying<T>(operation: () => Promise<T>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const isLeaseFailed = (error: unknown): boolean => error instanceof NatsError && error.code === "LEASE_FAILED";

describe("the lease keys", () => {
  it("bound a lease request by the coordinator's timeout, half the TTL and 500 ms", () => {
    expect(leaseRequestTimeout(5_000, 10_000)).toBe(5_000);
    expect(leaseRequestTimeout(2_000, 10_000)).toBe(2_000);
    expect(leaseRequestTimeout(5_000, 3_000)).toBe(1_500);
    expect(leaseRequestTimeout(5_000, 1_000)).toBe(500);
    expect(leaseRequestTimeout(300, 1_000)).toBe(300);
  });

  it("give every instance name a valid key token, and read only lease values", () => {
    expect(replicaKey("host-1#42")).toBe(`replicas.${Buffer.from("host-1#42").toString("base64url")}`);
    expect(replicaKey("é 🙂.>*")).toMatch(/^replicas\.[-\w]+$/);
    const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
    expect(decodeLeaseValue(encode({ holder: "a", at: 1 }))).toEqual({ holder: "a", at: 1 });
    expect(decodeLeaseValue(encode({ holder: "a", token: 7, at: 1 }))).toEqual({ holder: "a", token: 7, at: 1 });
    for (const bad of [{ holder: "" }, { holder: 1 }, { holder: "a", token: 0 }, { holder: "a", token: "7" }, [], null, "a"]) expect(decodeLeaseValue(encode(bad))).toBeUndefined();
    expect(decodeLeaseValue(new TextEncoder().encode("{nope"))).toBeUndefined();
    expect(decodeLeaseValue(new Uint8Array([0xff, 0xfe]))).toBeUndefined();
  });
});

describe("NatsLeaseStore", () => {
  it("lets exactly one of two replicas acquire a lease, and both read who holds it until when", async () => {
    const bucket = freshBucket("leases");
    const a = await storeOf("a", bucket);
    const b = await storeOf("b", bucket);
    expect([a.instance, b.instance, a.ttl, a.bucket]).toEqual(["a", "b", 10_000, bucket]);
    const before = Date.now();
    const [fromA, fromB] = await Promise.all([a.acquire("report"), b.acquire("report")]);
    const after = Date.now();
    expect([fromA, fromB].filter((grant) => grant !== undefined)).toHaveLength(1);
    const [winner, grant] = fromA !== undefined ? ["a", fromA] : ["b", fromB as LeaseGrant];
    expect(grant.token).toBe(grant.revision);
    for (const store of [a, b]) {
      const view = await store.read("report");
      expect(view).toMatchObject({ holder: winner, token: grant.token });
      // server and test share a clock here: the expiry is the server's time of the write + ttl
      expect(view?.expiresAt).toBeGreaterThanOrEqual(before + 10_000 - 5);
      expect(view?.expiresAt).toBeLessThanOrEqual(after + 10_000 + 5);
    }
    expect(await a.acquire("report")).toBeUndefined();
    expect(await b.acquire("report")).toBeUndefined();
    expect(await a.read("other")).toBeUndefined();
    // leases of different agents are independent
    expect(await b.acquire("other")).toBeDefined();
  });

  it("renews with the revision of the last write (same token, later expiry); at a stale revision only its own acquisition goes on", async () => {
    const bucket = freshBucket("leases");
    const a = await storeOf("a", bucket);
    const b = await storeOf("b", bucket);
    const first = (await a.acquire("report")) as LeaseGrant;
    const seen = await b.read("report");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await a.renew("report", first);
    expect(second).toEqual({ token: first.token, revision: expect.any(Number) });
    expect(second?.revision).toBeGreaterThan(first.revision);
    const renewed = await b.read("report");
    expect(renewed).toMatchObject({ holder: "a", token: first.token });
    expect(renewed?.expiresAt).toBeGreaterThan(seen?.expiresAt as number);
    // the first grant's revision is not the key's any more: the write there is a's own renewal of the same
    // acquisition (as when a renewal's answer is lost), so a goes on from it, with the same token
    const adopted = await a.renew("report", first);
    expect(adopted).toEqual({ token: first.token, revision: expect.any(Number) });
    expect(adopted?.revision).toBeGreaterThan(second?.revision as number);
    // another holder, or another acquisition's token, at a stale revision: not theirs
    expect(await b.renew("report", first)).toBeUndefined();
    expect(await a.renew("report", { token: first.token - 1, revision: first.revision })).toBeUndefined();
    const third = await a.renew("report", adopted as LeaseGrant);
    expect(third?.token).toBe(first.token);
    // a release with a stale revision changes nothing
    await a.release("report", first);
    expect(await b.read("report")).toMatchObject({ holder: "a", token: first.token });
    // renewing a lease of an agent nobody holds fails as a lost race
    expect(await a.renew("nobody", first)).toBeUndefined();
  });

  it("after a release, another replica acquires over the delete marker with a larger token", async () => {
    const bucket = freshBucket("leases");
    const a = await storeOf("a", bucket);
    const b = await storeOf("b", bucket);
    const mine = (await a.acquire("report")) as LeaseGrant;
    await a.release("report", mine);
    expect(await b.read("report")).toBeUndefined();
    // the release leaves a delete marker as the key's last entry; create() writes over it
    expect((await (await rawKv(bucket)).get("agents.report"))?.operation).toBe("DEL");
    const theirs = await b.acquire("report");
    expect(theirs?.token).toBeGreaterThan(mine.token);
    expect(await a.read("report")).toMatchObject({ holder: "b", token: theirs?.token });
    // the old holder can neither renew nor release it
    expect(await a.renew("report", mine)).toBeUndefined();
    await a.release("report", mine);
    expect(await a.read("report")).toMatchObject({ holder: "b" });
    // purged too
    await b.release("report", theirs as LeaseGrant);
    const raw = await rawKv(bucket);
    await raw.purge("agents.report");
    expect((await raw.get("agents.report"))?.operation).toBe("PURGE");
    const again = await a.acquire("report");
    expect(again?.token).toBeGreaterThan(theirs?.token as number);
  });

  it("lets a lease that is not renewed expire after the ttl (not before); then another replica acquires it", async () => {
    const bucket = freshBucket("leases");
    const a = await storeOf("a", bucket, 1_000, { storage: "memory" });
    const b = await storeOf("b", bucket, 1_000, { storage: "memory" });
    expect(a.timeout).toBe(500);
    const written = Date.now();
    const mine = (await a.acquire("report")) as LeaseGrant;
    const { expiresAt } = (await b.read("report")) ?? { expiresAt: 0 };
    expect(await b.acquire("report")).toBeUndefined();
    // JetStream removes expired messages on its own schedule: poll, bounded
    await until(async () => ((await b.read("report")) === undefined ? true : undefined), 8_000, "the lease key to expire");
    const gone = Date.now();
    expect(gone).toBeGreaterThanOrEqual(expiresAt - 5);
    expect(gone - written).toBeGreaterThanOrEqual(1_000 - 5);
    const theirs = await b.acquire("report");
    expect(theirs?.token).toBeGreaterThan(mine.token);
    expect(await a.renew("report", mine)).toBeUndefined();
  });

  it("cannot renew a lease that expired even when nobody took it since", async () => {
    const bucket = freshBucket("leases");
    const a = await storeOf("a", bucket, 1_000, { storage: "memory" });
    const mine = (await a.acquire("report")) as LeaseGrant;
    await until(async () => ((await a.read("report")) === undefined ? true : undefined), 8_000, "the lease key to expire");
    expect(await a.renew("report", mine)).toBeUndefined();
    expect((await a.acquire("report"))?.token).toBeGreaterThan(mine.token);
  });

  it("reads a key that holds something other than a lease as no lease, without throwing", async () => {
    const bucket = freshBucket("leases");
    const a = await storeOf("a", bucket);
    const raw = await rawKv(bucket);
    await raw.put("agents.report", "not json");
    await raw.put("agents.shape", JSON.stringify({ owner: "x" }));
    expect(await a.read("report")).toBeUndefined();
    expect(await a.read("shape")).toBeUndefined();
    // it is still a key: nobody acquires over it
    expect(await a.acquire("report")).toBeUndefined();
    await expect(a.acquire("a.b")).rejects.toMatchObject({ name: "NatsError", code: "INVALID_OPTION" });
  });

  it("counts the live replicas: two announced, one after the other closed, one after the other's key expired", async () => {
    const bucket = freshBucket("leases");
    const a = await storeOf("host-1#1", bucket, 1_000, { storage: "memory" });
    const b = await storeOf("host é#2", bucket, 1_000, { storage: "memory" });
    expect(await a.announce()).toBe(1);
    expect(await b.announce()).toBe(2);
    expect(await a.announce()).toBe(2);
    await b.close();
    expect(await a.announce()).toBe(1);
    // a replica that stops announcing without closing drops out after the ttl
    const c = await storeOf("c", bucket, 1_000, { storage: "memory" });
    expect(await c.announce()).toBe(2);
    await until(async () => ((await a.announce()) === 1 ? true : undefined), 8_000, "c's presence key to expire");
  });

  it("keeps tokens growing across a server restart (file storage), and fails while the server is down", async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.dispose());
    const bucket = "restart_leases";
    const a = await storeOf("a", bucket, 1_000, { url: server.url, timeout: "1s" });
    const b = await storeOf("b", bucket, 1_000, { url: server.url, timeout: "1s" });
    const first = (await a.acquire("report")) as LeaseGrant;
    await a.release("report", first);
    const second = (await b.acquire("other")) as LeaseGrant;
    await server.stop();
    await expect(a.acquire("third")).rejects.toSatisfy(isLeaseFailed);
    await expect(b.renew("other", second)).rejects.toSatisfy(isLeaseFailed);
    await server.restart();
    // JetStream recovers its streams shortly after the restart: retry until it answers
    const after = await retrying(() => b.acquire("report"), 10_000);
    expect(after?.token).toBeGreaterThan(Math.max(first.token, second.token));
    // every key of the bucket expired before the restart (an empty stream): the sequence still goes on
    await until(async () => ((await a.read("report")) === undefined && (await a.read("other")) === undefined ? true : undefined), 8_000, "every lease to expire");
    const manager = await jetstreamManager(await connect({ servers: server.url }).then((connection) => (cleanups.push(() => connection.close()), connection)));
    await until(async () => ((await manager.streams.info(`KV_${bucket}`)).state.messages === 0 ? true : undefined), 8_000, "the stream to be empty");
    await server.stop();
    await server.restart();
    const last = await retrying(() => a.acquire("report"), 10_000);
    expect(last?.token).toBeGreaterThan(after?.token as number);
  });

  it("gives up a request within the request bound while the server does not answer", async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.dispose());
    const a = await storeOf("a", "paused_leases", 1_000, { url: server.url });
    const grant = (await a.acquire("report")) as LeaseGrant;
    server.pause();
    try {
      for (const [what, call] of [
        ["renew", () => a.renew("report", grant)],
        ["release", () => a.release("report", grant)],
        ["read", () => a.read("report")],
        ["acquire", () => a.acquire("other")],
        ["announce", () => a.announce()],
      ] as const) {
        const started = Date.now();
        await expect(call(), what).rejects.toSatisfy(isLeaseFailed);
        expect(Date.now() - started, what).toBeLessThan(1_000);
      }
    } finally {
      server.resume();
    }
  });

  it("rejects every method after close(); close() is idempotent and withdraws the announcement", async () => {
    const bucket = freshBucket("leases");
    const a = await storeOf("a", bucket);
    const b = await storeOf("b", bucket);
    const grant = (await a.acquire("report")) as LeaseGrant;
    expect(await a.announce()).toBe(1);
    await Promise.all([a.close(), a.close()]);
    await a.close();
    for (const call of [() => a.acquire("x"), () => a.renew("report", grant), () => a.release("report", grant), () => a.read("report"), () => a.announce()]) {
      await expect(call()).rejects.toSatisfy((error: unknown) => isLeaseFailed(error) && /closed/.test((error as Error).message));
    }
    expect((await (await rawKv(bucket)).get(replicaKey("a")))?.operation).toBe("DEL");
    expect(await b.announce()).toBe(1);
    // the lease itself is left to expire
    expect(await b.read("report")).toMatchObject({ holder: "a", token: grant.token });
  });
});

describe("NatsCoordinator.openLeases", () => {
  it("creates the lease bucket with the ttl as max age, the coordinator's storage and one value per key", async () => {
    const bucket = freshBucket("leases");
    await storeOf("a", bucket, 4_000, { storage: "memory" });
    const manager = await jetstreamManager(await connect({ servers: suite.url }).then((connection) => (cleanups.push(() => connection.close()), connection)));
    const { config } = await manager.streams.info(`KV_${bucket}`);
    expect(config.max_age).toBe(4_000 * 1_000_000);
    expect(config.max_msgs_per_subject).toBe(1);
    expect(config.storage).toBe("memory");
  });

  it("opens one store per ttl: the same ttl again gives the same store, another ttl is refused naming both", async () => {
    const bucket = freshBucket("leases");
    const coordinator = await coordinatorOf("a", bucket);
    const [one, two] = await Promise.all([coordinator.openLeases({ ttl: 10_000 }), coordinator.openLeases({ ttl: 10_000 })]);
    expect(one).toBe(two);
    await expect(coordinator.openLeases({ ttl: 5_000 })).rejects.toSatisfy(
      (error: unknown) => error instanceof NatsError && error.code === "INVALID_OPTION" && /10s/.test(error.message) && /5s/.test(error.message) && error.message.includes(bucket),
    );
    await expect(coordinator.openLeases({ ttl: 999 })).rejects.toMatchObject({ code: "INVALID_OPTION" });
    await expect(coordinator.openLeases({} as never)).rejects.toMatchObject({ code: "INVALID_OPTION" });
  });

  it("refuses an existing lease bucket whose max age is not the ttl (BUCKET_MISCONFIGURED), and opens one that fits", async () => {
    const bucket = freshBucket("leases");
    await new Kvm(jetstream(await connect({ servers: suite.url }).then((connection) => (cleanups.push(() => connection.close()), connection)))).create(bucket, { ttl: 30_000, history: 1 });
    const coordinator = await coordinatorOf("a", bucket);
    await expect(coordinator.openLeases({ ttl: 10_000 })).rejects.toSatisfy(
      (error: unknown) => error instanceof NatsError && error.code === "BUCKET_MISCONFIGURED" && error.message.includes(bucket) && /max age is 30s/.test(error.message),
    );
    // a failed open is not remembered: the right ttl opens it
    const store = await coordinator.openLeases({ ttl: 30_000 });
    expect(await store.acquire("report")).toBeDefined();
  });

  it("uses the default bucket ao-leases and checks the leaseBucket option", async () => {
    const coordinator = await coordinatorOf("a", "ao-leases");
    expect(coordinator.leaseBucket).toBe("ao-leases");
    await expect(createNatsCoordinator({ servers: suite.url }, { leaseBucket: "a.b" })).rejects.toSatisfy((error: unknown) => error instanceof ConfigError && error.path === "leaseBucket" && /"a\.b"/.test(error.message));
    const plain = await createNatsCoordinator({ servers: suite.url }, { bucket: freshBucket("slots") });
    cleanups.push(() => plain.close());
    expect(plain.leaseBucket).toBe("ao-leases");
  });

  it("closes the lease store it opened when the coordinator closes, and refuses to open one afterwards", async () => {
    const bucket = freshBucket("leases");
    const coordinator = await coordinatorOf("a", bucket);
    const other = await storeOf("b", bucket);
    const store = await coordinator.openLeases({ ttl: 10_000 });
    expect(await store.announce()).toBe(1);
    expect(await other.announce()).toBe(2);
    await coordinator.close();
    await expect(store.acquire("report")).rejects.toSatisfy(isLeaseFailed);
    await expect(coordinator.openLeases({ ttl: 10_000 })).rejects.toSatisfy(isLeaseFailed);
    expect(await other.announce()).toBe(1);
  });
});
