import { afterEach, describe, expect, test } from "vitest";
import { Agent, createOrchestrator } from "../../src/index.js";
import type { AgentRegistration, Orchestrator, OrchestratorConfig, OrchestratorEvents } from "../../src/index.js";
import { BusError } from "../../src/errors/BusError.js";
import { MemoryLeases } from "../../src/lease/MemoryLeases.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

// The lease keeper where a lease meets other parts of supervision: a stop already under way, a
// dependency that is down, a rebalance nobody can take, a replica shutting down.

const T0 = Date.parse("2026-01-05T09:00:00Z");
const made: Orchestrator[] = [];
let clock: ManualClock;

afterEach(async () => {
  // stops may wait on the manual clock: shut down while time moves
  let done = false;
  const all = Promise.all(made.splice(0).map((orch) => orch.shutdown({ timeout: 2_000 }))).then(() => (done = true));
  while (!done) await clock.advance(100);
  await all;
});

function replica(leases: MemoryLeases, name: string, agents: AgentRegistration[], config: OrchestratorConfig): Orchestrator {
  const orch = createOrchestrator({ agents, config, clock, logger: false, keepAlive: false, handleSignals: false, coordinator: leases.coordinator(name) });
  made.push(orch);
  return orch;
}

describe("a lease lost while a stop is under way", () => {
  test("cuts the stop at the lease's deadline: the old incarnation's bus is closed before another replica starts the agent", async () => {
    clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    const instances: SlowStop[] = [];
    class SlowStop extends Agent {
      static readonly agentName = "feed";
      override start(): void {
        instances.push(this);
      }
      override async stop(): Promise<void> {
        // a stop that takes 5 s (within stopTimeout), publishing as it flushes
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        await new Promise<void>((resolve) => this.clock.setTimeout(() => resolve(), 5_000));
      }
    }
    const config: OrchestratorConfig = { agents: { feed: { placement: "singleton" } }, supervisor: { stopTimeout: "10s" }, lease: { ttl: "3s" } };
    const a = replica(leases, "a", [SlowStop], config);
    await a.start();
    await clock.advance(100);
    const b = replica(leases, "b", [SlowStop], config);
    await b.start();
    await clock.advance(100);
    const old = instances[0];
    expect(a.agent("feed")?.state).toBe("running");
    // an operator disables it on a (a 5 s stop begins), and a is cut off from the store meanwhile
    a.disable("feed");
    leases.isolate("a");
    let closedWhenBStarted: boolean | undefined;
    b.on("agent:state", (event) => {
      if (event.state !== "starting") return;
      closedWhenBStarted = old?.bus.publish("prices", 1).then(() => false, (error: unknown) => error instanceof BusError && error.code === "BUS_CLOSED") as never;
    });
    for (let step = 0; step < 60 && b.agent("feed")?.state !== "running"; step++) await clock.advance(100);
    expect(b.agent("feed")?.state).toBe("running");
    expect(await (closedWhenBStarted as unknown as Promise<boolean>)).toBe(true);
  });
});

describe("a singleton whose dependency is down on a replica", () => {
  test("does not take the lease there: the replica where it can start runs it", async () => {
    clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    class Db extends Agent {
      static readonly agentName = "db";
    }
    class Worker extends Agent {
      static readonly agentName = "worker";
    }
    const a = replica(leases, "a", [Db, Worker], { agents: { db: { enabled: false }, worker: { placement: "singleton", dependsOn: ["db"] } }, lease: { ttl: "3s" } });
    await a.start();
    await clock.advance(2_000);
    expect(a.agent("worker")?.state).toBe("standby");
    expect(leases.holder("worker")).toBeUndefined();
    const b = replica(leases, "b", [Db, Worker], { agents: { worker: { placement: "singleton", dependsOn: ["db"] } }, lease: { ttl: "3s" } });
    await b.start();
    await clock.advance(1_000);
    expect(b.agent("worker")?.state).toBe("running");
    expect(leases.holder("worker")?.holder).toBe("b");
  });
});

describe("a rebalance nobody can take", () => {
  test("gives each lease up once, then keeps it while the replicas stay the same", async () => {
    clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    class S extends Agent {}
    const agents = [{ name: "s1", agent: S }, { name: "s2", agent: S }];
    const singletons = { s1: { placement: "singleton" as const }, s2: { placement: "singleton" as const } };
    const a = replica(leases, "a", agents, { agents: singletons, lease: { ttl: "1s" } });
    const released: Array<OrchestratorEvents["lease:released"]> = [];
    a.on("lease:released", (event) => void released.push(event));
    await a.start();
    await clock.advance(500);
    // two more replicas announce themselves but have both singletons disabled
    for (const name of ["b", "c"]) {
      const other = replica(leases, name, agents, { agents: { s1: { ...singletons.s1, enabled: false }, s2: { ...singletons.s2, enabled: false } }, lease: { ttl: "1s" } });
      await other.start();
    }
    for (let t = 0; t < 60_000; t += 250) await clock.advance(250);
    expect(released.filter((event) => event.reason === "rebalance").length).toBeLessThanOrEqual(2);
    expect(a.agents().filter((status) => status.state === "running")).toHaveLength(2);
  });
});

describe("a graceful shutdown with the others at their share", () => {
  test("moves every singleton within a second: the replica leaving withdraws first, so the others count one replica less", async () => {
    clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    class S extends Agent {}
    const names = ["s1", "s2", "s3", "s4", "s5"];
    const agents = names.map((name) => ({ name, agent: S }));
    const config: OrchestratorConfig = { agents: Object.fromEntries(names.map((name) => [name, { placement: "singleton" as const }])), lease: { ttl: "10s" } };
    const replicas = ["a", "b", "c"].map((name) => replica(leases, name, agents, config));
    for (const orch of replicas) await orch.start();
    for (let t = 0; t < 60_000; t += 500) await clock.advance(500);
    const running = (orch: Orchestrator): number => orch.agents().filter((status) => status.state === "running").length;
    expect(replicas.map(running).sort()).toEqual([1, 2, 2]);
    const leaving = replicas.find((orch) => running(orch) === 2) as Orchestrator;
    const rest = replicas.filter((orch) => orch !== leaving);
    made.splice(made.indexOf(leaving), 1);
    const stoppedAt = clock.now();
    await leaving.shutdown();
    let movedAt: number | undefined;
    for (let step = 0; step < 40 && movedAt === undefined; step++) {
      await clock.advance(50);
      if (rest.map(running).reduce((sum, n) => sum + n, 0) === 5) movedAt = clock.now();
    }
    expect(movedAt).toBeDefined();
    expect((movedAt ?? Infinity) - stoppedAt).toBeLessThanOrEqual(1_000);
  });
});
