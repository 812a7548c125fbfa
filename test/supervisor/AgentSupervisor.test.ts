import { describe, expect, test } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import type { Escalation } from "../../src/supervisor/Escalation.js";
import { never, recordEvents, scriptedAgent, setup, T0 } from "../helpers/orchestrator.js";
import { trackUnhandled } from "../helpers/noUnhandled.js";

const unhandled = trackUnhandled();
const wideWindow = { crashLoop: { maxCrashes: 1_000, within: "5m" } };

describe("back-off", () => {
  test("restart delays double from 1 s and stop at the 60 s cap", async () => {
    const { Agent: Flaky } = scriptedAgent("flaky", { start: () => Promise.reject(new Error("boom")) });
    const { orch, clock } = setup({ agents: [Flaky], config: { groups: { data: wideWindow } } });
    const events = recordEvents(orch);
    await orch.start();
    for (let i = 0; i < 9; i++) await clock.advance(60_000);
    expect(events["agent:restart"].slice(0, 9).map((e) => e.delay)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    await orch.shutdown();
  });

  test("jitter only shortens a delay: every delay lies in [initial·(1 − jitter), cap]", async () => {
    const { Agent: Flaky } = scriptedAgent("flaky", { start: () => Promise.reject(new Error("boom")) });
    let n = 0;
    const randoms = [0.999, 0, 0.5, 0.999, 0.25, 0.75, 0.999, 0.999, 0.1, 0.9];
    const { orch, clock } = setup({ agents: [Flaky], random: () => randoms[n++ % randoms.length] ?? 0, config: { groups: { data: wideWindow } } });
    const events = recordEvents(orch);
    await orch.start();
    for (let i = 0; i < 10; i++) await clock.advance(60_000);
    const delays = events["agent:restart"].map((e) => e.delay);
    expect(delays.length).toBeGreaterThanOrEqual(10);
    delays.forEach((delay, i) => {
      const base = Math.min(60_000, 1_000 * 2 ** i);
      expect(delay).toBeLessThanOrEqual(base);
      expect(delay).toBeGreaterThanOrEqual(base * 0.8 - 1);
      expect(delay).toBeLessThanOrEqual(60_000);
    });
    expect(delays[0]).toBe(Math.round(1_000 * (1 - 0.2 * 0.999)));
    await orch.shutdown();
  });

  test("the back-off and the failure streak reset after a stable run of resetAfter", async () => {
    let fail = true;
    const { Agent: Flaky, instances } = scriptedAgent("flaky", { start: () => (fail ? Promise.reject(new Error("boom")) : undefined) });
    const { orch, clock } = setup({ agents: [Flaky], config: { groups: { data: { ...wideWindow, escalateAfter: 4 } } } });
    const events = recordEvents(orch);
    await orch.start();
    await clock.advance(1_000); // restart 1 fails
    await clock.advance(2_000); // restart 2 fails
    fail = false;
    await clock.advance(4_000); // restart 3 runs
    expect(orch.agent("flaky")?.state).toBe("running");
    await clock.advance(60_000); // stable for resetAfter
    instances.at(-1)?.fail(new Error("late failure"));
    expect(events["agent:restart"].map((e) => e.delay)).toEqual([1_000, 2_000, 4_000, 1_000]);
    expect(events.escalation).toEqual([]); // the streak restarted at 1, not 4
    await orch.shutdown();
  });

  test("a run shorter than resetAfter does not reset the back-off", async () => {
    const { Agent: Flaky, instances } = scriptedAgent("flaky");
    const { orch, clock } = setup({ agents: [Flaky], config: { groups: { data: wideWindow } } });
    const events = recordEvents(orch);
    await orch.start();
    for (let i = 0; i < 4; i++) {
      await clock.advance(30_000);
      instances.at(-1)?.fail(new Error(`crash ${i}`));
    }
    expect(events["agent:restart"].map((e) => e.delay)).toEqual([1_000, 2_000, 4_000, 8_000]);
    await orch.shutdown();
  });
});

describe("crash loop", () => {
  test("the 4th crash within 5 minutes disables the agent and notifies the chief", async () => {
    const received: Escalation[] = [];
    class Chief extends Agent {
      static readonly agentName = "chief";
      override onEscalation(event: Escalation): void {
        received.push(event);
      }
    }
    const { Agent: Flaky } = scriptedAgent("flaky", { start: () => Promise.reject(new Error("boom")) });
    const { orch, clock } = setup({ agents: [{ name: "chief", agent: Chief, chief: true }, Flaky], config: { groups: { data: { escalateAfter: 10 } } } });
    const events = recordEvents(orch);
    const published: unknown[] = [];
    orch.bus.subscribe("orchestrator.escalation", (m) => void published.push(m.payload));
    await orch.start();
    await clock.advance(1_000 + 2_000 + 4_000);
    expect(orch.agent("flaky")).toMatchObject({ state: "disabled", crashes: 4, restarts: 3 });
    expect(events["agent:disabled"]).toEqual([{ agent: "flaky", group: "data", reason: "crash-loop" }]);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ agent: "flaky", reason: "crash-loop", disabled: true });
    expect(received[0]?.crashes.map((c) => c.error)).toEqual(["boom", "boom", "boom", "boom"]);
    expect(received[0]?.crashes.map((c) => c.at)).toEqual([T0, T0 + 1_000, T0 + 3_000, T0 + 7_000]);
    await orch.bus.flush();
    expect(published).toEqual(received);
    // disabled stays down
    await clock.advance(600_000);
    expect(orch.agent("flaky")?.state).toBe("disabled");
    await orch.shutdown();
  });

  test("crashes spread wider than the window never disable the agent", async () => {
    const { Agent: Flaky, instances } = scriptedAgent("flaky");
    const { orch, clock } = setup({ agents: [Flaky], config: { groups: { data: { escalateAfter: 100 } }, supervisor: { resetAfter: "1h" } } });
    const events = recordEvents(orch);
    await orch.start();
    for (let i = 0; i < 12; i++) {
      await clock.advance(2 * 60_000);
      expect(orch.agent("flaky")?.state).toBe("running");
      instances.at(-1)?.fail(new Error(`crash ${i}`));
    }
    expect(events["agent:disabled"]).toEqual([]);
    expect(orch.agent("flaky")?.crashes).toBe(12);
    await orch.shutdown();
  });

  test("the thresholds are configurable per group", async () => {
    const { Agent: Flaky } = scriptedAgent("flaky", { start: () => Promise.reject(new Error("boom")) });
    const { orch, clock } = setup({ agents: [Flaky], config: { groups: { data: { crashLoop: { maxCrashes: 1, within: "1m" } } } } });
    await orch.start();
    await clock.advance(1_000);
    expect(orch.agent("flaky")).toMatchObject({ state: "disabled", crashes: 2 });
    await orch.shutdown();
  });
});

describe("escalation", () => {
  test("three consecutive failures escalate once while restarts go on", async () => {
    const { Agent: Flaky } = scriptedAgent("flaky", { start: () => Promise.reject(new Error("down")) });
    const { orch, clock } = setup({ agents: [Flaky], config: { groups: { data: wideWindow } } });
    const events = recordEvents(orch);
    await orch.start();
    await clock.advance(1_000 + 2_000);
    expect(events.escalation).toEqual([
      { agent: "flaky", reason: "consecutive-failures", disabled: false, crashes: [
        { at: T0, error: "down" },
        { at: T0 + 1_000, error: "down" },
        { at: T0 + 3_000, error: "down" },
      ] },
    ]);
    expect(orch.agent("flaky")?.state).toBe("backoff");
    await clock.advance(4_000 + 8_000 + 16_000);
    expect(events.escalation).toHaveLength(1); // once per streak
    expect(orch.agent("flaky")?.crashes).toBe(6);
    await orch.shutdown();
  });

  test("with no chief, escalations are still published and emitted", async () => {
    const { Agent: Flaky } = scriptedAgent("flaky", { start: () => Promise.reject(new Error("down")) });
    const { orch, clock, logger } = setup({ agents: [Flaky] });
    const topics: string[] = [];
    orch.bus.subscribe("orchestrator.>", (m) => void topics.push(m.topic));
    await orch.start();
    await clock.advance(3_000);
    await orch.bus.flush();
    expect(topics).toEqual(["orchestrator.escalation"]);
    expect(logger.entries.some((e) => e.level === "warn" && /escalation/.test(e.message ?? ""))).toBe(true);
    await orch.shutdown();
  });

  test("a chief whose onEscalation throws crashes itself, not the orchestrator", async () => {
    class Chief extends Agent {
      static readonly agentName = "chief";
      override onEscalation(): void {
        throw new Error("chief broke");
      }
    }
    const { Agent: Flaky } = scriptedAgent("flaky", { start: () => Promise.reject(new Error("down")) });
    const { orch, clock } = setup({ agents: [{ name: "chief", agent: Chief, chief: true }, Flaky] });
    await orch.start();
    await clock.advance(3_000);
    expect(orch.agent("chief")).toMatchObject({ crashes: 1, lastError: "chief broke" });
    expect(unhandled.errors).toEqual([]);
    await orch.shutdown();
  });
});

describe("restart policies", () => {
  test("strategy: after 5 restarts the next crash disables the agent (restart-limit)", async () => {
    const { Agent: Strat, instances } = scriptedAgent("strat");
    const { orch, clock } = setup({ agents: [{ name: "strat", agent: Strat, group: "strategy" }], config: { supervisor: { resetAfter: "1h" } } });
    const events = recordEvents(orch);
    await orch.start();
    for (let i = 0; i < 6; i++) {
      await clock.advance(6 * 60_000); // outside the crash-loop window
      expect(orch.agent("strat")?.state).toBe("running");
      instances.at(-1)?.fail(new Error(`crash ${i + 1}`));
    }
    expect(orch.agent("strat")).toMatchObject({ state: "disabled", restarts: 5, crashes: 6 });
    expect(instances).toHaveLength(6);
    expect(events["agent:disabled"]).toEqual([{ agent: "strat", group: "strategy", reason: "restart-limit" }]);
    expect(events.escalation.map((e) => e.reason)).toEqual(["consecutive-failures", "restart-limit"]);
    await orch.shutdown();
  });

  test("data: restarts forever when crashes stay outside the crash-loop window", async () => {
    const { Agent: Feed, instances } = scriptedAgent("feed");
    const { orch, clock } = setup({ agents: [Feed], config: { supervisor: { resetAfter: "1h" } } });
    await orch.start();
    for (let i = 0; i < 20; i++) {
      await clock.advance(6 * 60_000);
      instances.at(-1)?.fail(new Error("x"));
    }
    await clock.advance(60_000);
    expect(orch.agent("feed")).toMatchObject({ state: "running", restarts: 20 });
    await orch.shutdown();
  });

  test("critical: a crash stops the orchestrator and closed names the agent", async () => {
    const { Agent: Risk, instances } = scriptedAgent("risk");
    const { Agent: Feed, instances: feeds } = scriptedAgent("feed", { stop: () => undefined });
    const { orch, clock } = setup({ agents: [Feed, { name: "risk", agent: Risk, group: "critical" }] });
    const events = recordEvents(orch);
    await orch.start();
    await clock.advance(1_000);
    instances[0]?.fail(new Error("limits breached"));
    const closed = await orch.closed;
    expect(closed.failed).toBe(true);
    expect(closed.reason).toMatch(/risk/);
    expect(closed.reason).toMatch(/limits breached/);
    expect(orch.agent("risk")?.state).toBe("failed");
    expect(orch.agent("feed")?.state).toBe("stopped");
    expect(feeds[0]?.signal.aborted).toBe(true);
    expect(orch.phase).toBe("failed");
    expect(events.shutdown).toEqual([{ reason: closed.reason, failed: true }]);
    await orch.shutdown();
    expect(orch.phase).toBe("stopped");
  });

  test("critical: a crash inside start() makes start() reject and closed fail", async () => {
    const { Agent: Risk } = scriptedAgent("risk", { start: () => Promise.reject(new Error("no limits file")) });
    const { Agent: Later, instances: later } = scriptedAgent("later");
    const { orch } = setup({ agents: [{ name: "risk", agent: Risk, group: "critical" }, Later] });
    await expect(orch.start()).rejects.toMatchObject({ code: "FAIL_STOP", message: expect.stringMatching(/risk.*no limits file/) as unknown });
    await expect(orch.closed).resolves.toMatchObject({ failed: true, reason: expect.stringMatching(/risk/) as unknown });
    expect(later).toHaveLength(0); // agents after it never started
    await orch.shutdown();
  });

  test("a user group overriding critical with restart: always restarts it", async () => {
    const { Agent: Risk, instances } = scriptedAgent("risk");
    const { orch, clock } = setup({ agents: [{ name: "risk", agent: Risk, group: "critical" }], config: { groups: { critical: { restart: "always" } } } });
    await orch.start();
    instances[0]?.fail(new Error("glitch"));
    expect(orch.agent("risk")?.state).toBe("backoff");
    await clock.advance(1_000);
    expect(orch.agent("risk")?.state).toBe("running");
    expect(instances).toHaveLength(2);
    await orch.shutdown();
  });
});

describe("crashes of every kind", () => {
  test("a bus handler that throws or rejects is the owning agent's crash", async () => {
    const { Agent: Sub } = scriptedAgent("sub", {
      start: (agent) => {
        agent.bus.subscribe("orders.*", (m) => {
          if (m.topic === "orders.sync") throw new Error("sync boom");
          return Promise.reject(new Error("async boom"));
        });
      },
    });
    const { orch, clock } = setup({ agents: [Sub] });
    const events = recordEvents(orch);
    await orch.start();
    await orch.bus.publish("orders.sync", 1);
    await orch.bus.flush();
    expect(events["agent:crash"]).toMatchObject([{ agent: "sub", reason: "error" }]);
    await clock.advance(1_000);
    await orch.bus.publish("orders.async", 2);
    await orch.bus.flush();
    await clock.advance(0);
    expect(events["agent:crash"].map((e) => (e.error as Error).message)).toEqual(["sync boom", "async boom"]);
    expect(unhandled.errors).toEqual([]);
    await orch.shutdown();
  });

  test("a constructor that throws is a start crash", async () => {
    class Broken extends Agent {
      static readonly agentName = "broken";
      constructor(context: ConstructorParameters<typeof Agent>[0]) {
        super(context);
        throw new Error("bad ctor");
      }
    }
    const { orch } = setup({ agents: [Broken] });
    const events = recordEvents(orch);
    await orch.start();
    expect(events["agent:crash"]).toMatchObject([{ agent: "broken", reason: "start" }]);
    await orch.shutdown();
  });

  test("a missed heartbeat is a hung crash: the signal is aborted and the incarnation abandoned", async () => {
    let beating = true;
    const { Agent: Worker, instances } = scriptedAgent("worker", {
      start: (agent) => {
        const beat = (): void => {
          if (beating) agent.heartbeat();
          agent.clock.setTimeout(beat, 5_000);
        };
        beat();
      },
    });
    const { orch, clock } = setup({ agents: [Worker], config: { agents: { worker: { heartbeatTimeout: "30s" } } } });
    const events = recordEvents(orch);
    await orch.start();
    await clock.advance(120_000);
    expect(events["agent:crash"]).toEqual([]);
    beating = false;
    await clock.advance(30_000);
    expect(events["agent:crash"]).toMatchObject([{ agent: "worker", reason: "hung" }]);
    expect(((events["agent:crash"][0]?.error) as Error).message).toMatch(/no heartbeat/);
    expect(instances[0]?.signal.aborted).toBe(true);
    beating = true;
    await clock.advance(1_000);
    expect(orch.agent("worker")?.state).toBe("running");
    expect(instances).toHaveLength(2);
    await orch.shutdown();
  });

  test("a start() that never settles crashes as hung after startTimeout", async () => {
    const { Agent: Slow, instances } = scriptedAgent("slow", { start: never });
    const { orch, clock } = setup({ agents: [Slow], config: { supervisor: { startTimeout: "10s" } } });
    const events = recordEvents(orch);
    const started = orch.start();
    await clock.advance(10_000);
    await started;
    expect(events["agent:crash"]).toMatchObject([{ agent: "slow", reason: "hung" }]);
    expect(instances[0]?.signal.aborted).toBe(true);
    await orch.shutdown();
  });

  test("each restart builds a fresh instance", async () => {
    const { Agent: Flaky, instances } = scriptedAgent("flaky");
    const { orch, clock } = setup({ agents: [Flaky] });
    await orch.start();
    instances[0]?.fail(new Error("1"));
    await clock.advance(1_000);
    instances[1]?.fail(new Error("2"));
    await clock.advance(2_000);
    expect(instances).toHaveLength(3);
    expect(new Set(instances).size).toBe(3);
    expect(instances.map((a) => a.signal.aborted)).toEqual([true, true, false]);
    await orch.shutdown();
  });

  test("subscriptions and timers of a dead incarnation are gone", async () => {
    const heard: number[] = [];
    const ticks: number[] = [];
    const { Agent: Sub, instances } = scriptedAgent("sub", {
      start: (agent) => {
        const n = instances.indexOf(agent);
        agent.bus.subscribe("news", () => void heard.push(n));
        agent.clock.setTimeout(() => ticks.push(n), 10_000);
      },
    });
    const { orch, clock } = setup({ agents: [Sub] });
    await orch.start();
    instances[0]?.fail(new Error("crash"));
    await orch.bus.publish("news", "while down");
    await orch.bus.flush();
    expect(heard).toEqual([]);
    await clock.advance(1_000); // restart
    await orch.bus.publish("news", "after restart");
    await orch.bus.flush();
    await clock.advance(20_000);
    expect(heard).toEqual([1]);
    expect(ticks).toEqual([1]);
    await expect(instances[0]?.bus.publish("news", "zombie")).rejects.toMatchObject({ code: "BUS_CLOSED" });
    await orch.shutdown();
    expect(clock.pending).toBe(0);
  });

  test("fail() and heartbeat() of a dead incarnation are ignored", async () => {
    const { Agent: Flaky, instances } = scriptedAgent("flaky");
    const { orch, clock } = setup({ agents: [Flaky] });
    await orch.start();
    instances[0]?.fail(new Error("1"));
    await clock.advance(1_000);
    instances[0]?.fail(new Error("stale"));
    expect(orch.agent("flaky")).toMatchObject({ state: "running", crashes: 1 });
    await orch.shutdown();
  });
});

describe("shutdown", () => {
  test("stops agents in reverse registration order", async () => {
    const stopped: string[] = [];
    const agents = ["a", "b", "c"].map((name) => scriptedAgent(name, { stop: () => void stopped.push(name) }).Agent);
    const { orch } = setup({ agents });
    await orch.start();
    await orch.shutdown();
    expect(stopped).toEqual(["c", "b", "a"]);
    expect(orch.agents().map((a) => a.state)).toEqual(["stopped", "stopped", "stopped"]);
  });

  test("a stop() past its deadline is abandoned and reported, and shutdown goes on", async () => {
    const stopped: string[] = [];
    const { Agent: A } = scriptedAgent("a", { stop: () => void stopped.push("a") });
    const { Agent: Stuck, instances } = scriptedAgent("stuck", { stop: never });
    const { orch, clock } = setup({ agents: [A, Stuck], config: { supervisor: { stopTimeout: "2s" } } });
    const events = recordEvents(orch);
    await orch.start();
    const done = orch.shutdown();
    await clock.advance(2_000);
    await done;
    expect(events["agent:stop-timeout"]).toEqual([{ agent: "stuck", group: "data", timeout: 2_000 }]);
    expect(instances[0]?.signal.aborted).toBe(true);
    expect(stopped).toEqual(["a"]);
    await expect(orch.closed).resolves.toEqual({ reason: "shutdown", failed: false });
  });

  test("loses no message published before it", async () => {
    const handled: number[] = [];
    const { Agent: Sink } = scriptedAgent("sink", {
      start: (agent) => {
        agent.bus.subscribe("work", async (m) => {
          await new Promise((resolve) => setImmediate(resolve));
          handled.push(m.payload as number);
        });
      },
    });
    const { orch } = setup({ agents: [Sink] });
    await orch.start();
    for (let i = 0; i < 500; i++) await orch.bus.publish("work", i);
    await orch.shutdown();
    expect(handled).toHaveLength(500);
    expect(handled).toEqual([...handled].sort((x, y) => x - y));
  });

  test("is idempotent, resolves before start, and start() after it rejects", async () => {
    const { Agent: A } = scriptedAgent("a");
    const { orch } = setup({ agents: [A] });
    await orch.shutdown();
    await orch.shutdown();
    await expect(orch.start()).rejects.toMatchObject({ code: "SHUT_DOWN" });
    await expect(orch.closed).resolves.toMatchObject({ failed: false });
  });

  test("start() twice rejects", async () => {
    const { Agent: A } = scriptedAgent("a");
    const { orch } = setup({ agents: [A] });
    await orch.start();
    await expect(orch.start()).rejects.toMatchObject({ code: "ALREADY_STARTED" });
    await orch.shutdown();
  });

  test("nothing restarts or escalates once shutdown has begun", async () => {
    const { Agent: Flaky, instances } = scriptedAgent("flaky", { stop: (agent) => agent.fail(new Error("dying")) });
    const { orch, clock } = setup({ agents: [Flaky] });
    const events = recordEvents(orch);
    await orch.start();
    await orch.shutdown();
    await clock.advance(120_000);
    expect(instances).toHaveLength(1);
    expect(events["agent:restart"]).toEqual([]);
    expect(events.escalation).toEqual([]);
  });

  test("the final shutdown event precedes closed", async () => {
    const order: string[] = [];
    const { orch } = setup({ agents: [scriptedAgent("a").Agent] });
    orch.on("shutdown", () => void order.push("event"));
    void orch.closed.then(() => order.push("closed"));
    await orch.start();
    await orch.shutdown();
    await Promise.resolve();
    expect(order).toEqual(["event", "closed"]);
  });
});

describe("operator controls", () => {
  test("enable() re-arms a disabled agent with a clean slate", async () => {
    let failing = true;
    const { Agent: Flaky } = scriptedAgent("flaky", { start: () => (failing ? Promise.reject(new Error("boom")) : undefined) });
    const { orch, clock } = setup({ agents: [Flaky] });
    const events = recordEvents(orch);
    await orch.start();
    await clock.advance(7_000);
    expect(orch.agent("flaky")?.state).toBe("disabled");
    failing = false;
    orch.enable("flaky");
    await clock.advance(0);
    expect(orch.agent("flaky")?.state).toBe("running");
    failing = true;
    orch.restart("flaky");
    await clock.advance(0);
    // the window was cleared: one crash does not disable it again, and the back-off starts over
    expect(orch.agent("flaky")?.state).toBe("backoff");
    expect(events["agent:restart"].at(-1)).toMatchObject({ delay: 1_000, reason: "crash" });
    await orch.shutdown();
  });

  test("disable() stops an agent until enable(); restart() gives a fresh instance now", async () => {
    const { Agent: A, instances } = scriptedAgent("a");
    const { orch, clock } = setup({ agents: [A] });
    await orch.start();
    orch.disable("a");
    await clock.advance(0);
    expect(orch.agent("a")?.state).toBe("disabled");
    expect(instances[0]?.signal.aborted).toBe(true);
    orch.enable("a");
    await clock.advance(0);
    orch.restart("a");
    await clock.advance(0);
    expect(instances).toHaveLength(3);
    expect(orch.agent("a")).toMatchObject({ state: "running", restarts: 1 });
    expect(() => orch.enable("nobody")).toThrow(/no agent named "nobody"/);
    await orch.shutdown();
    expect(() => orch.restart("a")).toThrow(/after shutdown/);
  });

  test("agents() reports name, group, state, counts, last error and next restart", async () => {
    const { Agent: Flaky } = scriptedAgent("flaky", { start: () => Promise.reject(new Error("nope")) });
    const { orch } = setup({ agents: [{ name: "flaky", agent: Flaky, group: "strategy" }] });
    await orch.start();
    expect(orch.agents()).toEqual([
      {
        name: "flaky",
        group: "strategy",
        path: ["strategy"],
        state: "backoff",
        restarts: 0,
        crashes: 1,
        lastError: "nope",
        lastCrashAt: T0,
        lastCrashReason: "start",
        lastCrashAtIso: "2026-01-05T09:00:00.000Z",
        nextRestartAt: T0 + 1_000,
        nextRestartAtIso: "2026-01-05T09:00:01.000Z",
      },
    ]);
    await orch.shutdown();
  });
});
