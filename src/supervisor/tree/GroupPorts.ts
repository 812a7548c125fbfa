import type { GroupStrategy } from "../../config/ResolvedConfig.js";

/**
 * A child of a supervising group, as the tree's pure logic sees it: an agent
 * or a group (a failed child group is restarted or counted by its parent as
 * one child).
 */
export interface TreeChild {
  readonly kind: "agent" | "group";
  readonly name: string;
}

/** An agent as start ordering sees it: its name and the agents it depends on (registration order is the array's order). */
export interface OrderedAgent {
  readonly name: string;
  readonly dependsOn?: readonly string[];
}

/**
 * What a group does about a crash of one of its children that the child's own
 * policy would restart: restart the children in `restart` (the crashed one
 * included; stopped in reverse of this order, started in this order once the
 * crashed child's back-off ends), or fail as a whole (over its intensity).
 */
export type GroupVerdict = { readonly kind: "restart"; readonly restart: readonly TreeChild[] } | { readonly kind: "fail"; readonly restarts: number };

/** A child's key in {@link GroupDecisionInput.idle}: its kind and name, so an agent and a child group of the same name stay apart. */
export function treeKey(child: TreeChild): string {
  return `${child.kind}:${child.name}`;
}

/** The pure inputs of a group's decision (its intensity is the `GroupIntensity` the decision records in). */
export interface GroupDecisionInput {
  readonly strategy: GroupStrategy;
  /** The group's children in start order (agents by the start order, a child group at the position of its first agent). */
  readonly children: readonly TreeChild[];
  /** The child that crashed (or failed, for a child group). */
  readonly crashed: TreeChild;
  /** The keys ({@link treeKey}) of the children that take no part in a restart (disabled, failed, or not started yet): a set, or anything that answers `has` (asked only about the children a strategy may restart). */
  readonly idle: Pick<ReadonlySet<string>, "has">;
  /** Where `crashed` is in `children`, when the caller knows (spares a search); ignored when it does not match. */
  readonly position?: number;
}
