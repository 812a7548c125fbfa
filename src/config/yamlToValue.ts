import { isAlias, isMap, isScalar, isSeq, type Alias, type Document, type LineCounter, type Node, type YAMLMap, type YAMLSeq } from "yaml";
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
  return new YamlWalk(file, lineCounter).run(document);
}

/** One pass of {@link yamlToValue} over a document: the value built so far, its positions, anchors and node count. */
class YamlWalk {
  readonly #file: string;
  readonly #lineCounter: LineCounter;
  readonly #locations = new Map<string, SourceLocation>();
  readonly #anchors = new Map<string, Anchor>();
  readonly #stack: Frame[] = [];
  #nodes = 0;

  constructor(file: string, lineCounter: LineCounter) {
    this.#file = file;
    this.#lineCounter = lineCounter;
  }

  run(document: Document): YamlValue {
    const value = this.#enter(document.contents, "", undefined);
    for (let frame = this.#stack.at(-1); frame !== undefined; frame = this.#stack.at(-1)) {
      if (frame.next < frame.node.items.length) {
        if (frame.kind === "seq") this.#nextItem(frame);
        else this.#nextEntry(frame);
        continue;
      }
      this.#stack.pop();
      if (frame.anchor !== undefined) frame.anchor.size = this.#nodes - frame.start;
    }
    if (!this.#locations.has("")) this.#locations.set("", { value: { line: 1, column: 1 } });
    return { value, locations: this.#locations };
  }

  #nextItem(frame: Extract<Frame, { kind: "seq" }>): void {
    const index = frame.next++;
    frame.value.push(this.#enter(frame.node.items[index], childPath(frame.path, index), undefined));
  }

  #nextEntry(frame: Extract<Frame, { kind: "map" }>): void {
    const { key, value: item } = frame.node.items[frame.next++] as { key: unknown; value: unknown };
    if (!isScalar(key)) {
      const keyNode = isAlias(key) || isMap(key) || isSeq(key) ? key : null;
      this.#fail(keyNode, frame.path, "expected a plain scalar as mapping key, got a collection or an alias", null);
    }
    this.#checkTag(key, frame.path);
    const name = keyName(key.value);
    const keyPath = childPath(frame.path, name);
    if (frame.keys.has(name)) this.#fail(key, keyPath, `duplicate key ${JSON.stringify(name)}: keys must be unique within a mapping`, name);
    frame.keys.add(name);
    this.#remember(key.anchor, scalarValue(key.value), 1);
    setEntry(frame.value, name, this.#enter(item, keyPath, key.range ? this.#at(key.range[0]) : undefined));
  }

  #at(offset: number): SourcePosition {
    const { line, col } = this.#lineCounter.linePos(offset);
    return { line, column: col };
  }

  #fail(node: Node | null, path: string, message: string, value: unknown): never {
    const position = node?.range ? this.#at(node.range[0]) : undefined;
    throw new ConfigError(message, { file: this.#file, ...(path === "" ? {} : { path }), ...position, value });
  }

  #checkTag(node: Node, path: string): void {
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) this.#fail(node, path, tagNotAllowed(node.tag), node.tag);
  }

  #count(node: Node | null, path: string): void {
    if (++this.#nodes > MAX_CONFIG_NODES) {
      this.#fail(node, path, `the configuration is too large: more than the limit of ${LIMIT} nodes (MAX_CONFIG_NODES: every mapping, list and scalar counts one); expected a smaller configuration`, undefined);
    }
  }

  /** The value of `node` at `path`; a collection is returned empty and filled from the stack. */
  #enter(node: unknown, path: string, keyAt: SourcePosition | undefined): unknown {
    if (!(isAlias(node) || isScalar(node) || isMap(node) || isSeq(node))) {
      if (keyAt !== undefined) this.#locations.set(path, { value: keyAt, key: keyAt });
      this.#count(null, path);
      return null;
    }
    if (node.range) this.#locations.set(path, keyAt === undefined ? { value: this.#at(node.range[0]) } : { value: this.#at(node.range[0]), key: keyAt });
    if (isAlias(node)) return this.#expand(node, path);
    this.#checkTag(node, path);
    this.#count(node, path);
    if (isScalar(node)) {
      const value = scalarValue(node.value);
      this.#remember(node.anchor, value, 1);
      return value;
    }
    const start = this.#nodes - 1;
    if (isSeq(node)) {
      const value: unknown[] = [];
      this.#stack.push({ kind: "seq", node, value, path, start, anchor: this.#remember(node.anchor, value, undefined), next: 0 });
      return value;
    }
    const value: Record<string, unknown> = {};
    this.#stack.push({ kind: "map", node, value, path, start, anchor: this.#remember(node.anchor, value, undefined), keys: new Set(), next: 0 });
    return value;
  }

  /** The value of the anchor an alias names, counting every node it repeats. */
  #expand(node: Alias, path: string): unknown {
    const anchor = this.#anchors.get(node.source);
    if (anchor === undefined) {
      this.#fail(node, path, `alias *${node.source} refers to no anchor: expected an anchor &${node.source} defined before the alias`, `*${node.source}`);
    }
    if (anchor.size === undefined) {
      this.#fail(node, path, `alias *${node.source} is inside the collection its anchor &${node.source} marks: it would repeat itself without end; expected an alias after the end of what its anchor marks`, `*${node.source}`);
    }
    this.#nodes += anchor.size;
    if (this.#nodes > MAX_CONFIG_NODES) {
      const repeats = `alias *${node.source} repeats ${anchor.size.toLocaleString("en-US")} node${anchor.size === 1 ? "" : "s"}`;
      this.#fail(
        node,
        path,
        `the configuration is too large once its aliases are expanded: ${repeats}, which takes it past the limit of ${LIMIT} nodes (MAX_CONFIG_NODES: every mapping, list and scalar counts one, each time an alias repeats it); refused as a possible "billion laughs" document; expected a configuration that repeats less through aliases`,
        `*${node.source}`,
      );
    }
    return anchor.value;
  }

  /** Record the anchor `name` (if any) for the aliases after it; `size` is set once the node it marks is complete. */
  #remember(name: string | undefined, value: unknown, size: number | undefined): Anchor | undefined {
    if (name === undefined) return undefined;
    const anchor: Anchor = { value, size };
    this.#anchors.set(name, anchor);
    return anchor;
  }
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
