import { afterEach, describe, expect, test } from "vitest";
import { Agent, createOrchestrator } from "../../src/index.js";
import type { AgentRegistration, Escalation, Orchestrator, OrchestratorConfig, OrchestratorEvents } from "../../src/index.js";
import { MemoryLeases } from "../../src/lease/MemoryLeases.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

// How singleton placement composes with supervision and spreads leases, on fake time:
// replicas are orchestrators in one process sharing a MemoryLeases bucket.

const T0 = Date.parse("2026-01-05T09:00:00Z");

class Worker extends Agent {
  static readonly agentName = "worker";
}

class Crashy extends Agent {
  static readonly agentName = "crashy";
  override start(): void {
    throw new Error("cannot reach the exchange");
  }
}

class Chief extends Agent {
  static readonly agentName = "chief";
  static readonly seen: Escalation[] = [];
  override onEscalation(event: Escalation): void {
    Chief.seen.push(event);
  }
}

const made: Orchestrator[] = [];
afterEach(async () => {
  for (const orch of made.splice(0)) await orch.shutdown({ timeout: 1_000 });
  Chief.seen.length = 0;
});

function replica(leases: MemoryLeases, clock: ManualClock, name: string, agents: AgentRegistration[], config: OrchestratorConfig): Orchestrator {
  const orch = createOrchestrator({ agents, config, clock, logger: false, keepAlive: false, handleSignals: false, random: () => 0.5, coordinator: leases.coordinator(name) });
  made.push(orch);
  return orch;
}

describe("balance", () => {
  const five = ["s1", "s2", "s3", "s4", "s5"];
  const config: OrchestratorConfig = { agents: Object.fromEntries(five.map((name) => [name, { placement: "singleton" as const }])), lease: { ttl: "3s" } };
  const agents = five.map((name) => ({ name, agent: Worker }));

  function holdings(replicas: Orchestrator[]): number[] {
    return replicas.map((orch) => orch.agents().filter((status) => status.state === "running").length);
  }

  test("five singletons on three replicas started one after another: every one runs once, no replica runs more than two", async () => {
    const clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    const replicas: Orchestrator[] = [];
    for (const name of ["a", "b", "c"]) {
      const orch = replica(leases, clock, name, agents, config);
      await orch.start();
      replicas.push(orch);
      await clock.advance(1_000);
    }
    // the first replica took all five; the rule moves three away within a few TTLs
    let steady = 0;
    for (let step = 0; step < 400 && steady < 40; step++) {
      await clock.advance(100);
      const held = holdings(replicas);
      steady = held.reduce((sum, n) => sum + n, 0) === 5 && Math.max(...held) <= 2 ? steady + 1 : 0;
    }
    expect(steady).toBe(40);
    const held = holdings(replicas);
    expect(held.sort()).toEqual([1, 2, 2]);
    for (const name of five) expect(replicas.filter((orch) => orch.agent(name)?.state === "running")).toHaveLength(1);
    // and it stays that way: no more moves for a minute
    const before = replicas.map((orch) => orch.agents().map((status) => status.state).join());
    await clock.advance(60_000);
    expect(replicas.map((orch) => orch.agents().map((status) => status.state).join())).toEqual(before);
  });

  test("a replica's share is over the live replicas: when one leaves, the other two take its leases", async () => {
    const clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    const replicas = ["a", "b", "c"].map((name) => replica(leases, clock, name, agents, config));
    for (const orch of replicas) await orch.start();
    await clock.advance(20_000);
    const [gone, ...rest] = replicas.sort((x, y) => holdings([y])[0]! - holdings([x])[0]!);
    await gone!.shutdown();
    await clock.advance(2_000);
    const held = holdings(rest);
    expect(held.reduce((sum, n) => sum + n, 0)).toBe(5);
    expect(Math.max(...held)).toBeLessThanOrEqual(3);
  });
});

describe("supervision composes with placement", () => {
  test("a crashing singleton restarts on the replica holding its lease, keeping its token; disabled by its crash loop it releases the lease, and the escalation names the replica", async () => {
    const clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    const config: OrchestratorConfig = {
      agents: { crashy: { placement: "singleton" } },
      groups: { data: { crashLoop: { maxCrashes: 2, within: "1m" } } },
      supervisor: { backoff: { initial: "400ms", max: "400ms", jitter: 0 } },
      lease: { ttl: "3s" },
    };
    const a = replica(leases, clock, "a", [Crashy, { name: "chief", agent: Chief, chief: true }], config);
    const restarts: Array<OrchestratorEvents["agent:restart"]> = [];
    const released: Array<OrchestratorEvents["lease:released"]> = [];
    a.on("agent:restart", (event) => void restarts.push(event));
    a.on("lease:released", (event) => void released.push(event));
    await a.start();
    await clock.advance(50);
    const token = leases.holder("crashy")?.token;
    expect(leases.holder("crashy")?.holder).toBe("a");
    expect(a.agent("crashy")?.state).toBe("backoff");
    await clock.advance(500);
    // restarted here under its back-off, same lease (renewed meanwhile)
    expect(restarts.map((event) => event.reason)).toEqual(["crash", "crash"]);
    expect(a.agent("crashy")?.crashes).toBe(2);
    expect(leases.holder("crashy")?.token).toBe(token);
    expect(leases.holder("crashy")?.holder).toBe("a");
    await clock.advance(1_000);
    expect(a.agent("crashy")?.state).toBe("disabled");
    expect(released).toEqual([{ agent: "crashy", group: "data", holder: "a", token, reason: "disabled" }]);
    expect(leases.holder("crashy")).toBeUndefined();
    expect(Chief.seen.map((event) => [event.agent, event.reason, event.replica])).toEqual([["crashy", "crash-loop", "a"]]);
    // another replica may try now
    const b = replica(leases, clock, "b", [Crashy, { name: "chief", agent: Chief, chief: true }], config);
    const acquired: Array<OrchestratorEvents["lease:acquired"]> = [];
    b.on("lease:acquired", (event) => void acquired.push(event));
    await b.start();
    await clock.advance(100);
    expect(acquired.map((event) => event.holder)).toEqual(["b"]);
    expect(acquired[0]?.token).toBeGreaterThan(token ?? Infinity);
  });

  test("a singleton in standby takes no part in its group's restart, and a running one keeps its lease through it", async () => {
    const clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    class Sibling extends Agent {
      static readonly agentName = "sibling";
      static fail: ((error: Error) => void) | undefined;
      override start(): void {
        Sibling.fail = (error) => this.fail(error);
      }
    }
    const config: OrchestratorConfig = {
      groups: { desk: { strategy: "one_for_all" } },
      agents: { worker: { group: "desk", placement: "singleton" }, sibling: { group: "desk" } },
      supervisor: { backoff: { initial: "100ms", max: "100ms", jitter: 0 } },
      lease: { ttl: "3s" },
    };
    const a = replica(leases, clock, "a", [Worker, Sibling], config);
    await a.start();
    await clock.advance(50);
    const b = replica(leases, clock, "b", [Worker, Sibling], config);
    await b.start();
    await clock.advance(50);
    expect(a.agent("worker")?.state).toBe("running");
    expect(b.agent("worker")?.state).toBe("standby");
    const token = leases.holder("worker")?.token;
    const bStates: string[] = [];
    b.on("agent:state", (event) => void (event.agent === "worker" && bStates.push(event.state)));
    Sibling.fail?.(new Error("b's sibling fails"));
    // the last Sibling started is b's: its crash restarts b's group
    await clock.advance(500);
    // and an operator's restart of b's whole group
    b.group("desk").restart();
    await clock.advance(500);
    expect(bStates).toEqual([]);
    expect(b.agent("worker")?.state).toBe("standby");
    expect(b.agent("worker")?.restarts).toBe(0);
    const aStates: string[] = [];
    a.on("agent:state", (event) => void (event.agent === "worker" && aStates.push(event.state)));
    a.group("desk").restart();
    await clock.advance(500);
    expect(aStates).toContain("running");
    expect(a.agent("worker")?.state).toBe("running");
    expect(leases.holder("worker")?.token).toBe(token);
  });

  test("a dependent of a singleton starts on a replica where the singleton is in standby (it runs on another)", async () => {
    const clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    class Strategy extends Agent {
      static readonly agentName = "strategy";
    }
    const config: OrchestratorConfig = { agents: { worker: { placement: "singleton" }, strategy: { dependsOn: ["worker"] } }, lease: { ttl: "3s" } };
    const a = replica(leases, clock, "a", [Worker, Strategy], config);
    await a.start();
    await clock.advance(100);
    const b = replica(leases, clock, "b", [Worker, Strategy], config);
    await b.start();
    await clock.advance(100);
    expect([a.agent("worker")?.state, b.agent("worker")?.state]).toEqual(["running", "standby"]);
    expect([a.agent("strategy")?.state, b.agent("strategy")?.state]).toEqual(["running", "running"]);
  });
});
