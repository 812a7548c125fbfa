import type { ResolvedGroup } from "../../config/ResolvedConfig.js";
import type { GroupMember } from "./GroupMember.js";
import { GroupSupervisor, supervisesGroup, type TreeHost } from "./GroupSupervisor.js";

/**
 * Make the {@link GroupSupervisor}s of a supervision tree and join its agents
 * to them. `members` are the agents in start order (each carries its own
 * group, whose `path` places it). Only the top-level trees in which some
 * group has a strategy or an intensity get supervisors (with all their
 * groups, so a failed group has a parent to report to); each agent joins its
 * group's supervisor only when that group itself has a strategy or an
 * intensity. For today's configurations (every group one_for_one, no
 * intensity) the result is empty and no agent is touched.
 *
 * @returns the supervisors by group name (for `orch.group(name)`).
 * @throws Error when a path names a group missing from `groups` (configuration refuses that first).
 */
export function supervisionTree(groups: Readonly<Record<string, ResolvedGroup>>, members: readonly GroupMember[], host: TreeHost): ReadonlyMap<string, GroupSupervisor> {
  const groupOf = (name: string): ResolvedGroup => {
    const group = groups[name];
    if (group === undefined) throw new Error(`Group "${name}" is on an agent's path but not among the groups.`);
    return group;
  };
  const supervised = new Set<string>();
  for (const member of members) {
    const path = member.group.path;
    if (path.some((name) => supervisesGroup(groupOf(name)))) supervised.add(path[0] ?? "");
  }
  const made = new Map<string, GroupSupervisor>();
  if (supervised.size === 0) return made;
  for (const member of members) {
    const path = member.group.path;
    if (!supervised.has(path[0] ?? "")) continue;
    let parent: GroupSupervisor | undefined;
    for (const name of path) {
      let supervisor = made.get(name);
      if (supervisor === undefined) {
        supervisor = new GroupSupervisor(groupOf(name), host, parent);
        made.set(name, supervisor);
      }
      parent = supervisor;
    }
    if (parent === undefined) continue;
    parent.add(member);
    if (supervisesGroup(member.group)) member.joinGroup(parent);
  }
  return made;
}
