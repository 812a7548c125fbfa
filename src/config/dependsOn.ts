/**
 * `agents.<name>.dependsOn`: the agents one agent needs running before it
 * starts. What the configuration alone can tell is checked here (names, an
 * agent depending on itself, cycles; a name listed twice is refused by the
 * list's shape); whether each named agent exists needs the agents registered
 * in code too, so `resolveConfig` checks that.
 */
import { checkName } from "./agentName.js";
import type { ConfigChecker } from "./ConfigChecker.js";
import { childPath } from "./keyPath.js";

/** What {@link checkDependencies} reads of an agent's entry. */
export interface AgentDependencies {
  /** The agents it depends on, in the order written. */
  readonly dependsOn?: readonly string[] | undefined;
}

/** The key path of item `index` of `agent`'s `dependsOn`: `agents.mm.dependsOn[1]`. */
export function dependencyPath(agent: string, index: number): string {
  return childPath(childPath(childPath("agents", agent), "dependsOn"), index);
}

/**
 * Check the dependencies of `agents` (the entries of `agents:`, in their
 * order): each item is a valid agent name and not the agent itself, and no
 * agent depends on itself through others. A cycle is named in order from its
 * agent that comes first in `agents` (`a → b → c → a`) and positioned at that
 * agent's item naming the next one. Throws a positioned {@link ConfigError}
 * through `checker` at the first problem.
 *
 * @example
 * ```ts
 * checkDependencies(checker, { mm: { dependsOn: ["feed"] }, feed: {} }); // fine
 * checkDependencies(checker, { a: { dependsOn: ["b"] }, b: { dependsOn: ["a"] } }); // throws: a → b → a
 * ```
 */
export function checkDependencies(checker: ConfigChecker, agents: Readonly<Record<string, AgentDependencies>>): void {
  for (const [agent, { dependsOn = [] }] of Object.entries(agents)) {
    dependsOn.forEach((dependency, index) => {
      const path = dependencyPath(agent, index);
      checkName(checker, dependency, path, "agent", "value");
      if (dependency === agent) {
        checker.fail(path, `agent ${JSON.stringify(agent)} depends on itself; expected the names of other agents, which start before it`, { value: dependency });
      }
    });
  }
  const cycle = findCycle(agents);
  if (cycle === undefined) return;
  const [first, next] = cycle as [string, string];
  const index = (agents[first]?.dependsOn ?? []).indexOf(next);
  checker.fail(
    dependencyPath(first, index),
    `agents depend on each other in a cycle: ${cycle.join(" → ")}; expected dependencies without a cycle, so that each agent can start after those it depends on`,
    { value: next },
  );
}

const UNSEEN = 0;
const OPEN = 1;
const DONE = 2;

/**
 * A cycle of dependencies as the agents along it, the first repeated at the
 * end (`["a", "b", "a"]`), rotated to start at its agent that comes first in
 * `agents`; `undefined` when there is none. Names without an entry have no
 * dependencies. A depth-first search with its own stack (no recursion, so a
 * long chain cannot overflow the call stack).
 */
export function findCycle(agents: Readonly<Record<string, AgentDependencies>>): readonly string[] | undefined {
  const names = Object.keys(agents);
  const order = new Map(names.map((name, index) => [name, index]));
  const state = new Map<string, number>();
  for (const root of names) {
    if ((state.get(root) ?? UNSEEN) !== UNSEEN) continue;
    const stack: Array<{ readonly name: string; next: number }> = [{ name: root, next: 0 }];
    state.set(root, OPEN);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { readonly name: string; next: number };
      const dependencies = agents[frame.name]?.dependsOn ?? [];
      if (frame.next >= dependencies.length) {
        state.set(frame.name, DONE);
        stack.pop();
        continue;
      }
      const dependency = dependencies[frame.next++] as string;
      if (!order.has(dependency)) continue;
      const seen = state.get(dependency) ?? UNSEEN;
      if (seen === OPEN) {
        const from = stack.findIndex((open) => open.name === dependency);
        return rotate(stack.slice(from).map((open) => open.name), order);
      }
      if (seen === UNSEEN) {
        state.set(dependency, OPEN);
        stack.push({ name: dependency, next: 0 });
      }
    }
  }
  return undefined;
}

/** `cycle` (each depending on the next, the last on the first) from its earliest agent, that agent repeated at the end. */
function rotate(cycle: readonly string[], order: ReadonlyMap<string, number>): readonly string[] {
  let start = 0;
  cycle.forEach((name, index) => {
    if ((order.get(name) as number) < (order.get(cycle[start] as string) as number)) start = index;
  });
  const named = [...cycle.slice(start), ...cycle.slice(0, start)];
  return [...named, named[0] as string];
}
