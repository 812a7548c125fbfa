import { describe, expect, test } from "vitest";
import type { OrderedAgent } from "../../../src/supervisor/tree/GroupPorts.js";
import { dependencyCycle, startOrder } from "../../../src/supervisor/tree/startOrder.js";

/** An agent named `name`, depending on `dependsOn` (none when empty). */
const a = (name: string, ...dependsOn: string[]): OrderedAgent => (dependsOn.length === 0 ? { name } : { name, dependsOn });

/** The reference: repeatedly take the first agent in registration order whose dependencies have all started (O(n²)). */
function scanOrder(agents: readonly OrderedAgent[]): string[] {
  const started = new Set<string>();
  const order: string[] = [];
  while (order.length < agents.length) {
    const next = agents.find((agent) => !started.has(agent.name) && (agent.dependsOn ?? []).every((name) => started.has(name)));
    if (next === undefined) throw new Error("the reference found a cycle");
    started.add(next.name);
    order.push(next.name);
  }
  return order;
}

const NONE: readonly string[] = [];

/** `agents` behind a counter of every read of an item of the array and of an agent's `name` or `dependsOn`. */
function counted(agents: readonly OrderedAgent[]): { agents: readonly OrderedAgent[]; reads: () => number } {
  let reads = 0;
  const items = agents.map((agent) => ({
    get name(): string {
      reads++;
      return agent.name;
    },
    get dependsOn(): readonly string[] {
      reads++;
      return agent.dependsOn ?? NONE;
    },
  }));
  const proxy = new Proxy(items, {
    get(target, key, receiver) {
      if (typeof key === "string" && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { agents: proxy, reads: () => reads };
}

/** How many times more reads `order` makes of `4n` agents than of `n` (made by `make`). */
function readGrowth(order: (agents: readonly OrderedAgent[]) => string[], make: (n: number) => OrderedAgent[], n: number): number {
  const reads = (size: number): number => {
    const input = counted(make(size));
    expect(order(input.agents)).toHaveLength(size);
    return input.reads();
  };
  return reads(4 * n) / reads(n);
}

describe("startOrder", () => {
  test.each<[string, OrderedAgent[], string[]]>([
    ["no agents give an empty order", [], []],
    ["without dependencies the order is the registration order", [a("c"), a("a"), a("b")], ["c", "a", "b"]],
    ["an agent starts after the one it depends on", [a("api", "db"), a("db")], ["db", "api"]],
    ["a chain registered backwards starts from its end", [a("c", "b"), a("b", "a"), a("a")], ["a", "b", "c"]],
    ["a diamond starts its root, both middles in registration order, then the join", [a("top", "left", "right"), a("right", "root"), a("left", "root"), a("root")], ["root", "right", "left", "top"]],
    ["an agent freed by a later one waits behind earlier ready ones", [a("x"), a("late", "z"), a("y"), a("z")], ["x", "y", "z", "late"]],
    ["a freed agent goes before later registered ready ones", [a("z"), a("b", "z"), a("c"), a("d")], ["z", "b", "c", "d"]],
    ["registration order breaks ties among agents freed together", [a("root"), a("m2", "root"), a("m1", "root")], ["root", "m2", "m1"]],
    ["dependencies on unknown agents are ignored", [a("b", "ghost"), a("a", "ghost", "b")], ["b", "a"]],
    ["a dependency listed twice counts once", [a("b", "a", "a"), a("a")], ["a", "b"]],
    ["independent chains interleave by registration index", [a("a2", "a1"), a("b1"), a("a1"), a("b2", "b1")], ["b1", "a1", "a2", "b2"]],
  ])("%s", (_what, agents, expected) => {
    expect(startOrder(agents)).toEqual(expected);
  });

  test("every agent comes after all its dependencies in a larger random graph, in the order a plain scan gives", () => {
    // a deterministic pseudo-random DAG: each agent depends on a few agents of lower number, registered shuffled
    let seed = 7;
    const random = (below: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % below;
    };
    const agents: OrderedAgent[] = Array.from({ length: 300 }, (_, index) => ({
      name: `n${index}`,
      dependsOn: index === 0 ? [] : Array.from({ length: random(4) }, () => `n${random(index)}`),
    }));
    for (let index = agents.length - 1; index > 0; index--) {
      const other = random(index + 1);
      [agents[index], agents[other]] = [agents[other] as OrderedAgent, agents[index] as OrderedAgent];
    }
    const order = startOrder(agents);
    expect([...order].sort()).toEqual(agents.map((agent) => agent.name).sort());
    const position = new Map(order.map((name, index) => [name, index]));
    for (const agent of agents) {
      for (const dependency of agent.dependsOn ?? []) expect(position.get(dependency)).toBeLessThan(position.get(agent.name) ?? -1);
    }
    expect(order).toEqual(scanOrder(agents));
  });

  test("10,000 agents without dependencies keep their order", () => {
    const agents = Array.from({ length: 10_000 }, (_, index) => a(`agent-${(index * 7_919) % 10_000}`));
    expect(startOrder(agents)).toEqual(agents.map((agent) => agent.name));
  });

  // Work measured as reads of the input, not as time: the same on an idle machine and a loaded one.
  // Four times the agents must cost about four times the reads; a quadratic scan costs sixteen.
  test.each<[string, (n: number) => OrderedAgent[]]>([
    ["independent agents", (n) => Array.from({ length: n }, (_, index) => a(`agent-${(index * 7_919) % n}`))],
    ["a chain registered backwards", (n) => Array.from({ length: n }, (_, index) => (index === n - 1 ? a("n0") : a(`n${n - 1 - index}`, `n${n - 2 - index}`)))],
  ])("%s: reads of its input grow linearly with the number of agents", (_what, make) => {
    const growth = readGrowth(startOrder, make, 10_000);
    expect(growth).toBeGreaterThanOrEqual(3.5);
    expect(growth).toBeLessThan(6);
  });

  test("the read count catches a quadratic order: the plain scan's reads grow about sixteenfold", () => {
    const independent = (n: number): OrderedAgent[] => Array.from({ length: n }, (_, index) => a(`agent-${index}`));
    expect(readGrowth(scanOrder, independent, 250)).toBeGreaterThan(10);
  });

  test("a chain of 10,000 agents registered backwards starts from its end", () => {
    const agents = Array.from({ length: 10_000 }, (_, index) => (index === 9_999 ? a("n0") : a(`n${9_999 - index}`, `n${9_998 - index}`)));
    const order = startOrder(agents);
    expect(order).toEqual(Array.from({ length: 10_000 }, (_, index) => `n${index}`));
    expect(dependencyCycle(agents)).toBeUndefined();
  });

  test.each<[string, OrderedAgent[], string]>([
    ["a self-dependency", [a("a", "a")], "a → a"],
    ["a two-agent cycle", [a("x"), a("a", "b"), a("b", "a")], "a → b → a"],
    ["a cycle behind a free agent", [a("free"), a("head", "c1"), a("c1", "c2"), a("c2", "c3"), a("c3", "c1")], "c1 → c2 → c3 → c1"],
  ])("%s throws an Error naming the cycle", (_what, agents, named) => {
    expect(() => startOrder(agents)).toThrow(Error);
    expect(() => startOrder(agents)).toThrow(named);
  });

  test("a cycle of 5,000 agents is named by its first 10, the rest counted", () => {
    const agents = Array.from({ length: 5_000 }, (_, index) => a(`n${index}`, `n${(index + 1) % 5_000}`));
    expect(() => startOrder(agents)).toThrow("in a cycle: n0 → n1 → n2 → n3 → n4 → n5 → n6 → n7 → n8 → n9 → … and 4990 more → n0; start order is undefined.");
  });
});

describe("dependencyCycle", () => {
  test.each<[string, OrderedAgent[], readonly string[] | undefined]>([
    ["no agents, no cycle", [], undefined],
    ["independent agents, no cycle", [a("a"), a("b")], undefined],
    ["a diamond is no cycle", [a("top", "l", "r"), a("l", "root"), a("r", "root"), a("root")], undefined],
    ["a dependency on an unknown agent is no cycle", [a("a", "ghost")], undefined],
    ["a self-dependency", [a("a", "a")], ["a", "a"]],
    ["two agents depending on each other", [a("a", "b"), a("b", "a")], ["a", "b", "a"]],
    ["the cycle starts at its earliest-registered agent", [a("b", "a"), a("a", "b")], ["b", "a", "b"]],
    ["… also when the search enters it through a later agent", [a("x", "c"), a("b", "c"), a("c", "b")], ["b", "c", "b"]],
    ["a longer cycle, in dependency order", [a("a", "b"), a("b", "c"), a("c", "d"), a("d", "b")], ["b", "c", "d", "b"]],
    ["a cycle reached through an agent outside it leaves that agent out", [a("entry", "p"), a("p", "q"), a("q", "p")], ["p", "q", "p"]],
    ["a cycle after acyclic agents is still found", [a("a"), a("b", "a"), a("c", "d"), a("d", "e"), a("e", "c")], ["c", "d", "e", "c"]],
  ])("%s", (_what, agents, expected) => {
    expect(dependencyCycle(agents)).toEqual(expected);
  });

  test("a cycle closed at the end of a 10,000-agent chain is found without overflowing the stack", () => {
    const agents = Array.from({ length: 10_000 }, (_, index) => a(`n${index}`, `n${(index + 1) % 10_000}`));
    const cycle = dependencyCycle(agents);
    expect(cycle?.length).toBe(10_001);
    expect(cycle?.[0]).toBe("n0");
    expect(cycle?.at(-1)).toBe("n0");
  });
});
