import { SINGLE_WILDCARD, TAIL_WILDCARD } from "./topic.js";

class TrieNode<T> {
  /** Children reached by a literal token (made with the first). */
  literal: Map<string, TrieNode<T>> | undefined = undefined;
  /** Child reached by `*`. */
  single: TrieNode<T> | undefined = undefined;
  /** Values whose pattern ends here (made with the first, at its exact length). */
  exact: T[] | undefined = undefined;
  /** Values whose pattern ends here with a final `>` (made with the first). */
  tail: T[] | undefined = undefined;

  get empty(): boolean {
    return this.exact === undefined && this.tail === undefined && this.single === undefined && (this.literal === undefined || this.literal.size === 0);
  }
}

/**
 * An index of subscription patterns by token: each node has a map of literal
 * children, a `*` child and the values of patterns ending in `>` there. Matching
 * a topic walks only the branches the topic can take, so its cost depends on
 * the topic's depth and on the patterns that can match it, never on patterns
 * of unrelated topics.
 *
 * Patterns are given as validated tokens (see `validatePattern`, `validateTopic`).
 */
export class TopicTrie<T> {
  readonly #root = new TrieNode<T>();
  #size = 0;

  /** Number of values stored. */
  get size(): number {
    return this.#size;
  }

  /** Store `value` under the pattern made of `tokens`. */
  add(tokens: readonly string[], value: T): void {
    let node = this.#root;
    const last = tokens.length - 1;
    for (let i = 0; i <= last; i++) {
      const token = tokens[i] as string;
      if (token === TAIL_WILDCARD && i === last) {
        node.tail = appended(node.tail, value);
        this.#size++;
        return;
      }
      if (token === SINGLE_WILDCARD) {
        node.single ??= new TrieNode<T>();
        node = node.single;
        continue;
      }
      node.literal ??= new Map();
      let child = node.literal.get(token);
      if (child === undefined) {
        child = new TrieNode<T>();
        node.literal.set(token, child);
      }
      node = child;
    }
    node.exact = appended(node.exact, value);
    this.#size++;
  }

  /** Remove `value` stored under `tokens`; prunes emptied branches. Returns whether it was there. */
  remove(tokens: readonly string[], value: T): boolean {
    const removed = removeFrom(this.#root, tokens, 0, value);
    if (removed) this.#size--;
    return removed;
  }

  /** Every value whose pattern matches the topic made of `tokens`, appended to `out`. */
  match(tokens: readonly string[], out: T[] = []): T[] {
    collect(this.#root, tokens, 0, out);
    return out;
  }
}

/** `list` with `value` appended: a new one-element array for the first value (no growth capacity). */
function appended<T>(list: T[] | undefined, value: T): T[] {
  if (list === undefined) return [value];
  list.push(value);
  return list;
}

/** `list` without `value` (`undefined` once empty), or `false` when `value` is not in it. */
function without<T>(list: T[] | undefined, value: T): T[] | undefined | false {
  if (list === undefined) return false;
  if (list.length === 1) return list[0] === value ? undefined : false;
  const index = list.indexOf(value);
  if (index < 0) return false;
  list.splice(index, 1);
  return list;
}

/** Remove `value` from the pattern `tokens[index..]` below `node`, pruning the children it empties (no path kept: the recursion is the path). */
function removeFrom<T>(node: TrieNode<T>, tokens: readonly string[], index: number, value: T): boolean {
  if (index === tokens.length) {
    const rest = without(node.exact, value);
    if (rest === false) return false;
    node.exact = rest;
    return true;
  }
  const token = tokens[index] as string;
  if (token === TAIL_WILDCARD && index === tokens.length - 1) {
    const rest = without(node.tail, value);
    if (rest === false) return false;
    node.tail = rest;
    return true;
  }
  if (token === SINGLE_WILDCARD) {
    const child = node.single;
    if (child === undefined || !removeFrom(child, tokens, index + 1, value)) return false;
    if (child.empty) node.single = undefined;
    return true;
  }
  const child = node.literal?.get(token);
  if (child === undefined || !removeFrom(child, tokens, index + 1, value)) return false;
  if (child.empty) node.literal?.delete(token);
  return true;
}

function collect<T>(node: TrieNode<T>, tokens: readonly string[], index: number, out: T[]): void {
  if (index === tokens.length) {
    const exact = node.exact;
    if (exact !== undefined) for (const value of exact) out.push(value);
    return;
  }
  // a final `>` here matches the one or more tokens left
  const tail = node.tail;
  if (tail !== undefined) for (const value of tail) out.push(value);
  const literal = node.literal?.get(tokens[index] as string);
  if (literal !== undefined) collect(literal, tokens, index + 1, out);
  if (node.single !== undefined) collect(node.single, tokens, index + 1, out);
}
