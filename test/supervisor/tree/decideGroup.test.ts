import { describe, expect, test } from "vitest";
import { decideGroup } from "../../../src/supervisor/tree/decideGroup.js";
import { GroupIntensity } from "../../../src/supervisor/tree/GroupIntensity.js";
import { treeKey, type GroupDecisionInput, type GroupVerdict, type TreeChild } from "../../../src/supervisor/tree/GroupPorts.js";

const agent = (name: string): TreeChild => ({ kind: "agent", name });
const group = (name: string): TreeChild => ({ kind: "group", name });

const T = 1_767_600_000_000;
const SEC = 1_000;
const LIMIT = { maxRestarts: 2, within: 10 * SEC };
const CHILDREN: readonly TreeChild[] = [agent("db"), group("workers"), agent("api"), agent("web")];

const input = (fields: Partial<GroupDecisionInput> = {}): GroupDecisionInput => ({
  strategy: "rest_for_one",
  children: CHILDREN,
  crashed: agent("api"),
  idle: new Set(),
  ...fields,
});

describe("decideGroup", () => {
  test.each<[string, GroupDecisionInput, GroupVerdict]>([
    ["one_for_one restarts the crashed child alone", input({ strategy: "one_for_one" }), { kind: "restart", restart: [agent("api")] }],
    ["one_for_all restarts every non-idle child", input({ strategy: "one_for_all", idle: new Set([treeKey(agent("web"))]) }), { kind: "restart", restart: [agent("db"), group("workers"), agent("api")] }],
    ["rest_for_one restarts the crashed child and those after it", input(), { kind: "restart", restart: [agent("api"), agent("web")] }],
    ["a failed child group is restarted with the children after it", input({ crashed: group("workers") }), { kind: "restart", restart: [group("workers"), agent("api"), agent("web")] }],
  ])("under its intensity, %s", (_what, decisionInput, verdict) => {
    expect(decideGroup(decisionInput, new GroupIntensity(LIMIT), T)).toEqual(verdict);
  });

  test("the restart that takes the group over its intensity fails it, counting the restarts in the window", () => {
    const intensity = new GroupIntensity(LIMIT);
    const verdicts = [0, SEC, 2 * SEC].map((offset) => decideGroup(input({ crashed: agent(offset === SEC ? "db" : "api") }), intensity, T + offset));
    expect(verdicts).toEqual([
      { kind: "restart", restart: [agent("api"), agent("web")] },
      { kind: "restart", restart: CHILDREN },
      { kind: "fail", restarts: 3 },
    ]);
    expect(intensity.history()).toEqual([T, T + SEC, T + 2 * SEC]);
  });

  test("restarts of different children count together, and expire with the window", () => {
    const intensity = new GroupIntensity(LIMIT);
    decideGroup(input({ crashed: agent("db") }), intensity, T);
    decideGroup(input({ crashed: agent("web") }), intensity, T + SEC);
    // the first restart has left the window 10 s later: two restarts in it, not over
    expect(decideGroup(input({ crashed: group("workers") }), intensity, T + 10 * SEC)).toEqual({ kind: "restart", restart: [group("workers"), agent("api"), agent("web")] });
    expect(decideGroup(input(), intensity, T + 10 * SEC + 1)).toEqual({ kind: "fail", restarts: 3 });
  });

  test("a group without intensity always restarts", () => {
    const intensity = new GroupIntensity();
    for (let index = 0; index < 100; index++) {
      expect(decideGroup(input(), intensity, T + index)).toEqual({ kind: "restart", restart: [agent("api"), agent("web")] });
    }
  });

  test("maxRestarts 0 fails the group on the first restart of any child", () => {
    expect(decideGroup(input(), new GroupIntensity({ maxRestarts: 0, within: SEC }), T)).toEqual({ kind: "fail", restarts: 1 });
  });

  test("after clear() (the group enabled or restarted by its parent) the count starts again", () => {
    const intensity = new GroupIntensity(LIMIT);
    for (const offset of [0, 1, 2]) decideGroup(input(), intensity, T + offset);
    intensity.clear();
    expect(decideGroup(input(), intensity, T + 3)).toEqual({ kind: "restart", restart: [agent("api"), agent("web")] });
  });

  test("a crashed child outside the group throws and records nothing", () => {
    const intensity = new GroupIntensity({ maxRestarts: 0, within: SEC });
    expect(() => decideGroup(input({ crashed: agent("stranger") }), intensity, T)).toThrow(/stranger/);
    expect(intensity.history()).toEqual([]);
  });
});
