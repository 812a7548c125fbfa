/**
 * The tree of groups: each group's `parent` names another group (or none, for
 * a top-level group), and every chain of parents ends at a top-level group
 * within {@link MAX_GROUP_DEPTH} levels. Checked here, from what the file (or
 * the object) says alone, before anything starts.
 */
import { describeValue } from "../check.js";
import type { ConfigChecker } from "./ConfigChecker.js";
import { cycleText } from "./cycleText.js";
import { BUILTIN_GROUP_NAMES } from "./defaults.js";
import { didYouMean } from "./didYouMean.js";
import { childPath } from "./keyPath.js";
import { MAX_GROUP_DEPTH } from "./ResolvedConfig.js";

/** What {@link groupPaths} reads of a group: the group it belongs to, if any. */
export interface GroupParent {
  /** The parent group's name; absent for a top-level group. */
  readonly parent?: string | undefined;
}

/**
 * What a group name must be, for error messages: a built-in group or one of
 * `groups:` (those of `groups`, the built-ins aside, are listed).
 */
export function groupExpectation(groups: Readonly<Record<string, unknown>>): string {
  const defined = Object.keys(groups).filter((name) => !(BUILTIN_GROUP_NAMES as readonly string[]).includes(name));
  const list = defined.length === 0 ? "" : ` (defined: ${defined.join(", ")})`;
  return `expected a built-in group (${BUILTIN_GROUP_NAMES.join(", ")}) or a group defined under groups:${list}`;
}

/**
 * Each group's path in the tree: the group names from its top-level group down
 * to itself (`["desk", "trading"]`), frozen. Throws a positioned
 * {@link ConfigError} through `checker`, at `groups.<name>.parent`, for a
 * parent that is not a group (with a suggestion when one is close), for a
 * cycle of parents (named in order, from the cycle's group that comes first in
 * `groups`: `desk → trading → desk`), and for a group more than
 * {@link MAX_GROUP_DEPTH} levels deep. Groups are visited in the order of
 * `groups` (the built-ins first), so the first problem in that order is the
 * one reported.
 *
 * @example
 * ```ts
 * groupPaths(checker, { data: {}, desk: {}, trading: { parent: "desk" } }).get("trading"); // ["desk", "trading"]
 * ```
 */
export function groupPaths(checker: ConfigChecker, groups: Readonly<Record<string, GroupParent>>): ReadonlyMap<string, readonly string[]> {
  const names = Object.keys(groups);
  for (const name of names) {
    const { parent } = groups[name] as GroupParent;
    if (parent === undefined || Object.hasOwn(groups, parent)) continue;
    // never the group itself: a suggestion of its own name would be a cycle
    const others = names.filter((other) => other !== name);
    checker.fail(parentKey(name), `unknown parent group ${describeValue(parent)}${didYouMean(parent, others)}; ${groupExpectation(groups)}`, { value: parent });
  }
  const order = new Map(names.map((name, index) => [name, index]));
  const paths = new Map<string, readonly string[]>();
  for (const name of names) {
    // climb to the first group whose path is known, or past the top
    const chain: string[] = [];
    const onChain = new Set<string>();
    let current: string | undefined = name;
    while (current !== undefined && !paths.has(current)) {
      if (onChain.has(current)) failCycle(checker, groups, chain.slice(chain.indexOf(current)), order);
      onChain.add(current);
      chain.push(current);
      current = (groups[current] as GroupParent).parent;
    }
    let above: readonly string[] = current === undefined ? [] : (paths.get(current) as readonly string[]);
    for (let index = chain.length - 1; index >= 0; index--) {
      const group = chain[index] as string;
      const path = Object.freeze([...above, group]);
      if (path.length > MAX_GROUP_DEPTH) {
        checker.fail(
          parentKey(group),
          `group ${JSON.stringify(group)} is ${path.length} levels deep (${path.join(" → ")}); expected at most ${MAX_GROUP_DEPTH} levels, a top-level group being level 1`,
          { value: groups[group]?.parent },
        );
      }
      paths.set(group, path);
      above = path;
    }
  }
  return paths;
}

/** Throw for a cycle of parents, `cycle[i]`'s parent being `cycle[i + 1]` (and the last one's, the first), named from its earliest group. */
function failCycle(checker: ConfigChecker, groups: Readonly<Record<string, GroupParent>>, cycle: readonly string[], order: ReadonlyMap<string, number>): never {
  let start = 0;
  cycle.forEach((name, index) => {
    if ((order.get(name) as number) < (order.get(cycle[start] as string) as number)) start = index;
  });
  const named = [...cycle.slice(start), ...cycle.slice(0, start)];
  const first = named[0] as string;
  checker.fail(
    parentKey(first),
    `the groups' parents form a cycle: ${cycleText(named)}; expected every chain of parents to end at a top-level group (one without "parent")`,
    { value: groups[first]?.parent },
  );
}

function parentKey(group: string): string {
  return childPath(childPath("groups", group), "parent");
}
