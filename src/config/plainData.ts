import type { ConfigChecker } from "./ConfigChecker.js";
import { isPlainObject } from "./ConfigChecker.js";
import { childPath } from "./keyPath.js";
import { deepestPath, MAX_CONFIG_DEPTH } from "./nestingDepth.js";

/**
 * Refuse `__proto__` keys inside free-form agent config (they could alter the prototype of an
 * object the agent copies it into) and nesting deeper than {@link MAX_CONFIG_DEPTH}. Iterative:
 * the input cannot grow the call stack.
 */
export function checkPlainData(checker: ConfigChecker, value: unknown, path: string): void {
  const tooDeep = deepestPath(value, path, path.split(".").length, MAX_CONFIG_DEPTH, childPath);
  if (tooDeep !== undefined) {
    checker.fail(tooDeep, `the value nests too deeply: a configuration nests at most ${MAX_CONFIG_DEPTH} levels (objects or arrays inside each other)`, { at: "key" });
  }
  const seen = new Set<object>();
  const stack: Array<{ value: unknown; path: string }> = [{ value, path }];
  while (stack.length > 0) {
    const entry = stack.pop() as { value: unknown; path: string };
    const node = entry.value;
    if (typeof node !== "object" || node === null || seen.has(node)) continue;
    if (!Array.isArray(node) && !isPlainObject(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) {
      for (let index = node.length - 1; index >= 0; index--) stack.push({ value: node[index] as unknown, path: childPath(entry.path, index) });
      continue;
    }
    const keys = Object.keys(node);
    for (const key of keys) {
      if (key === "__proto__") checker.fail(childPath(entry.path, key), 'key "__proto__" is not allowed: it could change object prototypes', { value: key, at: "key" });
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      stack.push({ value: node[key], path: childPath(entry.path, key) });
    }
  }
}
