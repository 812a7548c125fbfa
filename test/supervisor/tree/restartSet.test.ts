import { describe, expect, test } from "vitest";
import type { GroupStrategy } from "../../../src/config/ResolvedConfig.js";
import { treeKey, type TreeChild } from "../../../src/supervisor/tree/GroupPorts.js";
import { restartSet } from "../../../src/supervisor/tree/restartSet.js";

const agent = (name: string): TreeChild => ({ kind: "agent", name });
const group = (name: string): TreeChild => ({ kind: "group", name });

/** Five children in start order; `sub` is a child group between the agents. */
const CHILDREN: readonly TreeChild[] = [agent("a"), agent("b"), group("sub"), agent("d"), agent("e")];

interface Row {
  readonly strategy: GroupStrategy;
  readonly crashed: TreeChild;
  readonly idle?: readonly string[];
  readonly restart: readonly string[];
}

const rows: Record<string, Row> = {
  // ---- one_for_one: the crashed child alone
  "one_for_one, crash at the start: the crashed child alone": { strategy: "one_for_one", crashed: agent("a"), restart: ["a"] },
  "one_for_one, crash in the middle: the crashed child alone": { strategy: "one_for_one", crashed: agent("d"), restart: ["d"] },
  "one_for_one, crash at the end: the crashed child alone": { strategy: "one_for_one", crashed: agent("e"), restart: ["e"] },
  "one_for_one, a failed child group: that group alone": { strategy: "one_for_one", crashed: group("sub"), restart: ["sub"] },
  "one_for_one, the crashed child listed idle: still restarted": { strategy: "one_for_one", crashed: agent("b"), idle: ["b"], restart: ["b"] },
  // ---- one_for_all: every child not idle, and the crashed one
  "one_for_all, crash at the start: every child": { strategy: "one_for_all", crashed: agent("a"), restart: ["a", "b", "sub", "d", "e"] },
  "one_for_all, crash in the middle: every child": { strategy: "one_for_all", crashed: agent("d"), restart: ["a", "b", "sub", "d", "e"] },
  "one_for_all, crash at the end: every child": { strategy: "one_for_all", crashed: agent("e"), restart: ["a", "b", "sub", "d", "e"] },
  "one_for_all, idle children left out, before and after the crash": { strategy: "one_for_all", crashed: agent("d"), idle: ["a", "e"], restart: ["b", "sub", "d"] },
  "one_for_all, an idle child group left out": { strategy: "one_for_all", crashed: agent("a"), idle: ["sub"], restart: ["a", "b", "d", "e"] },
  "one_for_all, a failed child group restarts its siblings too": { strategy: "one_for_all", crashed: group("sub"), idle: ["b"], restart: ["a", "sub", "d", "e"] },
  "one_for_all, the crashed child listed idle: still restarted, in its place": { strategy: "one_for_all", crashed: agent("b"), idle: ["b", "d"], restart: ["a", "b", "sub", "e"] },
  "one_for_all, every other child idle: the crashed child alone": { strategy: "one_for_all", crashed: agent("e"), idle: ["a", "b", "sub", "d"], restart: ["e"] },
  // ---- rest_for_one: the crashed child and every non-idle child after it
  "rest_for_one, crash at the start: every child": { strategy: "rest_for_one", crashed: agent("a"), restart: ["a", "b", "sub", "d", "e"] },
  "rest_for_one, crash in the middle: it and the children after it": { strategy: "rest_for_one", crashed: agent("b"), restart: ["b", "sub", "d", "e"] },
  "rest_for_one, crash at the end: the crashed child alone": { strategy: "rest_for_one", crashed: agent("e"), restart: ["e"] },
  "rest_for_one, idle children after the crash left out, idle ones before it irrelevant": { strategy: "rest_for_one", crashed: agent("b"), idle: ["a", "d"], restart: ["b", "sub", "e"] },
  "rest_for_one, a failed child group restarts the children after it": { strategy: "rest_for_one", crashed: group("sub"), restart: ["sub", "d", "e"] },
  "rest_for_one, the crashed child listed idle: still restarted": { strategy: "rest_for_one", crashed: agent("d"), idle: ["d"], restart: ["d", "e"] },
};

describe("restartSet", () => {
  test.each(Object.entries(rows))("%s", (_what, row) => {
    const idle = new Set(CHILDREN.filter((child) => row.idle?.includes(child.name) === true).map(treeKey));
    const result = restartSet({ strategy: row.strategy, children: CHILDREN, crashed: row.crashed, idle });
    expect(result.map((child) => child.name)).toEqual(row.restart);
    // the entries are the group's own children, kinds kept
    for (const child of result) expect(CHILDREN).toContain(child);
  });

  test("an agent and a child group of the same name are told apart by kind", () => {
    const children = [agent("x"), group("x"), agent("y")];
    const result = restartSet({ strategy: "rest_for_one", children, crashed: group("x"), idle: new Set() });
    expect(result).toEqual([group("x"), agent("y")]);
  });

  test("an idle agent does not leave out a running child group of the same name, nor the other way round", () => {
    const children = [agent("feed"), group("feed"), agent("mm")];
    expect(restartSet({ strategy: "one_for_all", children, crashed: agent("mm"), idle: new Set([treeKey(agent("feed"))]) })).toEqual([group("feed"), agent("mm")]);
    expect(restartSet({ strategy: "one_for_all", children, crashed: agent("mm"), idle: new Set([treeKey(group("feed"))]) })).toEqual([agent("feed"), agent("mm")]);
  });

  test.each<GroupStrategy>(["one_for_one", "one_for_all", "rest_for_one"])("%s: a crashed child outside the group is an Error naming it", (strategy) => {
    expect(() => restartSet({ strategy, children: CHILDREN, crashed: agent("stranger"), idle: new Set() })).toThrow(/agent "stranger" is not a child/);
    expect(() => restartSet({ strategy, children: CHILDREN, crashed: agent("sub"), idle: new Set() })).toThrow(/agent "sub" is not a child/);
  });
});
