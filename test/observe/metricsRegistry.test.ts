// Real orchestrators and prom-client registries: no global state, no clashes.
import { Counter, Registry, register as globalRegistry } from "prom-client";
import { describe, expect, test } from "vitest";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { scriptedAgent, setup } from "../helpers/orchestrator.js";

const sample = (text: string, name: string, agent: string): number | undefined => {
  const match = new RegExp(`^${name}\\{agent="${agent}"\\} (\\S+)$`, "m").exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
};

describe("metrics registries", () => {
  test("two orchestrators in one process each have their own registry and values", async () => {
    const a = setup({ agents: [scriptedAgent("feed").Agent] });
    const b = setup({ agents: [scriptedAgent("feed", { start: () => Promise.reject(new Error("down")) }).Agent] });
    await a.orch.start();
    await b.orch.start();
    expect(sample(await a.orch.metrics(), "agent_state", "feed")).toBe(1);
    expect(sample(await b.orch.metrics(), "agent_state", "feed")).toBe(0);
    expect(await globalRegistry.metrics()).not.toContain("agent_state");
    await a.orch.shutdown();
    await b.orch.shutdown();
  });

  test("one orchestrator registers into the host's registry beside the host's own metrics", async () => {
    const registry = new Registry();
    const orders = new Counter({ name: "host_orders_total", help: "orders", registers: [registry] });
    orders.inc(3);
    const { orch } = setup({ agents: [scriptedAgent("feed").Agent], metrics: { registry } });
    await orch.start();
    const text = await registry.metrics();
    expect(text).toContain("host_orders_total 3");
    expect(sample(text, "agent_state", "feed")).toBe(1);
    await orch.shutdown();
    // the host's registry is left as it was found, so a new orchestrator can register again
    expect(await registry.metrics()).not.toContain("agent_state");
    const again = setup({ agents: [scriptedAgent("feed").Agent], metrics: { registry } });
    await again.orch.start();
    expect(sample(await registry.metrics(), "agent_state", "feed")).toBe(1);
    await again.orch.shutdown();
  });

  test("two orchestrators share one registry with distinct prefixes", async () => {
    const registry = new Registry();
    const desk = setup({ agents: [scriptedAgent("feed").Agent], metrics: { registry, prefix: "desk_" } });
    const risk = setup({ agents: [scriptedAgent("feed", { start: () => Promise.reject(new Error("down")) }).Agent], metrics: { registry, prefix: "risk_" } });
    await desk.orch.start();
    await risk.orch.start();
    const text = await registry.metrics();
    expect(sample(text, "desk_agent_state", "feed")).toBe(1);
    expect(sample(text, "risk_agent_state", "feed")).toBe(0);
    await desk.orch.shutdown();
    await risk.orch.shutdown();
  });

  test("createOrchestrator() takes metrics.agentSeries and refuses a bad value naming the option", async () => {
    const full = setup({ agents: [scriptedAgent("feed").Agent], metrics: { agentSeries: "full" } });
    await full.orch.start();
    expect(sample(await full.orch.metrics(), "agent_handler_errors_total", "feed")).toBe(0);
    await full.orch.shutdown();
    const essential = setup({ agents: [scriptedAgent("feed").Agent] });
    await essential.orch.start();
    const text = await essential.orch.metrics();
    expect(sample(text, "agent_state", "feed")).toBe(1);
    expect(text).not.toContain("agent_handler_errors_total");
    await essential.orch.shutdown();
    let caught: unknown;
    try {
      setup({ agents: [scriptedAgent("feed").Agent], metrics: { agentSeries: "detailed" as "full" } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught).toMatchObject({ code: "INVALID_OPTION", path: "metrics.agentSeries", value: "detailed" });
  });

  test("createOrchestrator() takes metrics.agentStatus: an agent in back-off is graphed as backoff, not only as not running", async () => {
    const { orch } = setup({ agents: [scriptedAgent("feed", { start: () => Promise.reject(new Error("down")) }).Agent], metrics: { agentStatus: true } });
    await orch.start();
    const status = (text: string, state: string) => new RegExp(`^agent_status\\{agent="feed",state="${state}"\\} (\\S+)$`, "m").exec(text)?.[1];
    let text = await orch.metrics();
    expect(orch.agent("feed")?.state).toBe("backoff");
    expect(status(text, "backoff")).toBe("1");
    expect(status(text, "running")).toBe("0");
    expect(status(text, "stopped")).toBe("0");
    expect(sample(text, "agent_state", "feed")).toBe(0);
    await orch.shutdown();
    text = await orch.metrics();
    expect(status(text, "stopped")).toBe("1");
    expect(status(text, "backoff")).toBe("0");
  });
});
