import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import type { Agent } from "../../src/agent/Agent.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import type { OrchestratorConfig } from "../../src/config/OrchestratorConfig.js";
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import type { OrchestratorEvents } from "../../src/supervisor/events.js";
import type { ManualClock } from "../../src/testing/ManualClock.js";
import { recordEvents, scriptedAgent, setup } from "../helpers/orchestrator.js";

/**
 * `dependsOn` orders the start (every agent after the agents it depends on,
 * registration order otherwise) and the stop (the reverse); `orch.agents()`
 * keeps registration order.
 */

/** An agent whose start() and stop() each take `ms` of fake time. */
function slow(name: string, ms: number) {
  const wait = (agent: Agent): Promise<void> => new Promise<void>((resolve) => void agent.clock.setTimeout(resolve, ms));
  return scriptedAgent(name, { start: wait, stop: wait }).Agent;
}

async function startOnFakeTime(orch: Orchestrator, clock: ManualClock): Promise<void> {
  let settled = false;
  const starting = orch.start().finally(() => void (settled = true));
  while (!settled) await clock.advance(100);
  await starting;
}

async function shutdownOnFakeTime(orch: Orchestrator, clock: ManualClock): Promise<void> {
  let done = false;
  void orch.shutdown().then(() => void (done = true));
  while (!done) await clock.advance(100);
}

/** The agents entering `state`, in the order they did. */
function entering(events: ReadonlyArray<OrchestratorEvents["agent:state"]>, state: string): string[] {
  return events.filter((event) => event.state === state).map((event) => event.agent);
}

describe("start and stop order from dependsOn", () => {
  test("dependencies start (and are running) before their dependents, and stop after them", async () => {
    const config: OrchestratorConfig = { agents: { api: { dependsOn: ["db"] }, worker: { dependsOn: ["api", "cache"] } } };
    const { orch, clock } = setup({ agents: [slow("worker", 300), slow("api", 200), slow("db", 500), slow("cache", 100)], config });
    const events = recordEvents(orch);
    await startOnFakeTime(orch, clock);
    const states = events["agent:state"];
    expect(entering(states, "starting")).toEqual(["db", "api", "cache", "worker"]);
    // each start is awaited: an agent starts only once the one before it runs
    expect(states.map(({ agent, state }) => `${agent}:${state}`).slice(0, 4)).toEqual(["db:starting", "db:running", "api:starting", "api:running"]);
    // orch.agents() keeps registration order
    expect(orch.agents().map(({ name, state }) => [name, state])).toEqual([
      ["worker", "running"],
      ["api", "running"],
      ["db", "running"],
      ["cache", "running"],
    ]);
    await shutdownOnFakeTime(orch, clock);
    expect(entering(states, "stopping")).toEqual(["worker", "cache", "api", "db"]);
    expect(entering(states, "stopped")).toEqual(["worker", "cache", "api", "db"]);
  });

  test("without dependsOn agents start in registration order and stop in its reverse", async () => {
    const { orch, clock } = setup({ agents: [slow("c", 100), slow("a", 100), slow("b", 100)], config: { agents: { a: { enabled: true } } } });
    const events = recordEvents(orch);
    await startOnFakeTime(orch, clock);
    expect(entering(events["agent:state"], "starting")).toEqual(["c", "a", "b"]);
    await shutdownOnFakeTime(orch, clock);
    expect(entering(events["agent:state"], "stopping")).toEqual(["b", "a", "c"]);
  });

  test("an agent loaded by module at start() is ordered with the agents registered in code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ao-depends-"));
    const agentUrl = pathToFileURL(join(process.cwd(), "src/agent/Agent.ts")).href;
    writeFileSync(join(dir, "store.ts"), `import { Agent } from ${JSON.stringify(agentUrl)};\nexport default class Store extends Agent { static agentName = "store"; }\n`);
    writeFileSync(join(dir, "agents.yaml"), "agents:\n  store:\n    module: ./store.ts\n  feed:\n    dependsOn: [store]\n");
    const config = await loadConfig(join(dir, "agents.yaml"));
    const { orch, clock } = setup({ agents: [slow("feed", 100), slow("other", 100)], config });
    const events = recordEvents(orch);
    await startOnFakeTime(orch, clock);
    // registration order is feed, other (code), then store (module): feed waits for store, other keeps its place
    expect(entering(events["agent:state"], "starting")).toEqual(["other", "store", "feed"]);
    expect(orch.agents().map(({ name }) => name)).toEqual(["feed", "other", "store"]);
    await shutdownOnFakeTime(orch, clock);
    expect(entering(events["agent:state"], "stopping")).toEqual(["feed", "store", "other"]);
  });
});
