import { afterEach, describe, expect, test } from "vitest";
import { Agent, createOrchestrator } from "../../src/index.js";
import type { Orchestrator, TriggerCoordinator } from "../../src/index.js";
import type { LeaseStore } from "../../src/lease/LeaseStore.js";
import { MemoryLeases } from "../../src/lease/MemoryLeases.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

// Races of the lease keeper, on fake time: a renewal answered after the holder gave the lease up,
// and several leases falling free in one poll.

const T0 = Date.parse("2026-01-05T09:00:00Z");

const made: Orchestrator[] = [];
afterEach(async () => {
  for (const orch of made.splice(0)) await orch.shutdown({ timeout: 1_000 });
});

function orchestrator(clock: ManualClock, agents: Parameters<typeof createOrchestrator>[0], coordinator: TriggerCoordinator): Orchestrator {
  const orch = createOrchestrator({ ...agents, clock, logger: false, keepAlive: false, handleSignals: false, coordinator });
  made.push(orch);
  return orch;
}

describe("a renewal answered after the holder gave the lease up", () => {
  test("releases the key only once the agent given up has stopped: never two replicas running it", async () => {
    const clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    let running = 0;
    let most = 0;
    class Feed extends Agent {
      static readonly agentName = "feed";
      override start(): void {
        most = Math.max(most, ++running);
      }
      override async stop(): Promise<void> {
        // a stop that flushes for 180 ms, within the 200 ms the keeper gives it with a TTL of 1 s
        await new Promise<void>((resolve) => this.clock.setTimeout(() => resolve(), 180));
        running--;
      }
    }
    // replica a's renewals can be held in flight (a slow server), then answered
    let hold = false;
    const held: Array<() => void> = [];
    const base = leases.coordinator("a");
    const slow: TriggerCoordinator = {
      claim: (tick) => base.claim(tick),
      openLeases: async (options) => {
        const store = await base.openLeases(options);
        const renew: LeaseStore["renew"] = (agent, grant) =>
          hold ? new Promise((resolve, reject) => held.push(() => void store.renew(agent, grant).then(resolve, reject))) : store.renew(agent, grant);
        return { instance: store.instance, ttl: store.ttl, acquire: store.acquire, release: store.release, read: store.read, announce: store.announce, withdraw: store.withdraw, close: store.close, renew };
      },
    };
    const config = { agents: [Feed], config: { agents: { feed: { placement: "singleton" as const } }, lease: { ttl: "1s" } } };
    const a = orchestrator(clock, config, slow);
    const b = orchestrator(clock, config, leases.coordinator("b"));
    const lost: string[] = [];
    a.on("lease:lost", (event) => void lost.push(event.reason));
    await a.start();
    await clock.advance(50);
    await b.start();
    await clock.advance(300);
    hold = true;
    // no renewal answered: a gives the lease up and begins stopping its agent
    await clock.advance(360);
    expect(lost).toEqual(["unreachable"]);
    expect(held.length).toBeGreaterThan(0);
    // the server was slow, not gone: the held renewal is answered now, while a's agent still stops
    hold = false;
    for (const answer of held.splice(0)) answer();
    for (let step = 0; step < 20; step++) {
      await clock.advance(50);
      expect(running).toBeLessThanOrEqual(1);
    }
    expect(most).toBe(1);
    // the key went once a had stopped: one replica runs it again (whichever polled first)
    expect([a.agent("feed")?.state, b.agent("feed")?.state].sort()).toEqual(["running", "standby"]);
    expect(running).toBe(1);
    // the stop waits on the manual clock: shut down while time moves
    let done = false;
    const shutdown = Promise.all(made.splice(0).map((orch) => orch.shutdown({ timeout: 1_000 }))).then(() => (done = true));
    while (!done) await clock.advance(50);
    await shutdown;
  });
});

describe("several leases falling free in one poll", () => {
  test("a replica below its share takes no more than its share at once; the rest go to the others", async () => {
    const clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    class S extends Agent {}
    const names = ["s1", "s2", "s3", "s4", "s5"];
    const config = { agents: names.map((name) => ({ name, agent: S })), config: { agents: Object.fromEntries(names.map((name) => [name, { placement: "singleton" as const }])), lease: { ttl: "1s" } } };
    const [a, b, c] = ["a", "b", "c"].map((name) => orchestrator(clock, config, leases.coordinator(name))) as [Orchestrator, Orchestrator, Orchestrator];
    const running = (orch: Orchestrator): number => orch.agents().filter((status) => status.state === "running").length;
    await a.start();
    await clock.advance(500);
    await b.start();
    await c.start();
    await clock.advance(500);
    // b and c announced themselves: three replicas, a share of two; a holds all five until it rebalances
    expect([running(a), running(b), running(c)]).toEqual([5, 0, 0]);
    leases.isolate("a");
    // a gives its leases up; they expire, and b and c take them: neither takes all five
    for (let t = 0; t < 1_500; t += 50) await clock.advance(50);
    expect(running(b) + running(c)).toBe(5);
    expect(Math.max(running(b), running(c))).toBe(3);
  });
});
