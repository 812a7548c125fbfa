import { describe, expect, test } from "vitest";
import { createBus } from "../../src/bus/createBus.js";
import type { ResolvedGroup } from "../../src/config/ResolvedConfig.js";
import { AgentSupervisor } from "../../src/supervisor/AgentSupervisor.js";
import type { SupervisorHost } from "../../src/supervisor/SupervisorHost.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { memoryLogger, scriptedAgent, T0 } from "../helpers/orchestrator.js";

/** One supervisor whose host keeps the restarts handed to its pacer until the test runs them. */
function pacedAgent() {
  const clock = new ManualClock(T0);
  const paced: Array<() => void> = [];
  const host: SupervisorHost = {
    clock,
    bus: createBus(),
    random: () => 0,
    logger: memoryLogger(),
    settings: { backoff: { initial: 10, max: 1_000, factor: 2, jitter: 0 }, resetAfter: 60_000, startTimeout: 30_000, stopTimeout: 5_000 },
    stopping: () => false,
    listens: () => false,
    emit: () => undefined,
    escalate: () => undefined,
    failStop: () => undefined,
    attachTriggers: () => undefined,
    setBackoff: (elapsed, delay) => clock.setTimeout(elapsed, delay),
    clearBackoff: (handle) => clock.clearTimeout(handle),
    paced: (restart) => paced.push(restart),
  };
  const group: ResolvedGroup = { name: "data", path: ["data"], strategy: "one_for_one", restart: { kind: "always" }, crashLoop: { maxCrashes: 1_000, within: 300_000 }, escalateAfter: 1_000, critical: false };
  const { Agent, instances } = scriptedAgent("feed");
  const supervisor = new AgentSupervisor({ name: "feed", agentClass: Agent, group, config: undefined, heartbeatTimeout: undefined }, host);
  return { supervisor, clock, paced, instances };
}

describe("a restart waiting in the pacer", () => {
  test("a start() that returns without a promise is over when startInTurn() returns: nothing to await", () => {
    const { supervisor, instances } = pacedAgent();
    expect(supervisor.startInTurn(true)).toBeUndefined();
    expect(supervisor.state).toBe("running");
    expect(instances).toHaveLength(1);
  });

  test("runs once when its turn comes; a second call of it does nothing", async () => {
    const { supervisor, clock, paced, instances } = pacedAgent();
    expect(supervisor.startInTurn(true)).toBeUndefined();
    instances[0]?.fail(new Error("boom"));
    expect(supervisor.state).toBe("backoff");
    await clock.advance(10);
    expect(paced).toHaveLength(1);
    expect(supervisor.state).toBe("backoff");
    paced[0]?.();
    expect(supervisor.state).toBe("running");
    paced[0]?.();
    expect(instances).toHaveLength(2);
    expect(supervisor.counters.restarts).toBe(1);
  });

  test("cancelled by enable(), it stays cancelled when the agent crashes again; the next restart runs once, after its own back-off", async () => {
    const { supervisor, clock, paced, instances } = pacedAgent();
    expect(supervisor.startInTurn(true)).toBeUndefined();
    instances[0]?.fail(new Error("boom"));
    await clock.advance(10);
    expect(paced).toHaveLength(1);
    await supervisor.enable(); // cancels the restart waiting in the pacer and starts the agent
    await clock.runDue();
    expect(instances).toHaveLength(2);
    expect(supervisor.state).toBe("running");
    instances[1]?.fail(new Error("again"));
    expect(supervisor.state).toBe("backoff");
    paced[0]?.(); // the cancelled restart's turn comes: it starts nothing
    expect(instances).toHaveLength(2);
    expect(supervisor.state).toBe("backoff");
    expect(supervisor.status().nextRestartAt).toBe(T0 + 20);
    await clock.advance(10);
    expect(paced).toHaveLength(2);
    paced[1]?.();
    paced[0]?.();
    expect(instances).toHaveLength(3);
    expect(supervisor.state).toBe("running");
    expect(supervisor.counters.restarts).toBe(1);
  });
});
