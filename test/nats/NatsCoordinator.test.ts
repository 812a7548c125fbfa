import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { Agent, ConfigError, createOrchestrator } from "../../src/index.js";
import { createNatsBus } from "../../src/nats/createNatsBus.js";
import { createNatsCoordinator } from "../../src/nats/createNatsCoordinator.js";
import type { NatsCoordinator } from "../../src/nats/NatsCoordinator.js";
import type { NatsCoordinatorOptions } from "../../src/nats/NatsCoordinatorOptions.js";
import { NatsError } from "../../src/nats/NatsError.js";
import { encodeSlotKey } from "../../src/nats/slotKey.js";
import type { CronTick, TickMessage } from "../../src/schedule/ScheduleSpec.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { uniqueToken } from "../helpers/nats/natsServer.js";
import { natsSuite } from "../helpers/nats/natsSuite.js";
import { eventually } from "../helpers/nats/processes.js";

const suite = natsSuite();
const { cleanups } = suite;

async function rawConnection(): Promise<NatsConnection> {
  const connection = await connect({ servers: suite.url });
  cleanups.push(() => connection.close());
  return connection;
}

/** A coordinator on a bucket of its own (removed after the test), on its own connection. */
async function coordinatorOn(bucket: string, options: NatsCoordinatorOptions = {}): Promise<NatsCoordinator> {
  const coordinator = await createNatsCoordinator({ servers: suite.url }, { bucket, ...options });
  cleanups.push(() => coordinator.close());
  return coordinator;
}

function freshBucket(): string {
  const bucket = uniqueToken("slots");
  cleanups.unshift(async () => {
    const connection = await connect({ servers: suite.url });
    const manager = await jetstreamManager(connection);
    await manager.streams.delete(`KV_${bucket}`).catch(() => false);
    await connection.close();
  });
  return bucket;
}

function tick(key: string, scheduledAt = Date.UTC(2026, 0, 5, 9, 30)): TickMessage {
  return { agent: key.split(":")[0] ?? "a", trigger: "every:1s", scheduledAt, firedAt: scheduledAt + 1, key };
}

describe("createNatsCoordinator", () => {
  it("refuses bad options with a ConfigError naming them", async () => {
    await expect(createNatsCoordinator({ servers: suite.url }, { bucket: "a.b" })).rejects.toSatisfy((error: unknown) => error instanceof ConfigError && error.path === "bucket" && /"a\.b"/.test(error.message));
    await expect(createNatsCoordinator({ servers: suite.url }, { ttl: "soon" })).rejects.toThrow(/expected `ttl` to be a duration of at least one second.*"soon"/);
    await expect(createNatsCoordinator({ servers: suite.url }, { ttl: 10 })).rejects.toThrow(/`ttl`/);
    await expect(createNatsCoordinator({ servers: suite.url }, { storage: "disk" as never })).rejects.toThrow(/expected `storage` to be "file" or "memory", got "disk"/);
    await expect(createNatsCoordinator({ servers: suite.url }, { replicas: 2 })).rejects.toThrow(/expected `replicas` to be 1, 3 or 5, got 2/);
    await expect(createNatsCoordinator({ servers: suite.url }, { instance: " " })).rejects.toThrow(/`instance`/);
    await expect(createNatsCoordinator({ servers: suite.url }, { timeout: 0 })).rejects.toThrow(/`timeout`/);
    await expect(createNatsCoordinator({} as never)).rejects.toSatisfy((error: unknown) => error instanceof ConfigError && /exactly one of `servers`/.test(error.message));
  });

  it("creates the bucket with its ttl, one value per key and the storage asked for; a second coordinator opens it as it is", async () => {
    const bucket = freshBucket();
    await coordinatorOn(bucket, { ttl: "90s", storage: "memory" });
    await coordinatorOn(bucket, { ttl: "1h", storage: "file" });
    const manager = await jetstreamManager(await rawConnection());
    const { config } = await manager.streams.info(`KV_${bucket}`);
    expect(config.max_age).toBe(90_000 * 1_000_000);
    expect(config.max_msgs_per_subject).toBe(1);
    expect(config.storage).toBe("memory");
  });
});

describe("NatsCoordinator.claim", () => {
  it("lets exactly one of several racing instances claim each slot", async () => {
    const bucket = freshBucket();
    const instances = await Promise.all(["a", "b", "c", "d"].map((instance) => coordinatorOn(bucket, { instance })));
    const slots = Array.from({ length: 25 }, (_, i) => tick(`report:every:1s:${new Date(Date.UTC(2026, 0, 5, 9, 30, i)).toISOString()}`));
    const results = await Promise.all(slots.map((slot) => Promise.all(instances.map((instance) => instance.claim(slot)))));
    for (const perSlot of results) expect(perSlot.filter(Boolean)).toHaveLength(1);
    const stats = instances.map((instance) => instance.stats());
    expect(stats.reduce((sum, s) => sum + s.claimed, 0)).toBe(25);
    expect(stats.reduce((sum, s) => sum + s.conceded, 0)).toBe(75);
    expect(stats.every((s) => s.failed === 0)).toBe(true);
  });

  it("keeps slots with awkward keys distinct, and records who claimed each", async () => {
    const bucket = freshBucket();
    const coordinator = await coordinatorOn(bucket, { instance: "host-1#42" });
    const keys = ["a:b", "a_3Ab", "a.b", "a b", "a/b", "a*b", "a>b", "é:ü", "a_b", "a-b", "🙂"];
    for (const key of keys) expect(await coordinator.claim(tick(key))).toBe(true);
    for (const key of keys) expect(await coordinator.claim(tick(key))).toBe(false);
    const manager = await jetstreamManager(await rawConnection());
    const stored = await manager.streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.${encodeSlotKey("a:b")}` });
    expect(stored?.json()).toEqual({ instance: "host-1#42", key: "a:b", scheduledAt: Date.UTC(2026, 0, 5, 9, 30), claimedAt: Date.UTC(2026, 0, 5, 9, 30) + 1 });
  });

  it("lets a slot be claimed again once its key has expired (the ttl)", async () => {
    const bucket = freshBucket();
    const coordinator = await coordinatorOn(bucket, { ttl: "1s" });
    expect(await coordinator.claim(tick("short:every:1s:x"))).toBe(true);
    expect(await coordinator.claim(tick("short:every:1s:x"))).toBe(false);
    // JetStream removes expired messages on its own schedule: poll, bounded
    const deadline = Date.now() + 8_000;
    let again = false;
    while (!again) {
      if (Date.now() > deadline) throw new Error("the claimed key did not expire within 8 s of a 1 s ttl");
      await new Promise((resolve) => setTimeout(resolve, 200));
      again = await coordinator.claim(tick("short:every:1s:x"));
    }
    expect(coordinator.stats().claimed).toBe(2);
  });

  it("refuses a tick without a key, and claims after close() with CLAIM_FAILED", async () => {
    const bucket = freshBucket();
    const coordinator = await coordinatorOn(bucket);
    await expect(coordinator.claim({} as TickMessage)).rejects.toThrow(/expected a tick with a non-empty `key`/);
    await expect(coordinator.claim({} as TickMessage)).rejects.toMatchObject({ name: "NatsError", code: "INVALID_OPTION" });
    await coordinator.close();
    await coordinator.close();
    await expect(coordinator.claim(tick("x:y:z"))).rejects.toSatisfy((error: unknown) => error instanceof NatsError && error.code === "CLAIM_FAILED");
  });

  it("closes a connection it opened, and leaves one it was given open", async () => {
    const bucket = freshBucket();
    const connection = await rawConnection();
    const shared = await createNatsCoordinator({ connection }, { bucket });
    expect(await shared.claim(tick("x:y:1"))).toBe(true);
    await shared.close();
    expect(connection.isClosed()).toBe(false);
  });
});

describe("an orchestrator with a NATS coordinator", () => {
  class Ticker extends Agent {
    static readonly agentName = "ticker";
    static readonly handled: string[] = [];
    override onCron(current: CronTick): void {
      Ticker.handled.push(current.key);
    }
  }

  it("without a coordinator, fires every slot itself, as on the in-process bus", async () => {
    Ticker.handled.length = 0;
    const start = Date.UTC(2026, 0, 5, 10, 0);
    const clock = new ManualClock(start);
    const bus = await createNatsBus({ servers: suite.url }, { prefix: uniqueToken("solo") });
    cleanups.push(() => bus.close());
    const orch = createOrchestrator({ agents: [Ticker], config: { schedule: { ticker: { every: "1s" } } }, bus, clock, logger: false, keepAlive: false });
    cleanups.push(() => orch.shutdown());
    await orch.start();
    for (let second = 1; second <= 3; second++) {
      await clock.advance(1_000);
      await eventually(() => Ticker.handled.length === second, 3_000, `slot ${second} to be handled`);
    }
    expect(Ticker.handled).toEqual([1, 2, 3].map((second) => `ticker:every:1s:${new Date(start + second * 1_000).toISOString()}`));
  });

  it("fires only the slots it claims: a slot another instance claimed first is skipped here", async () => {
    Ticker.handled.length = 0;
    const bucket = freshBucket();
    const start = Date.UTC(2026, 0, 5, 9, 30);
    const clock = new ManualClock(start);
    const bus = await createNatsBus({ servers: suite.url }, { prefix: uniqueToken("orch") });
    cleanups.push(() => bus.close());
    const coordinator = await createNatsCoordinator({ connection: bus.natsConnection }, { bucket, instance: "here" });
    const elsewhere = await coordinatorOn(bucket, { instance: "elsewhere" });
    const key = (second: number): string => `ticker:every:1s:${new Date(start + second * 1_000).toISOString()}`;
    // another instance already handled the second slot
    expect(await elsewhere.claim(tick(key(2), start + 2_000))).toBe(true);

    const orch = createOrchestrator({ agents: [Ticker], config: { schedule: { ticker: { every: "1s" } } }, bus, coordinator, clock, logger: false, keepAlive: false });
    cleanups.push(() => orch.shutdown());
    await orch.start();
    for (let second = 1; second <= 3; second++) {
      await clock.advance(1_000);
      await eventually(() => coordinator.stats().claimed + coordinator.stats().conceded === second, 3_000, `the claim of slot ${second}`);
    }
    await eventually(() => Ticker.handled.length === 2, 3_000, "the two slots claimed here to be handled");
    expect(Ticker.handled).toEqual([key(1), key(3)]);
    expect(coordinator.stats()).toEqual({ claimed: 2, conceded: 1, failed: 0 });
  });
});
