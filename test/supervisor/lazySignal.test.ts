import { describe, expect, test } from "vitest";
import { AgentError } from "../../src/errors/AgentError.js";
import { scriptedAgent, setup } from "../helpers/orchestrator.js";

// An incarnation makes its AbortController only when its signal is first read: these
// check that a signal read late (after the end) looks exactly as one read early.
describe("an agent's signal made on first read", () => {
  test("read first after a crash, it is aborted with the crash's error", async () => {
    const boom = new Error("boom");
    const { Agent: Feed, instances } = scriptedAgent("feed");
    const { orch } = setup({ agents: [Feed] });
    await orch.start();
    instances[0]?.fail(boom);
    const signal = instances[0]?.signal;
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(boom);
    await orch.shutdown();
  });

  test("read first in stop(), it is aborted with an AGENT_FAILED error saying the agent is stopping", async () => {
    let seen: AbortSignal | undefined;
    const { Agent: Feed } = scriptedAgent("feed", { stop: (agent) => void (seen = agent.signal) });
    const { orch } = setup({ agents: [Feed] });
    await orch.start();
    await orch.shutdown();
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(AgentError);
    expect((seen?.reason as AgentError).code).toBe("AGENT_FAILED");
    expect((seen?.reason as AgentError).message).toContain('agent "feed" is stopping');
  });

  test("read early, its listeners run when the agent stops, and a later read gives the same signal", async () => {
    const aborted: unknown[] = [];
    const { Agent: Feed, instances } = scriptedAgent("feed", {
      start: (agent) => agent.signal.addEventListener("abort", () => aborted.push(agent.signal.reason)),
    });
    const { orch } = setup({ agents: [Feed] });
    await orch.start();
    const early = instances[0]?.signal;
    expect(early?.aborted).toBe(false);
    await orch.shutdown();
    expect(aborted).toHaveLength(1);
    expect(aborted[0]).toBeInstanceOf(AgentError);
    expect(instances[0]?.signal).toBe(early);
  });
});
