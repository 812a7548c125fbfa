import { describeValue } from "../check.js";
import { checkName } from "./agentName.js";
import { isPlainObject, type ConfigChecker } from "./ConfigChecker.js";
import { didYouMean } from "./didYouMean.js";
import { childPath } from "./keyPath.js";
import { checkPlainData } from "./plainData.js";
import type { CodeShape, ListShape, ObjectShape, OutputOf, RecordShape, Shape, UnionShape } from "./shape.js";

/**
 * Check `value` against `shape` at key path `path` and return it checked:
 * durations in ms, mappings frozen with every key of the shape (`undefined`
 * where absent), records without a prototype. Throws a positioned
 * {@link ConfigError} through `checker` at the first value that does not fit.
 */
export function checkShape<S extends Shape>(checker: ConfigChecker, shape: S, value: unknown, path: string): OutputOf<S> {
  const check = CHECKS[shape.kind] as (checker: ConfigChecker, shape: Shape, value: unknown, path: string) => unknown;
  return check(checker, shape, value, path) as OutputOf<S>;
}

type Check<K extends Shape["kind"]> = (checker: ConfigChecker, shape: Extract<Shape, { kind: K }>, value: unknown, path: string) => unknown;

/** One check per kind of shape (a JSON Schema generator would be a second table over the same kinds). */
const CHECKS: { readonly [K in Shape["kind"]]: Check<K> } = {
  string: (checker, _shape, value, path) => checker.string(value, path),
  boolean: (checker, _shape, value, path) => checker.boolean(value, path),
  number: (checker, shape, value, path) => (shape.integer ? checker.integer(value, path, shape) : checker.number(value, path, shape)),
  duration: (checker, shape, value, path) => checker.duration(value, path, shape.zero === true),
  object: (checker, shape, value, path) => checkObject(checker, shape, value, path),
  record: checkRecord,
  list: checkList,
  union: checkUnion,
  data: (checker, _shape, value, path) => {
    checkPlainData(checker, value, path);
    return value;
  },
  external: (checker, shape, value, path) => shape.check(checker, value, path),
  code: checkCode,
};

function checkObject(checker: ConfigChecker, shape: ObjectShape, value: unknown, path: string, expected?: string): Readonly<Record<string, unknown>> | undefined {
  // a mapping whose keys are all required is absent when absent (`state:`), not an empty one missing them
  if (shape.required && (value === undefined || value === null)) return undefined;
  const keys = Object.keys(shape.fields);
  const object = checker.mapping(value, path, keys, { nullIsEmpty: true }) ?? {};
  const checked: Record<string, unknown> = {};
  for (const key of keys) {
    const keyPath = childPath(path, key);
    checked[key] = checkShape(checker, shape.fields[key] as Shape, object[key], keyPath);
    if (shape.required && checked[key] === undefined) checker.fail(keyPath, `missing ${JSON.stringify(key)}: expected ${expected ?? shape.expected ?? "it"}`, { value });
  }
  return Object.freeze(checked);
}

function checkRecord(checker: ConfigChecker, shape: RecordShape, value: unknown, path: string): Readonly<Record<string, unknown>> {
  const checked = Object.create(null) as Record<string, unknown>;
  const section = checker.mapping(value, path, undefined, { nullIsEmpty: true }) ?? {};
  for (const [name, entry] of Object.entries(section)) {
    const entryPath = childPath(path, name);
    checkName(checker, name, entryPath, shape.key);
    checked[name] = checkShape(checker, shape.value, entry, entryPath);
  }
  return checked;
}

function checkList(checker: ConfigChecker, shape: ListShape, value: unknown, path: string): readonly unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) checker.expected(path, shape.expected, value);
  const checked: unknown[] = [];
  const seen = new Map<unknown, number>();
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index];
    const itemPath = childPath(path, index);
    const checkedItem = checkShape(checker, shape.item, item, itemPath);
    // a hole or `undefined` in a list given in code
    if (checkedItem === undefined) checker.expected(itemPath, shape.expected, item);
    const first = seen.get(checkedItem);
    if (first === undefined) seen.set(checkedItem, index);
    else if (shape.unique) {
      checker.fail(itemPath, `${describeValue(item)} is listed twice (first at ${childPath(path, first)}): expected ${shape.expected}`, { value: item });
    }
    checked.push(checkedItem);
  }
  return Object.freeze(checked);
}

function checkUnion(checker: ConfigChecker, shape: UnionShape, value: unknown, path: string): unknown {
  if (value === undefined) return undefined;
  if (typeof value === "string" && shape.literals.includes(value)) return value;
  if (shape.object !== undefined && isPlainObject(value)) return checkObject(checker, shape.object, value, path, shape.expected);
  const hint = typeof value === "string" ? didYouMean(value, shape.literals) : "";
  checker.fail(path, `expected ${shape.expected}, got ${describeValue(value)}${hint}`, { value });
}

function checkCode(checker: ConfigChecker, shape: CodeShape, value: unknown, path: string): unknown {
  if (value === undefined || typeof value === "function") return value;
  checker.fail(path, `expected ${shape.expected}, got ${describeValue(value)}: only a configuration given in code can hold a function; in YAML, set ${shape.instead} instead`, {
    value,
  });
}
