import { SINGLE_WILDCARD, TAIL_WILDCARD } from "./topic.js";

class TrieNode<T> {
  /** Children reached by a literal token. */
  literal: Map<string, TrieNode<T>> | undefined = undefined;
  /** Child reached by `*`. */
  single: TrieNode<T> | undefined = undefined;
  /** Values whose pattern ends here. */
  readonly exact: T[] = [];
  /** Values whose pattern ends here with a final `>`. */
  readonly tail: T[] = [];

  get empty(): boolean {
    return this.exact.length === 0 && this.tail.length === 0 && this.single === undefined && (this.literal === undefined || this.literal.size === 0);
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
        node.tail.push(value);
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
    node.exact.push(value);
    this.#size++;
  }

  /** Remove `value` stored under `tokens`; prunes emptied branches. Returns whether it was there. */
  remove(tokens: readonly string[], value: T): boolean {
    const path: Array<{ node: TrieNode<T>; token: string }> = [];
    let node = this.#root;
    const last = tokens.length - 1;
    let list: T[] | undefined;
    for (let i = 0; i <= last; i++) {
      const token = tokens[i] as string;
      if (token === TAIL_WILDCARD && i === last) {
        list = node.tail;
        break;
      }
      const child = token === SINGLE_WILDCARD ? node.single : node.literal?.get(token);
      if (child === undefined) return false;
      path.push({ node, token });
      node = child;
    }
    list ??= node.exact;
    const index = list.indexOf(value);
    if (index < 0) return false;
    list.splice(index, 1);
    this.#size--;
    for (let i = path.length - 1; i >= 0; i--) {
      const step = path[i] as { node: TrieNode<T>; token: string };
      const child = step.token === SINGLE_WILDCARD ? step.node.single : step.node.literal?.get(step.token);
      if (child === undefined || !child.empty) break;
      if (step.token === SINGLE_WILDCARD) step.node.single = undefined;
      else step.node.literal?.delete(step.token);
    }
    return true;
  }

  /** Every value whose pattern matches the topic made of `tokens`, appended to `out`. */
  match(tokens: readonly string[], out: T[] = []): T[] {
    collect(this.#root, tokens, 0, out);
    return out;
  }
}

function collect<T>(node: TrieNode<T>, tokens: readonly string[], index: number, out: T[]): void {
  if (index === tokens.length) {
    for (const value of node.exact) out.push(value);
    return;
  }
  // a final `>` here matches the one or more tokens left
  for (const value of node.tail) out.push(value);
  const literal = node.literal?.get(tokens[index] as string);
  if (literal !== undefined) collect(literal, tokens, index + 1, out);
  if (node.single !== undefined) collect(node.single, tokens, index + 1, out);
}
