import { fileURLToPath } from "node:url";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueToken, useNatsServer } from "../helpers/nats/natsServer.js";
import type { JsonLineProcess } from "../helpers/nats/processes.js";
import { eventually, spawnTsx, withTimeout } from "../helpers/nats/processes.js";

const INSTANCE = fileURLToPath(new URL("../fixtures/nats/clusterInstance.ts", import.meta.url));
const SLOT_MS = 1_000;

let url = "";
let release: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  ({ url, release } = await useNatsServer());
});
afterAll(() => release());

interface Tick {
  readonly instance: string;
  readonly key: string;
  readonly scheduledAt: number;
}

describe("three orchestrators sharing an every-second schedule through NATS", () => {
  it("handle each slot exactly once; when one is killed, no slot runs twice and at most one is missed", async () => {
    const prefix = uniqueToken("cluster");
    const bucket = uniqueToken("slots");
    const names = ["a", "b", "c"];
    const instances = new Map<string, JsonLineProcess>(names.map((name) => [name, spawnTsx(INSTANCE, { NATS_URL: url, BUS_PREFIX: prefix, SLOT_BUCKET: bucket, INSTANCE: name })]));
    const ticks = (): Tick[] =>
      [...instances.values()].flatMap((instance) => instance.events.filter((event) => event["event"] === "tick") as unknown as Tick[]);
    try {
      await Promise.all([...instances.values()].map((instance) => instance.waitFor((event) => event["event"] === "ready", 15_000, "an instance to be ready")));
      const allReady = Date.now();

      // phase 1: all three up, at least 5 slots
      await eventually(() => ticks().filter((tick) => tick.scheduledAt > allReady).length >= 5, 10_000, "5 slots handled with three instances up");
      // kill the instance that handled the latest slot (or any): no goodbye, no shutdown
      const latest = ticks().sort((x, y) => y.scheduledAt - x.scheduledAt)[0];
      const victimName = latest?.instance ?? "a";
      const victim = instances.get(victimName) as JsonLineProcess;
      const killedAt = Date.now();
      victim.child.kill("SIGKILL");
      await withTimeout(victim.exited, 5_000, "the killed instance to exit");

      // phase 2: two instances left, at least 6 more slots
      await eventually(() => ticks().filter((tick) => tick.scheduledAt > killedAt + SLOT_MS).length >= 6, 12_000, "6 slots handled after the kill");

      const survivors = [...instances.entries()].filter(([name]) => name !== victimName).map(([, instance]) => instance);
      for (const survivor of survivors) survivor.child.kill("SIGTERM");
      const codes = await Promise.all(survivors.map((survivor) => withTimeout(survivor.exited, 10_000, "a survivor to shut down")));
      expect(codes).toEqual([0, 0]);

      const handled = ticks();
      // never twice: each slot key appears once in total across the cluster
      const keys = handled.map((tick) => tick.key);
      expect(keys.length).toBeGreaterThanOrEqual(11);
      expect(new Set(keys).size).toBe(keys.length);

      // every slot between the first and the last handled one ran, except at most one around the kill
      const slots = new Set(handled.map((tick) => tick.scheduledAt));
      const first = Math.min(...slots);
      const last = Math.max(...slots);
      const missing: number[] = [];
      for (let slot = first; slot <= last; slot += SLOT_MS) if (!slots.has(slot)) missing.push(slot);
      expect(missing.length, `missed slots: ${missing.map((slot) => new Date(slot).toISOString()).join(", ")}`).toBeLessThanOrEqual(1);
      for (const slot of missing) expect(Math.abs(slot - killedAt)).toBeLessThanOrEqual(2 * SLOT_MS);

      // the slots were spread over the instances (queue group), and the survivors kept claiming after the kill
      const afterKill = handled.filter((tick) => tick.scheduledAt > killedAt + SLOT_MS);
      expect(afterKill.every((tick) => tick.instance !== victimName)).toBe(true);
      const claims = survivors.map((survivor) => survivor.events.find((event) => event["event"] === "stopped")?.["coordinator"] as { claimed: number; conceded: number; failed: number });
      for (const stats of claims) expect(stats.failed).toBe(0);
      expect(claims.reduce((sum, stats) => sum + stats.claimed, 0)).toBeGreaterThanOrEqual(afterKill.length);
    } finally {
      for (const instance of instances.values()) instance.child.kill("SIGKILL");
      await deleteBucket(bucket);
    }
  });
});

/** Remove the test's KV bucket from the (possibly shared) server. */
async function deleteBucket(bucket: string): Promise<void> {
  const connection = await connect({ servers: url });
  try {
    const manager = await jetstreamManager(connection);
    await manager.streams.delete(`KV_${bucket}`).catch(() => false);
  } finally {
    await connection.close();
  }
}
