import { afterEach, expect, test } from "vitest";
import type { Message } from "../../src/bus/Bus.js";
import { createBus } from "../../src/bus/createBus.js";
import { systemClock } from "../../src/clock.js";
import { MemoryLeases } from "../../src/lease/MemoryLeases.js";
import { createOrchestrator } from "../../src/orchestrator/createOrchestrator.js";
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import { waitFor } from "./threadHarness.js";

// A thread agent can be a singleton: placement is decided before launch, the thread sees the
// lease it started under, and what it publishes carries the fencing token.

const DESK = new URL("./fixtures/desk.ts", import.meta.url);

const open: Orchestrator[] = [];
afterEach(async () => {
  for (const orch of open.splice(0)) await orch.shutdown({ timeout: "5s" });
});

test("a singleton thread agent runs on the replica holding its lease, sees the lease in its thread, and moves on shutdown", async () => {
  const leases = new MemoryLeases({ clock: systemClock });
  const bus = createBus();
  const started: Message[] = [];
  bus.subscribe("lease.started", (message) => void started.push(message));
  const replica = (name: string): Orchestrator => {
    const orch = createOrchestrator({
      agents: [{ name: "reporter", module: DESK, export: "LeaseReporter", isolation: "thread", placement: "singleton" }],
      config: { lease: { ttl: "1s" } },
      bus,
      logger: false,
      keepAlive: false,
      handleSignals: false,
      coordinator: leases.coordinator(name),
    });
    open.push(orch);
    return orch;
  };
  const a = replica("a");
  await a.start();
  await waitFor(() => a.agent("reporter")?.state === "running", 10_000, "the thread agent running on a");
  const b = replica("b");
  await b.start();
  await waitFor(() => b.agent("reporter")?.state === "standby", 5_000, "b in standby");
  const token = a.agent("reporter")?.lease?.token;
  expect(await bus.request("lease.who", null, { timeoutMs: 5_000 })).toEqual({ holder: "a", token });
  await waitFor(() => started.length === 1, 5_000, "the thread's publish");
  expect(started[0]?.headers?.["Ao-Lease-Token"]).toBe(String(token));
  await a.shutdown();
  await waitFor(() => b.agent("reporter")?.state === "running", 10_000, "the thread agent running on b");
  expect(await bus.request("lease.who", null, { timeoutMs: 5_000 })).toEqual({ holder: "b", token: b.agent("reporter")?.lease?.token });
  expect(b.agent("reporter")?.lease?.token).toBeGreaterThan(token ?? Infinity);
});
