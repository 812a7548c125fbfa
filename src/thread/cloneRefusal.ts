import { types } from "node:util";
import { describeThrown } from "../errors/describeThrown.js";

/** Deepest nesting the walk follows before it lets `structuredClone` decide (also what stops it on a cycle). */
const MAX_DEPTH = 32;
/** Most values the walk visits before it lets `structuredClone` decide. */
const MAX_NODES = 4_096;

const OBJECT_PROTO: unknown = Object.prototype;
const ARRAY_PROTO: unknown = Array.prototype;
const DATE_PROTO: unknown = Date.prototype;
const REGEXP_PROTO: unknown = RegExp.prototype;

/** What the walk found: plain data, a refusal (its reason), or something only a clone can decide. */
const CLONABLE = 0;
const UNDECIDED = 1;

/** The walk's state: values visited so far, and the reason for a refusal. */
interface Walk {
  nodes: number;
  refusal: string | undefined;
}

/**
 * Why `value` cannot be structured-cloned (copied to another thread by
 * `postMessage`), or `undefined` when it can; `name` is how the reason calls
 * the value (`payload` by default).
 *
 * Plain data is decided by a walk, without copying anything: primitives;
 * objects whose prototype is `Object.prototype` or `null` and arrays (own
 * enumerable string-keyed properties, which is what a clone copies); `Date`
 * and `RegExp` instances; nested up to 32 deep and 4,096 values in all. A
 * function or a symbol met on the way is refused, and the reason names where
 * (`payload.format is a function`). Everything else (`Map`, `Set`, typed
 * arrays, errors, class instances, proxies, deeper or larger values) is
 * cloned once to find out; when that fails, the reason again names the
 * part that cannot be copied, found by cloning the parts one by one.
 *
 * What the walk admits, a clone copies: it reads the same properties a clone
 * reads. (A getter is called by both: one that returns something else the
 * next time is not something any check made before the copy can catch.)
 *
 * @example
 * ```ts
 * cloneRefusal({ px: 1 });                 // undefined
 * cloneRefusal({ format: () => 1 });       // "payload.format is a function"
 * cloneRefusal([1, Symbol("x")], "value"); // "value[1] is a symbol"
 * ```
 */
export function cloneRefusal(value: unknown, name = "payload"): string | undefined {
  const type = typeof value;
  if (type === "function" || type === "symbol") return `${name} is a ${type}`;
  if (type !== "object" || value === null) return undefined;
  const walk: Walk = { nodes: 0, refusal: undefined };
  try {
    const verdict = visit(value as object, 0, walk, name);
    if (walk.refusal !== undefined) return walk.refusal;
    if (verdict === CLONABLE) return undefined;
  } catch {
    // a getter threw: the clone below reads it again and decides
  }
  try {
    structuredClone(value);
    return undefined;
  } catch (error) {
    try {
      return explain(value, name, 0);
    } catch {
      return `${name} cannot be copied between threads: reading it threw ${describeThrown(error)}`;
    }
  }
}

/**
 * Walk `object` (at `depth`): CLONABLE when it and everything in it is plain
 * data; UNDECIDED when something in it is not (or the bounds are reached);
 * a function or a symbol sets `walk.refusal` (then the verdict is ignored).
 * The path for the refusal is built only then.
 */
function visit(object: object, depth: number, walk: Walk, path: string): number {
  if (depth >= MAX_DEPTH || ++walk.nodes > MAX_NODES) return UNDECIDED;
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto === DATE_PROTO || proto === REGEXP_PROTO) return types.isDate(object) || types.isRegExp(object) ? CLONABLE : UNDECIDED;
  const array = proto === ARRAY_PROTO;
  if (!(array || proto === OBJECT_PROTO || proto === null) || types.isProxy(object)) return UNDECIDED;
  if (array && !Array.isArray(object)) return UNDECIDED;
  let verdict = CLONABLE;
  const record = object as Record<string, unknown>;
  for (const key in record) {
    // for-in also lists inherited enumerable keys: a clone copies own ones only
    if (!Object.hasOwn(record, key)) continue;
    const item = record[key];
    const type = typeof item;
    if (type === "object") {
      if (item === null) continue;
      const inner = visit(item as object, depth + 1, walk, "");
      if (walk.refusal !== undefined) {
        walk.refusal = `${step(path, key, array)}${walk.refusal}`;
        return UNDECIDED;
      }
      if (inner === UNDECIDED) verdict = UNDECIDED;
    } else if (type === "function" || type === "symbol") {
      walk.refusal = `${step(path, key, array)} is a ${type}`;
      return UNDECIDED;
    }
  }
  return verdict;
}

/** `path` followed by property `key` (`path.key`, `path[3]`, `path["a b"]`). */
function step(path: string, key: string, array: boolean): string {
  if (array && /^\d+$/.test(key)) return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/**
 * `value` failed to clone: name the part that cannot be copied, in our words
 * (a clone's own message quotes the source of a function). Descends into the
 * first part that fails to clone on its own (own properties, `Map` keys and
 * values, `Set` members), as deep as the walk would.
 */
function explain(value: unknown, path: string, depth: number): string {
  const type = typeof value;
  if (type === "function" || type === "symbol") return `${path} is a ${type}`;
  if (type !== "object" || value === null) return `${path} cannot be copied between threads`;
  const object = value as object;
  if (depth < MAX_DEPTH && !types.isProxy(object)) {
    const parts: Array<readonly [string, unknown]> = [];
    if (object instanceof Map) {
      let index = 0;
      for (const [key, item] of object as Map<unknown, unknown>) {
        parts.push([`${path}<key ${index}>`, key], [`${path}.get(<key ${index}>)`, item]);
        index++;
      }
    } else if (object instanceof Set) {
      let index = 0;
      for (const item of object as Set<unknown>) parts.push([`${path}<member ${index++}>`, item]);
    } else {
      const array = Array.isArray(object);
      for (const key of Object.keys(object)) parts.push([step(path, key, array), (object as Record<string, unknown>)[key]]);
    }
    for (const [where, part] of parts) {
      if (typeof part === "function" || typeof part === "symbol") return `${where} is a ${typeof part}`;
      if (typeof part !== "object" || part === null) continue;
      try {
        structuredClone(part);
      } catch {
        return explain(part, where, depth + 1);
      }
    }
  }
  return `${path} (${describeObject(object)}) cannot be copied between threads`;
}

/** "a Socket", "an object", "a proxy": what kind of object `object` is, for a refusal. */
function describeObject(object: object): string {
  if (types.isProxy(object)) return "a proxy";
  const constructorName: unknown = (Object.getPrototypeOf(object) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  const kind = typeof constructorName === "string" && constructorName !== "" ? constructorName : "Object";
  return `${/^[AEIOU]/.test(kind) ? "an" : "a"} ${kind}`;
}
