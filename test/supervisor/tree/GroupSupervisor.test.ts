import { describe, expect, test, vi } from "vitest";
import type { ResolvedGroup } from "../../../src/config/ResolvedConfig.js";
import type { AgentSupervisor } from "../../../src/supervisor/AgentSupervisor.js";
import { supervisionTree } from "../../../src/supervisor/tree/supervisionTree.js";
import { treeGroup, treeHarness } from "../../helpers/supervisionTree.js";

/** Agents `names` of `group`, started in order, joined to a tree of `groups`. */
function started(h: ReturnType<typeof treeHarness>, groups: ResolvedGroup[], members: Array<[string, ResolvedGroup]>) {
  const supervisors = members.map(([name, group]) => h.agent(name, group));
  const tree = supervisionTree(Object.fromEntries(groups.map((group) => [group.name, group])), supervisors, h.host);
  for (const supervisor of supervisors) expect(supervisor.startInTurn(true)).toBeUndefined(); // start() is synchronous
  h.log.length = 0;
  return { supervisors, tree };
}

describe("restart strategies", () => {
  test("one_for_all: the others stop in reverse start order, then all start in start order when the crashed agent's back-off ends", async () => {
    const h = treeHarness();
    const g = treeGroup("g", { strategy: "one_for_all" });
    const { supervisors } = started(h, [g], [["a", g], ["b", g], ["c", g]]);
    h.crash("b");
    await h.settle();
    expect(h.log).toEqual(["b:backoff", "c:stopping", "c:backoff", "a:stopping", "a:backoff"]);
    expect(supervisors.map((s) => s.snapshot().nextRestartAt)).toEqual([h.clock.now() + 10, h.clock.now() + 10, h.clock.now() + 10]);
    h.log.length = 0;
    await h.clock.advance(10);
    await h.settle();
    expect(h.log).toEqual(["a:starting", "a:running", "b:starting", "b:running", "c:starting", "c:running"]);
    expect(supervisors.map((s) => s.counters.restarts)).toEqual([1, 1, 1]);
    expect(h.events["agent:restart"]?.map((e) => `${e.agent}:${e.reason}`)).toEqual(["b:crash", "a:group", "c:group"]);
    expect(h.events["agent:restart"]?.[1]).toMatchObject({ agent: "a", group: "g", reason: "group", byGroup: "g" });
  });

  test("rest_for_one: only the crashed agent and those after it restart", async () => {
    const h = treeHarness();
    const g = treeGroup("g", { strategy: "rest_for_one" });
    started(h, [g], [["a", g], ["b", g], ["c", g], ["d", g]]);
    h.crash("b");
    await h.settle();
    await h.clock.advance(10);
    await h.settle();
    expect(h.log).toEqual(["b:backoff", "d:stopping", "d:backoff", "c:stopping", "c:backoff", "b:starting", "b:running", "c:starting", "c:running", "d:starting", "d:running"]);
    expect(h.states()).toEqual({ a: "running", b: "running", c: "running", d: "running" });
  });

  test("idle members (disabled by an operator) take no part and stay disabled", async () => {
    const h = treeHarness();
    const g = treeGroup("g", { strategy: "one_for_all" });
    const { supervisors } = started(h, [g], [["a", g], ["b", g], ["c", g]]);
    await supervisors[2]?.disable();
    h.log.length = 0;
    h.crash("a");
    await h.settle();
    await h.clock.advance(10);
    await h.settle();
    expect(h.log).toEqual(["a:backoff", "b:stopping", "b:backoff", "a:starting", "a:running", "b:starting", "b:running"]);
    expect(h.states()).toEqual({ a: "running", b: "running", c: "disabled" });
  });

  test("a crash while a group restart is under way makes a new decision; the old sequence starts nothing more", async () => {
    const h = treeHarness();
    const g = treeGroup("g", { strategy: "rest_for_one" });
    let bStarts = 0;
    const a = h.agent("a", g);
    const b = h.agent("b", g, () => {
      bStarts++;
      if (bStarts === 2) throw new Error("b cannot start yet");
    });
    const c = h.agent("c", g);
    supervisionTree({ g }, [a, b, c], h.host);
    for (const s of [a, b, c]) expect(s.startInTurn(true)).toBeUndefined();
    h.log.length = 0;
    h.crash("a");
    await h.settle();
    await h.clock.advance(10); // a starts, b's start fails: c must not start in the old sequence
    await h.settle();
    expect(h.log).toEqual(["a:backoff", "c:stopping", "c:backoff", "b:stopping", "b:backoff", "a:starting", "a:running", "b:starting", "b:backoff"]);
    h.log.length = 0;
    await h.clock.advance(10); // b's own back-off (attempt 1): the new set {b, c} starts
    await h.settle();
    expect(h.log).toEqual(["b:starting", "b:running", "c:starting", "c:running"]);
    expect([a, b, c].map((s) => s.counters.restarts)).toEqual([1, 2, 1]); // c was stopped once and started once
  });
});

describe("a decision while a group restart is pending", () => {
  test("rest_for_one, two crashes in one tick: the sets merge, nothing is left in backoff without a timer", async () => {
    const h = treeHarness();
    const g = treeGroup("chain", { strategy: "rest_for_one" });
    const { supervisors } = started(h, [g], [["a", g], ["b", g], ["c", g], ["d", g]]);
    h.crash("b");
    h.crash("c");
    await h.settle();
    expect(h.states()).toEqual({ a: "running", b: "backoff", c: "backoff", d: "backoff" });
    await h.clock.advance(10);
    await h.settle();
    expect(h.states()).toEqual({ a: "running", b: "running", c: "running", d: "running" });
    expect(h.log.slice(-6)).toEqual(["b:starting", "b:running", "c:starting", "c:running", "d:starting", "d:running"]);
    expect(supervisors.map((s) => s.counters.restarts)).toEqual([0, 1, 1, 1]);
    // each crashed agent announced its restart once, as its own; d once, with the group
    expect(h.events["agent:restart"]?.map((e) => `${e.agent}:${e.reason}`)).toEqual(["b:crash", "c:crash", "d:group"]);
  });

  test("the merged restart starts at the later of the two times", async () => {
    const h = treeHarness();
    const g = treeGroup("chain", { strategy: "rest_for_one" });
    started(h, [g], [["a", g], ["b", g], ["c", g]]);
    h.crash("b");
    await h.clock.advance(10);
    await h.settle();
    h.crash("b"); // attempt 2: 20 ms
    await h.settle();
    await h.clock.advance(5);
    h.crash("a"); // attempt 1: 10 ms from now, before b's restart at +20
    await h.settle();
    expect(h.states()).toEqual({ a: "backoff", b: "backoff", c: "backoff" });
    await h.clock.advance(10);
    await h.settle();
    expect(h.states()).toEqual({ a: "backoff", b: "backoff", c: "backoff" });
    await h.clock.advance(5);
    await h.settle();
    expect(h.states()).toEqual({ a: "running", b: "running", c: "running" });
  });

  test("a failed child group's restart pending under a one_for_one parent stays when a sibling agent crashes", async () => {
    const h = treeHarness();
    const desk = treeGroup("desk", { intensity: { maxRestarts: 10, within: 60_000 } });
    const trading = treeGroup("trading", { parent: desk, strategy: "one_for_all", intensity: { maxRestarts: 0, within: 60_000 } });
    const { supervisors } = started(h, [desk, trading], [["feed", trading], ["mm", trading], ["risk", desk]]);
    h.crash("feed");
    await h.settle();
    expect(h.events["group:failed"]?.map((e) => `${e.group}:${e.action}`)).toEqual(["trading:restart"]);
    h.crash("risk");
    await h.settle();
    expect(h.states()).toEqual({ feed: "backoff", mm: "backoff", risk: "backoff" });
    await h.clock.advance(10);
    await h.settle();
    expect(h.states()).toEqual({ feed: "running", mm: "running", risk: "running" });
    expect(supervisors.map((s) => s.counters.restarts)).toEqual([1, 1, 1]);
  });

  test("one_for_all, a second crash inside the set: both crashed agents start as crashed, counted once each", async () => {
    const h = treeHarness();
    const g = treeGroup("g", { strategy: "one_for_all" });
    const { supervisors } = started(h, [g], [["a", g], ["b", g], ["c", g]]);
    h.crash("a");
    h.crash("b");
    await h.settle();
    await h.clock.advance(10);
    await h.settle();
    expect(h.states()).toEqual({ a: "running", b: "running", c: "running" });
    expect(h.events["agent:restart"]?.map((e) => `${e.agent}:${e.reason}`)).toEqual(["a:crash", "b:crash", "c:group"]);
    expect(supervisors.map((s) => s.counters.restarts)).toEqual([1, 1, 1]);
    // a's restart was counted as its own: its next crash is attempt 2 of its back-off
    h.crash("a");
    await h.settle();
    expect(h.events["agent:restart"]?.at(-1)).toMatchObject({ agent: "a", reason: "crash", attempt: 2 });
  });
});

describe("a child group held stopped by its parent", () => {
  test("a crash below it during the parent's stop phase schedules nothing of its own and counts nowhere; the parent starts it in order", async () => {
    const h = treeHarness();
    const desk = treeGroup("desk", { strategy: "one_for_all" });
    const trading = treeGroup("trading", { parent: desk, strategy: "one_for_all", intensity: { maxRestarts: 0, within: 60_000 } });
    let release = (): void => undefined;
    const feed = h.agent("feed", trading);
    const mm = h.agent("mm", trading, undefined, () => new Promise<void>((resolve) => (release = resolve)));
    const risk = h.agent("risk", desk);
    supervisionTree({ desk, trading }, [feed, mm, risk], h.host);
    for (const s of [feed, mm, risk]) expect(s.startInTurn(true)).toBeUndefined();
    h.crash("risk");
    await h.settle(); // desk stops trading in reverse: mm is still stopping
    expect(h.states()).toEqual({ feed: "running", mm: "stopping", risk: "backoff" });
    h.crash("feed");
    await h.settle();
    release();
    await h.settle();
    expect(h.events["group:failed"]).toBeUndefined();
    expect(h.states()).toEqual({ feed: "backoff", mm: "backoff", risk: "backoff" });
    h.log.length = 0;
    await h.clock.advance(10);
    await h.settle();
    expect(h.log).toEqual(["feed:starting", "feed:running", "mm:starting", "mm:running", "risk:starting", "risk:running"]);
    expect(h.events["agent:restart"]?.map((e) => `${e.agent}:${e.reason}`)).toEqual(["risk:crash", "feed:crash", "mm:group"]);
    expect([feed, mm, risk].map((s) => s.counters.restarts)).toEqual([1, 1, 1]);
  });
});

describe("restart intensity", () => {
  const intensity = { maxRestarts: 1, within: 60_000 };

  test("a top-level group over its intensity disables every agent and escalates once", async () => {
    const h = treeHarness();
    const g = treeGroup("g", { intensity });
    const { supervisors } = started(h, [g], [["a", g], ["b", g]]);
    h.crash("a");
    await h.clock.advance(10);
    await h.settle();
    expect(h.states()).toEqual({ a: "running", b: "running" });
    h.crash("a");
    await h.settle();
    expect(h.states()).toEqual({ a: "disabled", b: "disabled" });
    expect(h.events["group:failed"]).toEqual([{ group: "g", path: ["g"], agent: "a", maxRestarts: 1, within: 60_000, action: "disabled" }]);
    expect(h.escalations).toHaveLength(1);
    expect(h.escalations[0]).toMatchObject({ agent: "a", group: "g", reason: "group-intensity", disabled: true });
    expect(h.escalations[0]?.crashes.map((c) => c.agent)).toEqual(["a", "a"]);
    expect(h.events["agent:disabled"]).toEqual([
      { agent: "b", group: "g", reason: "group-intensity" },
      { agent: "a", group: "g", reason: "group-intensity" },
    ]);
    expect(supervisors.map((s) => s.counters.escalations["crash-loop"])).toEqual([0, 0]);
    await h.clock.advance(60_000);
    expect(h.states()).toEqual({ a: "disabled", b: "disabled" });
  });

  test("a critical top-level group over its intensity fail-stops, naming the group", async () => {
    const h = treeHarness();
    const g = treeGroup("desk", { intensity: { maxRestarts: 0, within: 60_000 }, critical: true });
    started(h, [g], [["a", g]]);
    h.crash("a");
    await h.settle();
    expect(h.failStops).toHaveLength(1);
    expect(h.failStops[0]?.group).toBe("desk");
    expect(String(h.failStops[0]?.error)).toContain('group "desk"');
    expect(h.events["group:failed"]?.[0]?.action).toBe("fail-stop");
    expect(h.escalations).toEqual([]);
  });

  test("a failed child group is restarted by its parent after supervisor.backoff, its window cleared", async () => {
    const h = treeHarness();
    const parent = treeGroup("desk");
    const child = treeGroup("trading", { parent, intensity: { maxRestarts: 0, within: 60_000 } });
    const { supervisors } = started(h, [parent, child], [["feed", parent], ["a", child], ["b", child]]);
    h.crash("a");
    await h.settle();
    expect(h.events["group:failed"]).toEqual([{ group: "trading", path: ["desk", "trading"], agent: "a", maxRestarts: 0, within: 60_000, action: "restart" }]);
    expect(h.states()).toEqual({ feed: "running", a: "backoff", b: "backoff" });
    await h.clock.advance(10);
    await h.settle();
    expect(h.states()).toEqual({ feed: "running", a: "running", b: "running" });
    expect(supervisors.map((s) => s.counters.restarts)).toEqual([0, 1, 1]);
    h.crash("b"); // the window was cleared: fails again (max 0), restarted again after a longer back-off
    await h.settle();
    expect(h.events["group:failed"]).toHaveLength(2);
    await h.clock.advance(10);
    expect(h.states().b).toBe("backoff");
    await h.clock.advance(10);
    await h.settle();
    expect(h.states()).toEqual({ feed: "running", a: "running", b: "running" });
  });

  test("a failed child group's back-off resets after supervisor.resetAfter of stable running, as an agent's does", async () => {
    const h = treeHarness(); // back-off 10 ms doubling, resetAfter 60 s
    const parent = treeGroup("desk");
    const child = treeGroup("trading", { parent, intensity: { maxRestarts: 0, within: 1_000 } });
    started(h, [parent, child], [["feed", parent], ["a", child]]);
    const failAndRestart = async (): Promise<number> => {
      const failedAt = h.clock.now();
      h.crash("a");
      await h.settle();
      while (h.states().a !== "running") {
        await h.clock.advance(1);
        await h.settle();
      }
      return h.clock.now() - failedAt;
    };
    expect(await failAndRestart()).toBe(10); // attempt 1
    await h.clock.advance(59_000); // short of resetAfter since its restart
    expect(await failAndRestart()).toBe(20); // attempt 2
    await h.clock.advance(60_000); // a stable run of resetAfter
    expect(await failAndRestart()).toBe(10); // attempt 1 again
    expect(await failAndRestart()).toBe(20);
    expect(h.events["group:failed"]).toHaveLength(4);
  });

  test("a failed group does not fail again for further crashes before it is started again: one group:failed, one escalation", async () => {
    const h = treeHarness();
    const g = treeGroup("g", { intensity: { maxRestarts: 0, within: 60_000 } });
    started(h, [g], [["a", g], ["b", g], ["c", g]]);
    h.crash("a");
    h.crash("b");
    await h.settle();
    await h.clock.advance(1_000);
    await h.settle();
    expect(h.states()).toEqual({ a: "disabled", b: "disabled", c: "disabled" });
    expect(h.events["group:failed"]?.map((e) => `${e.group}:${e.agent}:${e.action}`)).toEqual(["g:a:disabled"]);
    expect(h.escalations.map((e) => `${e.reason}:${e.agent}`)).toEqual(["group-intensity:a"]);
  });

  test("a child group failing on two crashes in one tick counts once in its parent", async () => {
    const h = treeHarness();
    const desk = treeGroup("desk", { intensity: { maxRestarts: 1, within: 60_000 } });
    const trading = treeGroup("trading", { parent: desk, strategy: "one_for_all", intensity: { maxRestarts: 0, within: 60_000 } });
    const { supervisors } = started(h, [desk, trading], [["feed", trading], ["mm", trading], ["risk", desk]]);
    h.crash("feed");
    h.crash("mm");
    await h.settle();
    await h.clock.advance(10);
    await h.settle();
    expect(h.events["group:failed"]?.map((e) => `${e.group}:${e.action}`)).toEqual(["trading:restart"]);
    expect(h.states()).toEqual({ feed: "running", mm: "running", risk: "running" });
    expect(h.escalations).toEqual([]);
    expect(supervisors.map((s) => s.counters.restarts)).toEqual([1, 1, 0]);
    h.crash("mm"); // started again: trading fails again, desk's second failed child (its max is 1) fails desk
    await h.settle();
    expect(h.events["group:failed"]?.map((e) => `${e.group}:${e.action}`)).toEqual(["trading:restart", "trading:parent", "desk:disabled"]);
  });

  test("at most one escalation per crash: a crash failing its group at the top escalates only as group-intensity", async () => {
    const h = treeHarness();
    const g = { ...treeGroup("g", { intensity: { maxRestarts: 0, within: 60_000 } }), escalateAfter: 1 };
    const { supervisors } = started(h, [g], [["a", g], ["b", g]]);
    h.crash("a");
    await h.settle();
    expect(h.escalations.map((e) => e.reason)).toEqual(["group-intensity"]);
    expect(supervisors[0]?.counters.escalations["consecutive-failures"]).toBe(0);
  });

  test("a crash failing a child group its parent restarts still escalates consecutive-failures", async () => {
    const h = treeHarness();
    const desk = treeGroup("desk");
    const trading = { ...treeGroup("trading", { parent: desk, intensity: { maxRestarts: 0, within: 60_000 } }), escalateAfter: 1 };
    started(h, [desk, trading], [["feed", trading], ["risk", desk]]);
    h.crash("feed");
    await h.settle();
    expect(h.events["group:failed"]?.map((e) => `${e.group}:${e.action}`)).toEqual(["trading:restart"]);
    expect(h.escalations.map((e) => e.reason)).toEqual(["consecutive-failures"]);
  });

  test("a parent over its own intensity fails in turn: the failure reaches the root", async () => {
    const h = treeHarness();
    const parent = treeGroup("desk", { intensity: { maxRestarts: 0, within: 60_000 } });
    const child = treeGroup("trading", { parent, intensity: { maxRestarts: 0, within: 60_000 } });
    started(h, [parent, child], [["feed", parent], ["a", child]]);
    h.crash("a");
    await h.settle();
    expect(h.events["group:failed"]?.map((e) => `${e.group}:${e.action}`)).toEqual(["trading:parent", "desk:disabled"]);
    expect(h.states()).toEqual({ feed: "disabled", a: "disabled" });
    expect(h.escalations.map((e) => [e.group, e.agent])).toEqual([["desk", "a"]]);
  });
});

describe("crash cost", () => {
  test("a one_for_one crash asks no sibling whether it is idle; rest_for_one asks only those after the crashed one", async () => {
    const h = treeHarness();
    const g = treeGroup("g", { intensity: { maxRestarts: 100, within: 60_000 } });
    const chain = treeGroup("chain", { strategy: "rest_for_one" });
    const { supervisors } = started(h, [g, chain], [["a", g], ["b", g], ["c", g], ["x", chain], ["y", chain], ["z", chain]]);
    const asked = supervisors.map((s) => vi.spyOn(s, "idle", "get"));
    h.crash("b");
    await h.settle();
    expect(asked.map((spy) => spy.mock.calls.length)).toEqual([0, 0, 0, 0, 0, 0]);
    h.crash("y");
    await h.settle();
    expect(asked.slice(3).map((spy) => spy.mock.calls.length)).toEqual([0, 0, 1]);
  });
});

describe("default groups", () => {
  test("one_for_one without intensity: no supervisor is made and no agent joins one", () => {
    const h = treeHarness();
    const data = treeGroup("data");
    const other = treeGroup("other", { strategy: "one_for_all" });
    const a = h.agent("a", data);
    const b = h.agent("b", other);
    const joinA = vi.spyOn(a, "joinGroup");
    const joinB = vi.spyOn(b, "joinGroup");
    const tree = supervisionTree({ data, other }, [a, b], h.host);
    expect([...tree.keys()]).toEqual(["other"]);
    expect(joinA).not.toHaveBeenCalled();
    expect(joinB).toHaveBeenCalledTimes(1);
  });

  test("an agent of a default group restarts alone, as before", async () => {
    const h = treeHarness();
    const data = treeGroup("data");
    const supervisors: AgentSupervisor[] = started(h, [data], [["a", data], ["b", data]]).supervisors;
    h.crash("a");
    await h.clock.advance(10);
    expect(h.log).toEqual(["a:backoff", "a:starting", "a:running"]);
    expect(supervisors.map((s) => s.counters.restarts)).toEqual([1, 0]);
  });
});
