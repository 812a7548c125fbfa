import { describe, expect, test } from "vitest";
import type { OrchestratorConfig } from "../../src/config/OrchestratorConfig.js";
import type { HealthDocument } from "../../src/observe/HealthDocument.js";
import type { StatusDocument } from "../../src/status/StatusDocument.js";
import { scriptedAgent, setup } from "../helpers/orchestrator.js";

/**
 * Every surface that names an agent's group also gives its path in the tree
 * of groups, from the top-level group down to the agent's own group.
 */

const config: OrchestratorConfig = {
  groups: { desk: {}, trading: { parent: "desk" } },
  agents: { mm: { group: "trading" }, hedger: { group: "trading" }, pricer: { group: "desk" } },
};

function nested() {
  return setup({ agents: [scriptedAgent("mm").Agent, scriptedAgent("hedger").Agent, scriptedAgent("pricer").Agent, scriptedAgent("feed").Agent], config });
}

describe("an agent's path of groups", () => {
  test("orch.agents() and orch.agent() give it; agents of one group share one frozen array across snapshots", async () => {
    const { orch } = nested();
    expect(orch.agents().map(({ name, group, path }) => [name, group, path])).toEqual([
      ["mm", "trading", ["desk", "trading"]],
      ["hedger", "trading", ["desk", "trading"]],
      ["pricer", "desk", ["desk"]],
      ["feed", "data", ["data"]],
    ]);
    const path = orch.agent("mm")?.path;
    expect(Object.isFrozen(path)).toBe(true);
    await orch.start();
    // snapshots are built on every scrape: the path is never copied
    expect(orch.agent("mm")?.path).toBe(path);
    expect(orch.agent("hedger")?.path).toBe(path);
    await orch.shutdown();
  });

  test("health gives the group and the path of each agent, in the report and in the JSON document", async () => {
    const { orch } = nested();
    await orch.start();
    expect(orch.health().agents["mm"]).toEqual({ state: "running", up: true, critical: false, group: "trading", path: ["desk", "trading"] });
    expect(orch.health().agents["feed"]).toMatchObject({ group: "data", path: ["data"] });
    const response = await orch.fetch(new Request("http://localhost/healthz", { headers: { accept: "application/health+json" } }));
    const document = (await response.json()) as HealthDocument;
    expect(document.checks["agent:mm"]?.[0]).toMatchObject({ componentType: "agent", observedValue: "running", group: "trading", path: ["desk", "trading"] });
    expect(document.checks["agent:pricer"]?.[0]).toMatchObject({ group: "desk", path: ["desk"] });
    // only agent checks carry a group
    expect(document.checks["orchestrator:phase"]?.[0]).not.toHaveProperty("group");
    await orch.shutdown();
  });

  test("agent_info carries the path joined by / as a label, still one series per agent", async () => {
    const { orch } = nested();
    await orch.start();
    const text = await orch.metrics();
    expect(text).toContain('agent_info{agent="mm",group="trading",critical="false",path="desk/trading"} 1');
    expect(text).toContain('agent_info{agent="pricer",group="desk",critical="false",path="desk"} 1');
    expect(text).toContain('agent_info{agent="feed",group="data",critical="false",path="data"} 1');
    expect(text.match(/^agent_info\{/gm)).toHaveLength(4);
    await orch.shutdown();
  });

  test("the status document gives each agent its path", async () => {
    const { orch } = nested();
    await orch.start();
    const response = await orch.fetch(new Request("http://localhost/statusz", { headers: { accept: "application/json" } }));
    const document = (await response.json()) as StatusDocument;
    expect(document.agents.map(({ name, group, path }) => [name, group, path])).toEqual([
      ["mm", "trading", ["desk", "trading"]],
      ["hedger", "trading", ["desk", "trading"]],
      ["pricer", "desk", ["desk"]],
      ["feed", "data", ["data"]],
    ]);
    await orch.shutdown();
  });
});
