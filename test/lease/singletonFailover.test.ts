import { afterEach, describe, expect, test } from "vitest";
import { Agent, createOrchestrator } from "../../src/index.js";
import type { Orchestrator, OrchestratorEvents } from "../../src/index.js";
import type { Message } from "../../src/bus/Bus.js";
import { createBus } from "../../src/bus/createBus.js";
import { MemoryLeases } from "../../src/lease/MemoryLeases.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

// Singleton placement on fake time: replicas are orchestrators in one process sharing a MemoryLeases bucket.

const T0 = Date.parse("2026-01-05T09:00:00Z");
const running = new Map<string, number>();

class Feed extends Agent {
  static readonly agentName = "feed";
  override start(): void {
    running.set(this.name, (running.get(this.name) ?? 0) + 1);
    void this.bus.publish("ticks", { token: this.lease?.token });
  }
  override stop(): void {
    running.set(this.name, (running.get(this.name) ?? 0) - 1);
  }
}

const made: Orchestrator[] = [];
afterEach(async () => {
  for (const orch of made.splice(0)) await orch.shutdown({ timeout: 1_000 });
  running.clear();
});

function replica(leases: MemoryLeases, clock: ManualClock, name: string, bus = createBus({ clock })): Orchestrator {
  const orch = createOrchestrator({
    agents: [Feed],
    config: { agents: { feed: { placement: "singleton" } }, lease: { ttl: "3s" } },
    clock,
    bus,
    logger: false,
    keepAlive: false,
    handleSignals: false,
    coordinator: leases.coordinator(name),
  });
  made.push(orch);
  return orch;
}

describe("a singleton on two replicas", () => {
  test("runs on one; the other shows it in standby with the holder, token and expiry; health is ok on both", async () => {
    const clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    const a = replica(leases, clock, "a");
    const b = replica(leases, clock, "b");
    await a.start();
    await b.start();
    await clock.advance(1_000);
    const states = [a.agent("feed")?.state, b.agent("feed")?.state];
    expect(states.sort()).toEqual(["running", "standby"]);
    expect(running.get("feed")).toBe(1);
    const [holder, standby] = a.agent("feed")?.state === "running" ? [a, b] : [b, a];
    const lease = holder.agent("feed")?.lease;
    expect(lease?.holder).toBe(holder === a ? "a" : "b");
    expect(standby.agent("feed")?.lease).toEqual({ holder: lease?.holder, token: lease?.token, expiresAt: expect.any(Number) as number });
    expect(holder.health().ok).toBe(true);
    expect(standby.health().ok).toBe(true);
    expect(standby.health().agents["feed"]?.up).toBe(true);
    const metrics = await standby.metrics();
    expect(metrics).toMatch(/agent_state\{agent="feed"\} 0/);
    expect(metrics).toMatch(/agent_lease_held\{agent="feed"\} 0/);
    expect(await holder.metrics()).toMatch(/agent_lease_held\{agent="feed"\} 1/);
    // the status page's document says who holds it, on both replicas
    for (const [orch, here] of [[holder, true], [standby, false]] as const) {
      const response = await orch.fetch(new Request("http://replica/statusz?format=json"));
      const doc = (await response.json()) as { agents: Array<{ name: string; state: string; lease?: unknown }> };
      expect(doc.agents.find((agent) => agent.name === "feed")?.lease).toEqual({ holder: lease?.holder, here, token: lease?.token, expiresAt: expect.stringMatching(/^2026-01-05T09:00:0\d/) as string });
    }
  });

  test("a graceful shutdown of the holder releases at once: the other runs it within one poll, with a larger token", async () => {
    const clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    const a = replica(leases, clock, "a");
    await a.start();
    await clock.advance(100);
    expect(a.agent("feed")?.state).toBe("running");
    const first = a.agent("feed")?.lease?.token ?? 0;
    const b = replica(leases, clock, "b");
    const events: Array<OrchestratorEvents["lease:released"]> = [];
    a.on("lease:released", (event) => void events.push(event));
    await b.start();
    await clock.advance(1_000);
    expect(b.agent("feed")?.state).toBe("standby");
    await a.shutdown();
    expect(events).toEqual([{ agent: "feed", group: "data", holder: "a", token: first, reason: "shutdown" }]);
    await clock.advance(500);
    expect(b.agent("feed")?.state).toBe("running");
    expect(b.agent("feed")?.lease?.token).toBeGreaterThan(first);
  });

  test("a holder cut off from the store stops its agent before the lease can expire; another takes over after it expires", async () => {
    const clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    const a = replica(leases, clock, "a");
    await a.start();
    await clock.advance(100);
    const b = replica(leases, clock, "b");
    await b.start();
    const lost: Array<OrchestratorEvents["lease:lost"]> = [];
    a.on("lease:lost", (event) => void lost.push(event));
    leases.isolate("a");
    const expiresAt = leases.holder("feed")?.expiresAt ?? 0;
    // step through time: never both running, and a stops before the key expires
    let stoppedAt: number | undefined;
    let startedAt: number | undefined;
    while (clock.now() < expiresAt + 2_000) {
      await clock.advance(50);
      const aRuns = a.agent("feed")?.state === "running";
      const bRuns = b.agent("feed")?.state === "running";
      expect(aRuns && bRuns).toBe(false);
      if (!aRuns && stoppedAt === undefined) stoppedAt = clock.now();
      if (bRuns && startedAt === undefined) startedAt = clock.now();
    }
    expect(stoppedAt).toBeLessThan(expiresAt);
    expect(startedAt).toBeGreaterThanOrEqual(expiresAt);
    // within the TTL and one renewal interval of the last renewal
    expect(startedAt).toBeLessThanOrEqual(expiresAt + 1_000);
    expect(lost).toEqual([{ agent: "feed", group: "data", holder: "a", token: expect.any(Number) as number, reason: "unreachable" }]);
    expect(a.agent("feed")?.state).toBe("standby");
    expect(await a.metrics()).toMatch(/agent_lease_losses_total\{agent="feed"\} 1/);
    expect(await b.metrics()).toMatch(/agent_lease_acquisitions_total\{agent="feed"\} 1/);
  });

  test("messages a singleton publishes carry its fencing token in Ao-Lease-Token, and Agent.lease shows it", async () => {
    const clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    const bus = createBus({ clock });
    const seen: Message[] = [];
    bus.subscribe("ticks", (message) => void seen.push(message));
    const a = replica(leases, clock, "a", bus);
    await a.start();
    await clock.advance(100);
    await bus.flush();
    const token = a.agent("feed")?.lease?.token;
    expect(token).toBeGreaterThan(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers).toEqual({ "Ao-Lease-Token": String(token) });
    expect(seen[0]?.payload).toEqual({ token });
  });

  test("an operator restart restarts it on the replica holding the lease, with the same token", async () => {
    const clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    const a = replica(leases, clock, "a");
    await a.start();
    await clock.advance(100);
    const b = replica(leases, clock, "b");
    await b.start();
    await clock.advance(500);
    const token = a.agent("feed")?.lease?.token;
    const released: unknown[] = [];
    a.on("lease:released", (event) => void released.push(event));
    a.restart("feed");
    await clock.advance(1_000);
    expect(a.agent("feed")?.state).toBe("running");
    expect(a.agent("feed")?.restarts).toBe(1);
    expect(a.agent("feed")?.lease?.token).toBe(token);
    expect(b.agent("feed")?.state).toBe("standby");
    expect(released).toEqual([]);
  });

  test("an operator disable releases the lease; the other replica takes it; enable puts it back in standby", async () => {
    const clock = new ManualClock(T0);
    const leases = new MemoryLeases({ clock });
    const a = replica(leases, clock, "a");
    await a.start();
    await clock.advance(100);
    const b = replica(leases, clock, "b");
    await b.start();
    await clock.advance(500);
    a.disable("feed");
    await clock.advance(1_000);
    expect(a.agent("feed")?.state).toBe("disabled");
    expect(b.agent("feed")?.state).toBe("running");
    a.enable("feed");
    await clock.advance(1_000);
    expect(a.agent("feed")?.state).toBe("standby");
    expect(a.agent("feed")?.lease?.holder).toBe("b");
    // disabled in standby, a stops reading the lease: it shows none rather than a stale one
    a.disable("feed");
    await clock.advance(1_000);
    expect(a.agent("feed")?.state).toBe("disabled");
    expect(a.agent("feed")).not.toHaveProperty("lease");
  });
});

describe("placement: singleton without a coordinator that holds leases", () => {
  test("is a ConfigError from createOrchestrator that says what to add", () => {
    expect(() => createOrchestrator({ agents: [Feed], config: { agents: { feed: { placement: "singleton" } } }, logger: false })).toThrow(
      /agents\.feed\.placement: agent "feed" has placement "singleton".*needs a coordinator that holds leases; no coordinator was given: pass createOrchestrator\(\{ coordinator: await createNatsCoordinator/,
    );
    expect(() => createOrchestrator({ agents: [{ name: "feed", agent: Feed, placement: "singleton" }], logger: false, coordinator: { claim: () => Promise.resolve(true) } })).toThrow(
      /the coordinator given has no openLeases\(\)/,
    );
  });
});
