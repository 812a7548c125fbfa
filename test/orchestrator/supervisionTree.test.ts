import { describe, expect, test } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import type { OrchestratorConfig } from "../../src/config/OrchestratorConfig.js";
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import type { Escalation } from "../../src/supervisor/Escalation.js";
import { agents, settle, stateLog, SUPERVISOR, type Scripted } from "../helpers/groupAgents.js";
import { recordEvents, scriptedAgent, setup } from "../helpers/orchestrator.js";
import { track } from "../helpers/promises.js";
import { registerTracing } from "../helpers/tracing.js";

// The supervision tree wired into the orchestrator (decision 33): strategies, intensity, failure up
// the tree and dependsOn, through createOrchestrator on a ManualClock (back-off 100 ms, doubling, no jitter).

/** Crash the live incarnation of `agent`. */
function crash(scripted: Record<string, Scripted>, agent: string, message = "boom"): void {
  const live = scripted[agent]?.instances.at(-1);
  if (live === undefined) throw new Error(`no incarnation of ${agent}`);
  live.fail(new Error(message));
}

function states(orch: Orchestrator): Record<string, string> {
  return Object.fromEntries(orch.agents().map((status) => [status.name, status.state]));
}

describe("supervision tree in the orchestrator", () => {
  test("one_for_all restarts exactly its members: the others stop in reverse start order, then all start in start order", async () => {
    const { scripted, registrations } = agents([["a", "trading"], ["b", "trading"], ["c", "trading"], ["other", "data"]]);
    const { orch, clock } = setup({ agents: registrations, config: { supervisor: SUPERVISOR, groups: { trading: { strategy: "one_for_all" } } } });
    const events = recordEvents(orch);
    await orch.start();
    const log = stateLog(orch);
    crash(scripted, "b");
    await settle(clock);
    expect(log).toEqual(["b:backoff", "c:stopping", "c:backoff", "a:stopping", "a:backoff"]);
    expect(states(orch)).toEqual({ a: "backoff", b: "backoff", c: "backoff", other: "running" });
    log.length = 0;
    await clock.advance(100);
    await settle(clock);
    expect(log).toEqual(["a:starting", "a:running", "b:starting", "b:running", "c:starting", "c:running"]);
    expect(states(orch)).toEqual({ a: "running", b: "running", c: "running", other: "running" });
    expect(orch.agents().map((status) => status.restarts)).toEqual([1, 1, 1, 0]);
    expect(events["agent:restart"].map((e) => `${e.agent}:${e.group}:${e.reason}:${e.byGroup ?? "-"}`)).toEqual(["b:trading:crash:-", "a:trading:group:trading", "c:trading:group:trading"]);
    expect(scripted["other"]?.instances).toHaveLength(1);
    await orch.shutdown();
  });

  test("rest_for_one restarts the crashed agent and those after it only", async () => {
    const { scripted, registrations } = agents([["a", "chain"], ["b", "chain"], ["c", "chain"], ["d", "chain"]]);
    const { orch, clock } = setup({ agents: registrations, config: { supervisor: SUPERVISOR, groups: { chain: { strategy: "rest_for_one" } } } });
    await orch.start();
    const log = stateLog(orch);
    crash(scripted, "b");
    await settle(clock);
    await clock.advance(100);
    await settle(clock);
    expect(log).toEqual(["b:backoff", "d:stopping", "d:backoff", "c:stopping", "c:backoff", "b:starting", "b:running", "c:starting", "c:running", "d:starting", "d:running"]);
    expect(orch.agents().map((status) => [status.name, status.state, status.restarts])).toEqual([
      ["a", "running", 0],
      ["b", "running", 1],
      ["c", "running", 1],
      ["d", "running", 1],
    ]);
    expect(scripted["a"]?.instances).toHaveLength(1);
    await orch.shutdown();
  });

  test("a top-level group over its intensity disables its agents and escalates once to the chief with reason group-intensity", async () => {
    const received: Escalation[] = [];
    class Chief extends Agent {
      override onEscalation(event: Escalation): void {
        received.push(event);
      }
    }
    const { scripted, registrations } = agents([["a", "fragile"], ["b", "fragile"]]);
    const { orch, clock } = setup({
      agents: [{ name: "chief", agent: Chief, chief: true }, ...registrations],
      config: { supervisor: SUPERVISOR, groups: { fragile: { strategy: "one_for_all", intensity: { maxRestarts: 1, within: "1m" } } } },
    });
    const events = recordEvents(orch);
    await orch.start();
    crash(scripted, "a", "first");
    await settle(clock);
    await clock.advance(100);
    await settle(clock);
    expect(states(orch)).toMatchObject({ a: "running", b: "running" });
    crash(scripted, "b", "second");
    await settle(clock);
    expect(events["group:failed"]).toEqual([{ group: "fragile", path: ["fragile"], agent: "b", maxRestarts: 1, within: 60_000, action: "disabled" }]);
    expect(states(orch)).toEqual({ chief: "running", a: "disabled", b: "disabled" });
    expect(events["agent:disabled"].map((e) => `${e.agent}:${e.reason}`).sort()).toEqual(["a:group-intensity", "b:group-intensity"]);
    expect(events.escalation).toHaveLength(1);
    expect(events.escalation[0]).toMatchObject({ agent: "b", group: "fragile", reason: "group-intensity", disabled: true });
    expect(received.map((e) => [e.agent, e.group, e.reason])).toEqual([["b", "fragile", "group-intensity"]]);
    await clock.advance(10_000);
    expect(states(orch)).toEqual({ chief: "running", a: "disabled", b: "disabled" });
    await orch.shutdown();
  });

  test("a critical group over its intensity at the root fail-stops the orchestrator, naming the group", async () => {
    const { scripted, registrations } = agents([["a", "core"], ["b", "core"]]);
    const { orch, clock } = setup({
      agents: registrations,
      config: { supervisor: SUPERVISOR, groups: { core: { critical: true, restart: "always", strategy: "one_for_all", intensity: { maxRestarts: 0, within: "1m" } } } },
    });
    const events = recordEvents(orch);
    await orch.start();
    const closed = track(orch.closed);
    crash(scripted, "a");
    await settle(clock);
    expect(closed.outcome).toEqual({ value: { failed: true, reason: expect.stringContaining('critical group "core" failed') as unknown } });
    expect(events["group:failed"].map((e) => [e.group, e.action])).toEqual([["core", "fail-stop"]]);
    expect(orch.phase).not.toBe("running");
  });

  test("start() rejects with FAIL_STOP naming the critical group that failed, and the agent whose crash failed it", async () => {
    const failing = scriptedAgent("a", { start: () => Promise.reject(new Error("no feed")) });
    const { orch } = setup({
      agents: [{ name: "a", agent: failing.Agent, group: "core" }, { name: "b", agent: scriptedAgent("b").Agent, group: "core" }],
      config: { supervisor: SUPERVISOR, groups: { core: { critical: true, restart: "always", intensity: { maxRestarts: 0, within: "1m" } } } },
    });
    const error = await orch.start().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toMatchObject({ code: "FAIL_STOP" });
    expect((error as Error).message).toBe('start() failed: critical group "core" failed: group "core" went over its restart intensity (agent "a" crashed: no feed)');
  });

  test("a nested group's failure restarts it under its parent after the back-off, its members in start order", async () => {
    const { scripted, registrations } = agents([["feed", "trading"], ["mm", "trading"], ["risk", "desk"]]);
    const config: OrchestratorConfig = {
      supervisor: SUPERVISOR,
      groups: {
        desk: { strategy: "one_for_one", intensity: { maxRestarts: 10, within: "1m" } },
        trading: { parent: "desk", strategy: "one_for_all", intensity: { maxRestarts: 0, within: "1m" } },
      },
    };
    const { orch, clock } = setup({ agents: registrations, config });
    const events = recordEvents(orch);
    await orch.start();
    const log = stateLog(orch);
    crash(scripted, "mm");
    await settle(clock);
    expect(events["group:failed"]).toEqual([{ group: "trading", path: ["desk", "trading"], agent: "mm", maxRestarts: 0, within: 60_000, action: "restart" }]);
    expect(states(orch)).toEqual({ feed: "backoff", mm: "backoff", risk: "running" });
    log.length = 0;
    await clock.advance(100);
    await settle(clock);
    expect(log).toEqual(["feed:starting", "feed:running", "mm:starting", "mm:running"]);
    expect(states(orch)).toEqual({ feed: "running", mm: "running", risk: "running" });
    expect(events.escalation).toEqual([]);
    expect(scripted["risk"]?.instances).toHaveLength(1);
    await orch.shutdown();
  });

  test("dependsOn: a dependent whose dependency is in back-off at start waits, then starts once the dependency runs", async () => {
    let dbStarts = 0;
    const db = scriptedAgent("db", {
      start: () => {
        dbStarts++;
        if (dbStarts === 1) throw new Error("db not reachable");
      },
    });
    const api = scriptedAgent("api");
    const { orch, clock, logger } = setup({
      agents: [{ name: "api", agent: api.Agent }, { name: "db", agent: db.Agent }],
      config: { supervisor: SUPERVISOR, agents: { api: { dependsOn: ["db"] } } },
    });
    const log = stateLog(orch);
    await orch.start();
    expect(orch.phase).toBe("running");
    expect(states(orch)).toEqual({ api: "stopped", db: "backoff" });
    expect(api.instances).toHaveLength(0);
    expect(logger.entries.some((entry) => entry.level === "warn" && entry.message?.includes('"api" waits for "db"'))).toBe(true);
    await clock.advance(100);
    await settle(clock);
    expect(states(orch)).toEqual({ api: "running", db: "running" });
    expect(api.instances).toHaveLength(1);
    expect(log.indexOf("api:starting")).toBeGreaterThan(log.lastIndexOf("db:running"));
    await orch.shutdown();
  });

  test("every agent event carries the agent's own group; a restart by a group above names that group in byGroup", async () => {
    const { scripted, registrations } = agents([["feed", "trading"], ["mm", "trading"], ["other", "data"]]);
    const { orch, clock } = setup({
      agents: registrations,
      config: { supervisor: SUPERVISOR, groups: { desk: {}, trading: { parent: "desk", strategy: "one_for_all", intensity: { maxRestarts: 0, within: "1m" } } } },
    });
    const events = recordEvents(orch);
    await orch.start();
    expect(events["agent:state"].map((e) => `${e.agent}:${e.group}:${e.state}`)).toEqual([
      "feed:trading:starting",
      "feed:trading:running",
      "mm:trading:starting",
      "mm:trading:running",
      "other:data:starting",
      "other:data:running",
    ]);
    crash(scripted, "mm");
    await settle(clock);
    await clock.advance(100);
    await settle(clock);
    expect(events["agent:crash"].map((e) => `${e.agent}:${e.group}`)).toEqual(["mm:trading"]);
    expect(events["agent:restart"].map((e) => `${e.agent}:${e.group}:${e.reason}:${e.byGroup ?? "-"}`)).toEqual(["feed:trading:group:desk", "mm:trading:group:desk"]);
    void orch.disable("other");
    await settle(clock);
    expect(events["agent:disabled"]).toEqual([{ agent: "other", group: "data", reason: "operator" }]);
    await orch.shutdown();
  });

  test("group_failures_total counts each group's failures, one series per supervised group and none for default groups", async () => {
    const { scripted, registrations } = agents([["feed", "trading"], ["mm", "trading"], ["other", "data"]]);
    const { orch, clock } = setup({
      agents: registrations,
      config: { supervisor: SUPERVISOR, groups: { desk: {}, trading: { parent: "desk", strategy: "one_for_all", intensity: { maxRestarts: 0, within: "1m" } } } },
    });
    await orch.start();
    let text = await orch.metrics();
    expect(text).toContain("# TYPE group_failures_total counter");
    expect(text.match(/^group_failures_total\{.*$/gm)).toEqual(['group_failures_total{group="desk"} 0', 'group_failures_total{group="trading"} 0']);
    crash(scripted, "mm");
    await settle(clock);
    await clock.advance(100);
    await settle(clock);
    text = await orch.metrics();
    expect(text.match(/^group_failures_total\{.*$/gm)).toEqual(['group_failures_total{group="desk"} 0', 'group_failures_total{group="trading"} 1']);
    await orch.shutdown();
  });

  test("a configuration without strategies or intensities has no group_failures_total", async () => {
    const { registrations } = agents([["feed", "trading"], ["other", "data"]]);
    const { orch } = setup({ agents: registrations, config: { supervisor: SUPERVISOR, groups: { desk: {}, trading: { parent: "desk" } } } });
    await orch.start();
    expect(await orch.metrics()).not.toContain("group_failures_total");
    await orch.shutdown();
  });

  test("a group's failure becomes a `group failed` span, and its restarts carry the group", async () => {
    const tracing = registerTracing();
    try {
      const { scripted, registrations } = agents([["feed", "trading"], ["mm", "trading"]]);
      const { orch, clock } = setup({
        agents: registrations,
        config: { supervisor: SUPERVISOR, groups: { desk: {}, trading: { parent: "desk", strategy: "one_for_all", intensity: { maxRestarts: 0, within: "1m" } } } },
      });
      await orch.start();
      crash(scripted, "mm");
      await settle(clock);
      await clock.advance(100);
      await settle(clock);
      expect(tracing.span("group failed").attributes).toEqual({ "ao.group": "trading", "ao.group.path": ["desk", "trading"], "ao.agent": "mm", "ao.group.action": "restart" });
      const restarts = tracing.exporter.getFinishedSpans().filter((span) => span.name === "agent restart");
      expect(restarts.map((span) => [span.attributes["ao.agent"], span.attributes["ao.reason"], span.attributes["ao.group"], span.attributes["ao.restart.by_group"]])).toContainEqual([
        "feed",
        "group",
        "trading",
        "desk",
      ]);
      await orch.shutdown();
    } finally {
      await tracing.dispose();
    }
  });

  test("a configuration without strategies, intensity or dependsOn keeps one_for_one: a crash restarts the agent alone", async () => {
    const { scripted, registrations } = agents([["a", "data"], ["b", "data"]]);
    const { orch, clock } = setup({ agents: registrations, config: { supervisor: SUPERVISOR } });
    const log = stateLog(orch);
    await orch.start();
    log.length = 0;
    crash(scripted, "a");
    await settle(clock);
    await clock.advance(100);
    await settle(clock);
    expect(log).toEqual(["a:backoff", "a:starting", "a:running"]);
    expect(scripted["b"]?.instances).toHaveLength(1);
    await orch.shutdown();
  });
});

describe("what the tree costs a default configuration", () => {
  test("the shared supervisors' host is made with its launch-gate slot, so setting the gate later keeps its shape", async () => {
    const { OrchestratorHost } = await import("../../src/orchestrator/OrchestratorHost.js");
    const { ManualClock } = await import("../../src/testing/ManualClock.js");
    const { createBus } = await import("../../src/bus/createBus.js");
    const made = new OrchestratorHost({
      options: { clock: new ManualClock(0), random: () => 0, logger: undefined as never },
      bus: createBus(),
      settings: { backoff: { initial: 10, max: 1_000, factor: 2, jitter: 0 }, resetAfter: 60_000, startTimeout: 30_000, stopTimeout: 5_000 },
      lifecycle: { stopping: false } as never,
      events: { listens: () => false, emit: () => undefined } as never,
      chief: () => undefined,
      placement: undefined,
      replica: () => undefined,
      failStop: () => undefined,
      attachTriggers: () => undefined,
    });
    expect(Object.keys(made.host)).toContain("gate");
    expect(made.host.gate).toBeUndefined();
    made.stopTimers();
  });
});
