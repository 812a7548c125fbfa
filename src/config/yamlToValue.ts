import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type YAMLMap, type YAMLSeq } from "yaml";
import { ConfigError } from "../errors/ConfigError.js";
import type { SourceLocation, SourcePosition } from "./ConfigSource.js";
import { childPath } from "./keyPath.js";

/**
 * Most nodes a configuration may hold once its YAML aliases are expanded: every
 * mapping, list and scalar value counts one, each time it appears, an alias
 * counting everything its anchor marks (nested aliases multiply). Guards against
 * "billion laughs" documents, wide (one large anchor repeated) or deep (anchors
 * repeating anchors); a real configuration holds a few thousand.
 */
export const MAX_CONFIG_NODES = 100_000;

const LIMIT = MAX_CONFIG_NODES.toLocaleString("en-US");

/** Tags a configuration may spell out: the YAML core schema. Anything else (`!!js/function`, `!!binary`, `!custom`) is refused. */
const CORE_TAGS: ReadonlySet<string> = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((name) => `tag:yaml.org,2002:${name}`),
);

/** A YAML document as a plain value, and where each key path sits. */
export interface YamlValue {
  readonly value: unknown;
  readonly locations: ReadonlyMap<string, SourceLocation>;
}

/** An anchor met so far: its value, and its expanded size once the node it marks is complete. */
interface Anchor {
  readonly value: unknown;
  size: number | undefined;
}

/** A collection being filled: the next item to visit, and the node count when it began. */
type Frame =
  | { readonly kind: "seq"; readonly node: YAMLSeq; readonly value: unknown[]; readonly path: string; readonly start: number; readonly anchor: Anchor | undefined; next: number }
  | {
      readonly kind: "map";
      readonly node: YAMLMap;
      readonly value: Record<string, unknown>;
      readonly path: string;
      readonly start: number;
      readonly anchor: Anchor | undefined;
      readonly keys: Set<string>;
      next: number;
    };

/**
 * Turn a parsed YAML document into the plain value `Document.toJS()` would give
 * (objects, arrays, scalars; an alias is the very value of its anchor), checking
 * on the way what the configuration allows: core schema tags only, plain scalar
 * keys, unique keys (also keys written differently, `1` and `"1"`), aliases that
 * name an earlier anchor outside themselves, and at most {@link MAX_CONFIG_NODES}
 * nodes once aliases are expanded. One pass over the document, without
 * recursion: linear in its size however the aliases multiply, and refused at
 * the first node past the budget.
 *
 * @throws ConfigError naming the file, line, column and key path of the first problem.
 */
export function yamlToValue(document: Document, file: string, lineCounter: LineCounter): YamlValue {
  const locations = new Map<string, SourceLocation>();
  const anchors = new Map<string, Anchor>();
  const stack: Frame[] = [];
  let nodes = 0;

  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  function fail(node: Node | null, path: string, message: string, value: unknown): never {
    const position = node?.range ? at(node.range[0]) : undefined;
    throw new ConfigError(message, { file, ...(path === "" ? {} : { path }), ...position, value });
  }
  const checkTag = (node: Node, path: string): void => {
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) fail(node, path, tagNotAllowed(node.tag), node.tag);
  };
  const count = (node: Node | null, path: string): void => {
    if (++nodes > MAX_CONFIG_NODES) {
      fail(node, path, `the configuration is too large: more than the limit of ${LIMIT} nodes (MAX_CONFIG_NODES: every mapping, list and scalar counts one); expected a smaller configuration`, undefined);
    }
  };

  /** The value of `node` at `path`; a collection is returned empty and filled from the stack. */
  const enter = (node: unknown, path: string, keyAt: SourcePosition | undefined): unknown => {
    if (!(isAlias(node) || isScalar(node) || isMap(node) || isSeq(node))) {
      if (keyAt !== undefined) locations.set(path, { value: keyAt, key: keyAt });
      count(null, path);
      return null;
    }
    if (node.range) locations.set(path, keyAt === undefined ? { value: at(node.range[0]) } : { value: at(node.range[0]), key: keyAt });
    if (isAlias(node)) {
      const anchor = anchors.get(node.source);
      if (anchor === undefined) {
        fail(node, path, `alias *${node.source} refers to no anchor: expected an anchor &${node.source} defined before the alias`, `*${node.source}`);
      }
      if (anchor.size === undefined) {
        fail(node, path, `alias *${node.source} is inside the collection its anchor &${node.source} marks: it would repeat itself without end; expected an alias after the end of what its anchor marks`, `*${node.source}`);
      }
      nodes += anchor.size;
      if (nodes > MAX_CONFIG_NODES) {
        const repeats = `alias *${node.source} repeats ${anchor.size.toLocaleString("en-US")} node${anchor.size === 1 ? "" : "s"}`;
        fail(
          node,
          path,
          `the configuration is too large once its aliases are expanded: ${repeats}, which takes it past the limit of ${LIMIT} nodes (MAX_CONFIG_NODES: every mapping, list and scalar counts one, each time an alias repeats it); refused as a possible "billion laughs" document; expected a configuration that repeats less through aliases`,
          `*${node.source}`,
        );
      }
      return anchor.value;
    }
    checkTag(node, path);
    count(node, path);
    if (isScalar(node)) {
      const value = scalarValue(node.value);
      remember(node.anchor, value, 1);
      return value;
    }
    const start = nodes - 1;
    if (isSeq(node)) {
      const value: unknown[] = [];
      stack.push({ kind: "seq", node, value, path, start, anchor: remember(node.anchor, value, undefined), next: 0 });
      return value;
    }
    const value: Record<string, unknown> = {};
    stack.push({ kind: "map", node, value, path, start, anchor: remember(node.anchor, value, undefined), keys: new Set(), next: 0 });
    return value;
  };
  /** Record the anchor `name` (if any) for the aliases after it; `size` is set once the node it marks is complete. */
  const remember = (name: string | undefined, value: unknown, size: number | undefined): Anchor | undefined => {
    if (name === undefined) return undefined;
    const anchor: Anchor = { value, size };
    anchors.set(name, anchor);
    return anchor;
  };

  const value = enter(document.contents, "", undefined);
  for (let frame = stack.at(-1); frame !== undefined; frame = stack.at(-1)) {
    if (frame.kind === "seq") {
      if (frame.next < frame.node.items.length) {
        const index = frame.next++;
        frame.value.push(enter(frame.node.items[index], childPath(frame.path, index), undefined));
        continue;
      }
    } else if (frame.next < frame.node.items.length) {
      const { key, value: item } = frame.node.items[frame.next++] as { key: unknown; value: unknown };
      if (!isScalar(key)) {
        const keyNode = isAlias(key) || isMap(key) || isSeq(key) ? key : null;
        fail(keyNode, frame.path, "expected a plain scalar as mapping key, got a collection or an alias", null);
      }
      checkTag(key, frame.path);
      const name = keyName(key.value);
      const keyPath = childPath(frame.path, name);
      if (frame.keys.has(name)) fail(key, keyPath, `duplicate key ${JSON.stringify(name)}: keys must be unique within a mapping`, name);
      frame.keys.add(name);
      remember(key.anchor, scalarValue(key.value), 1);
      setEntry(frame.value, name, enter(item, keyPath, key.range ? at(key.range[0]) : undefined));
      continue;
    }
    stack.pop();
    if (frame.anchor !== undefined) frame.anchor.size = nodes - frame.start;
  }
  if (!locations.has("")) locations.set("", { value: { line: 1, column: 1 } });
  return { value, locations };
}

/** The message for a tag outside the core schema. */
export function tagNotAllowed(tag: string): string {
  const shown = tag.replace(/^tag:yaml\.org,2002:/, "!!");
  return `YAML tag ${shown} is not allowed: expected plain YAML (core schema tags only: !!str, !!int, !!float, !!bool, !!null, !!map, !!seq)`;
}

/** A scalar's value as `toJS` gives it (a BigInt as a number). */
function scalarValue(value: unknown): unknown {
  return typeof value === "bigint" ? Number(value) : value;
}

/** A scalar key as `toJS` turns it into an object key. */
function keyName(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return "";
}

/** Set `object[name]` as an own property, as `toJS` does (also for `__proto__`, which a plain assignment would not create). */
function setEntry(object: Record<string, unknown>, name: string, value: unknown): void {
  if (name in object) Object.defineProperty(object, name, { value, writable: true, enumerable: true, configurable: true });
  else object[name] = value;
}
