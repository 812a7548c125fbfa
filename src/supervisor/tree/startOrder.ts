import { cycleText } from "../../config/cycleText.js";
import type { OrderedAgent } from "./GroupPorts.js";

/**
 * The order agents start in: every agent after the agents it depends on, ties
 * broken by registration order (the array's order), so agents without
 * `dependsOn` keep the order they were given. Kahn's algorithm taking the
 * smallest registration index first: O((n + e) log n).
 *
 * Dependencies on names not in `agents` are ignored (configuration refuses
 * them earlier). Names are assumed unique (configuration refuses duplicates).
 * Stop order is the reverse of the result.
 *
 * @throws Error naming one cycle when the dependencies form one — a
 * programming error, since configuration refuses cycles first (see
 * {@link dependencyCycle}).
 *
 * @example
 * startOrder([{ name: "api", dependsOn: ["db"] }, { name: "db" }, { name: "cache" }]);
 * // → ["db", "api", "cache"]
 */
export function startOrder(agents: readonly OrderedAgent[]): string[] {
  const graph = buildGraph(agents);
  const remaining = graph.dependencyCounts.slice();
  const ready = new IndexHeap();
  remaining.forEach((count, index) => {
    if (count === 0) ready.push(index);
  });
  const order: string[] = [];
  for (let index = ready.pop(); index !== undefined; index = ready.pop()) {
    order.push(nameAt(agents, index));
    for (const dependent of graph.dependents[index] ?? []) {
      const left = (remaining[dependent] ?? 0) - 1;
      remaining[dependent] = left;
      if (left === 0) ready.push(dependent);
    }
  }
  if (order.length < agents.length) {
    const cycle = dependencyCycle(agents) ?? [];
    throw new Error(`Agents depend on each other in a cycle: ${cycleText(cycle.slice(0, -1))}; start order is undefined.`);
  }
  return order;
}

/**
 * One dependency cycle among `agents`, in dependency order with its first
 * agent repeated at the end (`["a", "b", "a"]`: `a` depends on `b`, which
 * depends on `a`; a self-dependency is `["a", "a"]`), or `undefined` when
 * there is none. The search starts from agents in registration order, so the
 * cycle reported is the one reached first from the earliest agent; it is
 * named from its own earliest-registered agent (configuration reports it
 * there, at that agent's `dependsOn`).
 * Dependencies on unknown names are ignored. Iterative: deep chains do not
 * overflow the call stack.
 *
 * @example
 * dependencyCycle([{ name: "a", dependsOn: ["b"] }, { name: "b", dependsOn: ["a"] }]); // → ["a", "b", "a"]
 */
export function dependencyCycle(agents: readonly OrderedAgent[]): readonly string[] | undefined {
  const { dependencies } = buildGraph(agents);
  // 0: not visited, 1: on the current path, 2: done (no cycle through it)
  const state = new Uint8Array(agents.length);
  for (let root = 0; root < agents.length; root++) {
    if (state[root] !== 0) continue;
    const path: number[] = [root];
    const next: number[] = [0]; // for each agent on the path, the index of its next dependency to visit
    state[root] = 1;
    while (path.length > 0) {
      const top = path.length - 1;
      const current = path[top] ?? 0;
      const deps = dependencies[current] ?? [];
      const position = next[top] ?? 0;
      if (position >= deps.length) {
        state[current] = 2;
        path.pop();
        next.pop();
        continue;
      }
      next[top] = position + 1;
      const dependency = deps[position] ?? 0;
      if (state[dependency] === 1) {
        // from its earliest-registered agent, whichever agent the search entered it by
        const cycle = path.slice(path.indexOf(dependency));
        const start = cycle.indexOf(cycle.reduce((min, index) => Math.min(min, index)));
        const named = [...cycle.slice(start), ...cycle.slice(0, start)].map((index) => nameAt(agents, index));
        return [...named, named[0] as string];
      }
      if (state[dependency] === 0) {
        state[dependency] = 1;
        path.push(dependency);
        next.push(0);
      }
    }
  }
  return undefined;
}

/** The dependency graph by registration index. */
interface DependencyGraph {
  /** For each agent, the indices of the known agents it depends on. */
  readonly dependencies: readonly (readonly number[])[];
  /** For each agent, the indices of the agents that depend on it. */
  readonly dependents: readonly (readonly number[])[];
  /** For each agent, how many known dependencies it has. */
  readonly dependencyCounts: readonly number[];
}

function buildGraph(agents: readonly OrderedAgent[]): DependencyGraph {
  const indexOf = new Map<string, number>();
  agents.forEach((agent, index) => {
    if (!indexOf.has(agent.name)) indexOf.set(agent.name, index);
  });
  const dependencies: number[][] = [];
  const dependents: number[][] = agents.map(() => []);
  const dependencyCounts: number[] = [];
  agents.forEach((agent, index) => {
    const known: number[] = [];
    for (const name of new Set(agent.dependsOn ?? [])) {
      const dependency = indexOf.get(name);
      if (dependency === undefined) continue;
      known.push(dependency);
      dependents[dependency]?.push(index);
    }
    dependencies.push(known);
    dependencyCounts.push(known.length);
  });
  return { dependencies, dependents, dependencyCounts };
}

function nameAt(agents: readonly OrderedAgent[], index: number): string {
  return agents[index]?.name ?? "";
}

/** A binary min-heap of registration indices. */
class IndexHeap {
  readonly #items: number[] = [];

  push(value: number): void {
    const items = this.#items;
    let at = items.push(value) - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const above = items[parent] ?? 0;
      if (above <= value) break;
      items[at] = above;
      at = parent;
    }
    items[at] = value;
  }

  pop(): number | undefined {
    const items = this.#items;
    const smallest = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return smallest;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const leftValue = items[left] ?? 0;
      const child = right < items.length && (items[right] ?? 0) < leftValue ? right : left;
      const childValue = items[child] ?? 0;
      if (childValue >= last) break;
      items[at] = childValue;
      at = child;
    }
    items[at] = last;
    return smallest;
  }
}
