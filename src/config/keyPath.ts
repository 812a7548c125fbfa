const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;
const LAST_SEGMENT = /(?:\.[A-Za-z0-9_-]+|\[(?:\d+|"(?:[^"\\]|\\.)*")\])$/;

/**
 * The key path of `key` inside `parent`, as config error messages spell it:
 * `groups.strategy.restart.max`, `schedule.report[1]`, `agents["market.data"]`.
 */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  if (!PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === "" ? key : `${parent}.${key}`;
}

/** The path one level up from `path` (`""` for a top-level key). */
export function parentPath(path: string): string {
  const match = LAST_SEGMENT.exec(path);
  if (match === null) return "";
  const parent = path.slice(0, match.index);
  return parent;
}
