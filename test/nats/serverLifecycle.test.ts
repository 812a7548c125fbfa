import { afterEach, describe, expect, it } from "vitest";
import { Agent, createOrchestrator } from "../../src/index.js";
import type { Orchestrator } from "../../src/index.js";
import { createNatsBus } from "../../src/nats/createNatsBus.js";
import { createNatsCoordinator } from "../../src/nats/createNatsCoordinator.js";
import type { NatsBus } from "../../src/nats/NatsBus.js";
import { NatsError } from "../../src/nats/NatsError.js";
import type { TickMessage } from "../../src/schedule/ScheduleSpec.js";
import { startNatsServer } from "../helpers/nats/natsServer.js";
import type { NatsServerProcess } from "../helpers/nats/natsServer.js";
import { eventually, withTimeout } from "../helpers/nats/processes.js";

class Idle extends Agent {
  static readonly agentName = "idle";
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tick(key: string): TickMessage {
  return { agent: "report", trigger: "every:1s", scheduledAt: 1_767_225_600_000, firedAt: 1_767_225_600_001, key };
}

async function setUp(server: NatsServerProcess, requireConnection: boolean): Promise<{ bus: NatsBus; orch: Orchestrator }> {
  const bus = await createNatsBus({ servers: server.url, reconnectTimeWait: 100, reconnectJitter: 0 }, { prefix: "restart", requireConnection });
  const orch = createOrchestrator({ agents: [Idle], bus, logger: false, keepAlive: false });
  cleanups.push(async () => {
    await orch.shutdown();
    await bus.close();
  });
  await orch.start();
  return { bus, orch };
}

describe("a NATS server without JetStream", () => {
  it("serves the bus, and the coordinator fails at creation with KV_UNAVAILABLE", async () => {
    const server = await startNatsServer({ jetstream: false });
    cleanups.push(() => server.dispose());
    const bus = await createNatsBus({ servers: server.url });
    cleanups.push(() => bus.close());
    bus.subscribe("x", () => "pong");
    expect(await bus.request("x", "ping")).toBe("pong");
    const attempt = createNatsCoordinator({ connection: bus.natsConnection }, { timeout: "2s" });
    await expect(attempt).rejects.toSatisfy((error: unknown) => error instanceof NatsError && error.code === "KV_UNAVAILABLE" && /is JetStream enabled/.test(error.message));
    // the shared connection is left as it was
    expect(bus.connection().connected).toBe(true);
  });
});

describe("a NATS server restarted mid-run", () => {
  it("makes health fail while disconnected, and the bus reconnects and delivers again", async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.dispose());
    const { bus, orch } = await setUp(server, true);
    const { bus: lenient, orch: lenientOrch } = await setUp(server, false);
    const received: unknown[] = [];
    bus.subscribe("ping", (message) => void received.push(message.payload));
    await lenient.flush();
    await bus.flush();

    await lenient.publish("ping", 1);
    await eventually(() => received.length === 1, 3_000, "the first ping");
    expect(bus.connection()).toEqual({ connected: true, reconnects: 0, required: true });
    expect(orch.health().status).toBe(200);

    await server.stop();
    await eventually(() => !bus.connection().connected && !lenient.connection().connected, 5_000, "both buses to see the outage");
    expect(orch.health()).toMatchObject({ ok: false, status: 503 });
    const probe = await orch.fetch(new Request("http://localhost/healthz"));
    expect(probe.status).toBe(503);
    expect((await probe.text()).trim()).toBe("unavailable: bus disconnected");
    expect(await orch.metrics()).toMatch(/^bus_connected 0$/m);
    // a bus whose connection is not required keeps health up
    expect(lenientOrch.health().status).toBe(200);
    // nothing is sent while disconnected: the publisher is told at once
    await expect(bus.publish("ping", 2)).rejects.toSatisfy((error: unknown) => error instanceof NatsError && error.code === "DISCONNECTED");
    await expect(bus.request("ping", 2)).rejects.toMatchObject({ code: "DISCONNECTED" });
    await withTimeout(bus.flush(), 2_000, "flush() while disconnected");

    await server.restart();
    await eventually(() => bus.connection().connected && lenient.connection().connected, 10_000, "both buses to reconnect");
    expect(bus.connection()).toEqual({ connected: true, reconnects: 1, required: true });
    expect(orch.health()).toMatchObject({ ok: true, status: 200 });
    expect(await orch.metrics()).toMatch(/^bus_reconnects_total 1$/m);

    // the subscription was restored on the new connection
    await lenient.publish("ping", 3);
    await eventually(() => received.length === 2, 3_000, "a ping after the restart");
    expect(received).toEqual([1, 3]);
  });

  it("keeps claimed slots across the restart (file storage) and fails claims while the server is down", async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.dispose());
    const coordinator = await createNatsCoordinator({ servers: server.url, reconnectTimeWait: 100, reconnectJitter: 0 }, { bucket: "restart_slots", timeout: "1s" });
    cleanups.push(() => coordinator.close());

    expect(await coordinator.claim(tick("report:every:1s:a"))).toBe(true);
    await server.stop();
    await expect(coordinator.claim(tick("report:every:1s:b"))).rejects.toSatisfy((error: unknown) => error instanceof NatsError && error.code === "CLAIM_FAILED");
    await server.restart();

    // JetStream recovers its streams shortly after the restart: retry until it answers
    let again: boolean | undefined;
    const deadline = Date.now() + 10_000;
    while (again === undefined) {
      try {
        again = await coordinator.claim(tick("report:every:1s:a"));
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect(again).toBe(false);
    expect(await coordinator.claim(tick("report:every:1s:c"))).toBe(true);
    expect(coordinator.stats().claimed).toBe(2);
    expect(coordinator.stats().failed).toBeGreaterThanOrEqual(1);
  });
});
