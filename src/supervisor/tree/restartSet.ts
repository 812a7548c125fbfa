import { treeKey, type GroupDecisionInput, type TreeChild } from "./GroupPorts.js";

/**
 * The children a restart of `input.crashed` involves, in start order
 * (`input.children`'s order; stop them in reverse, start them in this order):
 * - `one_for_one`: the crashed child alone;
 * - `one_for_all`: every child not in `idle`, and the crashed one;
 * - `rest_for_one`: the crashed child and every child after it not in `idle`.
 *
 * The crashed child is always included, even when listed in `idle`. Children
 * are matched by kind and name (an agent and a group may share a name);
 * `idle` holds names. The returned entries are those of `children`.
 *
 * @throws Error when `crashed` is not among `children` — a programming error.
 *
 * @example
 * restartSet({
 *   strategy: "rest_for_one",
 *   children: [agent("db"), agent("api"), agent("web")],
 *   crashed: agent("api"),
 *   idle: new Set(["web"]),
 * }); // → [agent("api")]
 */
export function restartSet(input: GroupDecisionInput): readonly TreeChild[] {
  const { children, crashed, idle } = input;
  const hint = input.position;
  const position = hint !== undefined && children[hint] !== undefined && sameChild(children[hint], crashed) ? hint : children.findIndex((child) => sameChild(child, crashed));
  const found = children[position];
  if (found === undefined) {
    throw new Error(`The crashed ${crashed.kind} "${crashed.name}" is not a child of the group (children: ${children.map((child) => child.name).join(", ") || "none"}).`);
  }
  switch (input.strategy) {
    case "one_for_one":
      return [found];
    case "one_for_all":
      return children.filter((child, index) => index === position || !idle.has(treeKey(child)));
    case "rest_for_one":
      return children.filter((child, index) => index === position || (index > position && !idle.has(treeKey(child))));
  }
}

function sameChild(a: TreeChild, b: TreeChild): boolean {
  return a.kind === b.kind && a.name === b.name;
}
