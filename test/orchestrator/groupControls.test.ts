import { describe, expect, test } from "vitest";
import { LifecycleError } from "../../src/errors/LifecycleError.js";
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import { agents, settle, stateLog, SUPERVISOR } from "../helpers/groupAgents.js";
import { recordEvents, setup } from "../helpers/orchestrator.js";
import { thrownBy } from "../helpers/thrown.js";

// orch.group(name) (decision 33): restart, disable and enable a group and everything below it, in
// start order, with or without a group supervisor; checked at once, queued like operator actions.

function states(orch: Orchestrator): Record<string, string> {
  return Object.fromEntries(orch.agents().map((status) => [status.name, status.state]));
}

describe("orch.group(name)", () => {
  test("restart() of a one_for_all group stops its agents in reverse start order, then starts them in start order, at once", async () => {
    const { scripted, registrations } = agents([["a", "trading"], ["b", "trading"], ["c", "trading"], ["other", "data"]]);
    const { orch, clock, logger } = setup({ agents: registrations, config: { supervisor: SUPERVISOR, groups: { trading: { strategy: "one_for_all" } } } });
    const events = recordEvents(orch);
    await orch.start();
    const log = stateLog(orch);
    orch.group("trading").restart();
    await settle(clock);
    expect(log).toEqual(["c:stopping", "c:backoff", "b:stopping", "b:backoff", "a:stopping", "a:backoff", "a:starting", "a:running", "b:starting", "b:running", "c:starting", "c:running"]);
    expect(orch.agents().map((status) => [status.name, status.state, status.restarts])).toEqual([
      ["a", "running", 1],
      ["b", "running", 1],
      ["c", "running", 1],
      ["other", "running", 0],
    ]);
    expect(events["agent:restart"].map((e) => `${e.agent}:${e.group}:${e.reason}:${e.byGroup ?? "-"}:${e.delay}`)).toEqual(["a:trading:group:trading:0", "b:trading:group:trading:0", "c:trading:group:trading:0"]);
    expect(scripted["other"]?.instances).toHaveLength(1);
    expect(logger.entries.some((entry) => entry.message === 'operator: restart group "trading"')).toBe(true);
    await orch.shutdown();
  });

  test("restart() of a group without a supervisor (today's built-in groups) acts on its agents directly, in the same order", async () => {
    const { registrations } = agents([["a", "data"], ["b", "data"], ["s", "strategy"]]);
    const { orch, clock } = setup({ agents: registrations, config: { supervisor: SUPERVISOR } });
    await orch.start();
    const log = stateLog(orch);
    orch.group("data").restart();
    await settle(clock);
    expect(log).toEqual(["b:stopping", "b:backoff", "a:stopping", "a:backoff", "a:starting", "a:running", "b:starting", "b:running"]);
    expect(states(orch)).toEqual({ a: "running", b: "running", s: "running" });
    await orch.shutdown();
  });

  test("restart() of a parent group restarts the agents of its child groups too, a child group at the position of its first agent", async () => {
    const { registrations } = agents([["feed", "trading"], ["risk", "desk"], ["mm", "trading"], ["rates", "data"]]);
    const { orch, clock } = setup({
      agents: registrations,
      config: { supervisor: SUPERVISOR, groups: { desk: { intensity: { maxRestarts: 5, within: "1m" } }, trading: { parent: "desk", strategy: "one_for_all" } } },
    });
    await orch.start();
    const log = stateLog(orch);
    orch.group("desk").restart();
    await settle(clock);
    expect(log.filter((entry) => entry.endsWith(":stopping"))).toEqual(["risk:stopping", "mm:stopping", "feed:stopping"]);
    expect(log.filter((entry) => entry.endsWith(":starting"))).toEqual(["feed:starting", "mm:starting", "risk:starting"]);
    expect(states(orch)).toEqual({ feed: "running", risk: "running", mm: "running", rates: "running" });
    expect(orch.agents().map((status) => status.restarts)).toEqual([1, 1, 1, 0]);
    await orch.shutdown();
  });

  test("disable() stops its agents in reverse start order and keeps them down; enable() starts them in start order", async () => {
    const { registrations } = agents([["a", "trading"], ["b", "trading"], ["other", "data"]]);
    const { orch, clock } = setup({ agents: registrations, config: { supervisor: SUPERVISOR, groups: { trading: { strategy: "one_for_all" } } } });
    const events = recordEvents(orch);
    await orch.start();
    const log = stateLog(orch);
    orch.group("trading").disable();
    await settle(clock);
    expect(log).toEqual(["b:stopping", "b:disabled", "a:stopping", "a:disabled"]);
    expect(events["agent:disabled"]).toEqual([{ agent: "b", group: "trading", reason: "operator" }, { agent: "a", group: "trading", reason: "operator" }]);
    await clock.advance(10_000);
    expect(states(orch)).toEqual({ a: "disabled", b: "disabled", other: "running" });
    log.length = 0;
    orch.group("trading").enable();
    await settle(clock);
    expect(log).toEqual(["a:starting", "a:running", "b:starting", "b:running"]);
    expect(states(orch)).toEqual({ a: "running", b: "running", other: "running" });
    await orch.shutdown();
  });

  test("disable() then enable() in a row run one after the other: the agents end running", async () => {
    const { registrations } = agents([["a", "data"], ["b", "data"]]);
    const { orch, clock } = setup({ agents: registrations, config: { supervisor: SUPERVISOR } });
    await orch.start();
    const log = stateLog(orch);
    const data = orch.group("data");
    data.disable();
    data.enable();
    await settle(clock);
    expect(log).toEqual(["b:stopping", "b:disabled", "a:stopping", "a:disabled", "a:starting", "a:running", "b:starting", "b:running"]);
    await orch.shutdown();
  });

  test("enable() brings back a group that failed at the top of the tree, its restart intensity cleared", async () => {
    const { scripted, registrations } = agents([["a", "fragile"], ["b", "fragile"]]);
    const { orch, clock } = setup({
      agents: registrations,
      config: { supervisor: SUPERVISOR, groups: { fragile: { strategy: "one_for_all", intensity: { maxRestarts: 1, within: "1m" } } } },
    });
    const events = recordEvents(orch);
    await orch.start();
    const crash = (agent: string): void => scripted[agent]?.instances.at(-1)?.fail(new Error("boom"));
    crash("a");
    await settle(clock);
    await clock.advance(100);
    await settle(clock);
    crash("b");
    await settle(clock);
    expect(states(orch)).toEqual({ a: "disabled", b: "disabled" });
    expect(events["group:failed"]).toHaveLength(1);
    orch.group("fragile").enable();
    await settle(clock);
    expect(states(orch)).toEqual({ a: "running", b: "running" });
    // without the window cleared, this crash would be the third restart inside the minute and fail the group again
    crash("a");
    await settle(clock);
    await clock.advance(10_000);
    await settle(clock);
    expect(states(orch)).toEqual({ a: "running", b: "running" });
    expect(events["group:failed"]).toHaveLength(1);
    await orch.shutdown();
  });

  test("an unknown group throws UNKNOWN_GROUP naming the known groups; a known group's controls throw NOT_STARTED before start() and SHUT_DOWN after shutdown", async () => {
    const { registrations } = agents([["a", "trading"]]);
    const { orch } = setup({ agents: registrations, config: { groups: { trading: { strategy: "one_for_all" } } } });
    const unknown = thrownBy(LifecycleError, () => orch.group("tradin"));
    expect(unknown.code).toBe("UNKNOWN_GROUP");
    expect(unknown.message).toBe('group(): no group named "tradin"; known groups: data, strategy, critical, trading');
    const trading = orch.group("trading");
    for (const action of ["restart", "disable", "enable"] as const) {
      expect(thrownBy(LifecycleError, () => trading[action]())).toMatchObject({ name: "LifecycleError", code: "NOT_STARTED" });
    }
    await orch.start();
    await orch.shutdown();
    for (const action of ["restart", "disable", "enable"] as const) {
      expect(thrownBy(LifecycleError, () => trading[action]())).toMatchObject({ name: "LifecycleError", code: "SHUT_DOWN" });
    }
    expect(thrownBy(LifecycleError, () => orch.group("nope"))).toMatchObject({ code: "UNKNOWN_GROUP" });
  });

  test("a control taken before start() acts once the orchestrator has started; a group without agents does nothing", async () => {
    const { registrations } = agents([["a", "data"]]);
    const { orch, clock } = setup({ agents: registrations, config: { supervisor: SUPERVISOR } });
    const data = orch.group("data");
    const empty = orch.group("critical");
    await orch.start();
    const log = stateLog(orch);
    empty.restart();
    data.disable();
    await settle(clock);
    expect(log).toEqual(["a:stopping", "a:disabled"]);
    await orch.shutdown();
  });
});
