import { describeThrown } from "../errors/describeThrown.js";

/**
 * Why `value` cannot be structured-cloned (copied to another thread by
 * `postMessage`), or `undefined` when it can. Primitives pass without cost;
 * anything else is cloned once to find out (functions, symbols, class
 * instances holding them, sockets are refused).
 *
 * @example
 * ```ts
 * cloneRefusal({ px: 1 });      // undefined
 * cloneRefusal({ f: () => 1 }); // "() => 1 could not be cloned."
 * ```
 */
export function cloneRefusal(value: unknown): string | undefined {
  if (value === null) return undefined;
  const type = typeof value;
  if (type === "function" || type === "symbol") return `a ${type} cannot be copied between threads`;
  if (type !== "object") return undefined;
  try {
    structuredClone(value);
    return undefined;
  } catch (error) {
    return describeThrown(error);
  }
}
