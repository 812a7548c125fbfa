/**
 * `agents.<name>.dependsOn`: the agents one agent needs running before it
 * starts. What the configuration alone can tell is checked here (names, an
 * agent depending on itself, cycles; a name listed twice is refused by the
 * list's shape); whether each named agent exists needs the agents registered
 * in code too, so `resolveConfig` checks that.
 */
import { checkName } from "./agentName.js";
import type { ConfigChecker } from "./ConfigChecker.js";
import { cycleText } from "./cycleText.js";
import { childPath } from "./keyPath.js";
import { dependencyCycle } from "../supervisor/tree/startOrder.js";

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
  const cycle = dependencyCycle(Object.entries(agents).map(([name, { dependsOn = [] }]) => ({ name, dependsOn })));
  if (cycle === undefined) return;
  const [first, next] = cycle as [string, string];
  const index = (agents[first]?.dependsOn ?? []).indexOf(next);
  checker.fail(
    dependencyPath(first, index),
    `agents depend on each other in a cycle: ${cycleText(cycle.slice(0, -1))}; expected dependencies without a cycle, so that each agent can start after those it depends on`,
    { value: next },
  );
}

