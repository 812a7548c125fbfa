import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLError } from "yaml";
import { ConfigError } from "../errors/ConfigError.js";
import type { ConfigSource, SourceLocation, SourcePosition } from "./ConfigSource.js";
import { childPath } from "./keyPath.js";
import { describeThrown } from "../errors/describeThrown.js";
import { findDeepYaml, MAX_CONFIG_DEPTH } from "./nestingDepth.js";

/**
 * Most alias expansions a document may make (each counted with the size of
 * what it repeats): guards against "billion laughs" documents.
 */
export const MAX_ALIAS_COUNT = 100;

/** Tags a configuration may spell out: the YAML core schema. Anything else (`!!js/function`, `!!binary`, `!custom`) is refused. */
const CORE_TAGS: ReadonlySet<string> = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((name) => `tag:yaml.org,2002:${name}`),
);

/** A parsed YAML document: its plain value and where each key path sits. */
export interface ParsedYaml {
  readonly value: unknown;
  readonly source: ConfigSource;
}

/**
 * Parse `text` (the content of `file`) safely: YAML 1.2 core schema, no custom
 * or language-specific tags, unique keys, no merge keys, a single document, a
 * bounded number of alias expansions. Throws a {@link ConfigError} with file,
 * line and column for every syntax error.
 */
export function parseYaml(text: string, file: string): ParsedYaml {
  // the YAML parser and the walk below recurse per level: bound the depth before either runs
  const deep = findDeepYaml(text, 2 * MAX_CONFIG_DEPTH);
  if (deep !== undefined) {
    throw new ConfigError(
      `the YAML nests too deeply here: a configuration nests at most ${MAX_CONFIG_DEPTH} levels (collections inside collections)`,
      { file, line: deep.line, column: deep.column },
    );
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    version: "1.2",
    schema: "core",
    customTags: [],
    merge: false,
    uniqueKeys: true,
    strict: true,
    prettyErrors: true,
    logLevel: "error",
    lineCounter,
  });
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem !== undefined) throw yamlError(problem, text, file);

  const locations = new Map<string, SourceLocation>();
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  function fail(node: Node | null, path: string, message: string, value: unknown): never {
    const position = node?.range ? at(node.range[0]) : undefined;
    throw new ConfigError(message, { file, ...(path === "" ? {} : { path }), ...position, value });
  }
  const checkTag = (node: Node, path: string): void => {
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      fail(node, path, tagNotAllowed(node.tag), node.tag);
    }
  };
  const walk = (node: unknown, path: string, keyPosition: SourcePosition | undefined): void => {
    if (!(isAlias(node) || isScalar(node) || isMap(node) || isSeq(node))) return;
    if (node.range) locations.set(path, keyPosition === undefined ? { value: at(node.range[0]) } : { value: at(node.range[0]), key: keyPosition });
    if (isAlias(node)) return;
    checkTag(node, path);
    if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, childPath(path, index), undefined));
    } else if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        if (!isScalar(key)) {
          const keyNode = isAlias(key) || isMap(key) || isSeq(key) ? key : null;
          fail(keyNode, path, "expected a plain scalar as mapping key, got a collection or an alias", null);
        }
        checkTag(key, path);
        const name = keyName(key.value);
        const keyPath = childPath(path, name);
        if (seen.has(name)) fail(key, keyPath, `duplicate key ${JSON.stringify(name)}: keys must be unique within a mapping`, name);
        seen.add(name);
        const keyAt = key.range ? at(key.range[0]) : undefined;
        if (pair.value === null || pair.value === undefined) {
          if (keyAt !== undefined) locations.set(keyPath, { value: keyAt, key: keyAt });
        } else {
          walk(pair.value, keyPath, keyAt);
        }
      }
    }
  };
  walk(document.contents, "", undefined);
  if (!locations.has("")) locations.set("", { value: { line: 1, column: 1 } });

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof RangeError) {
      // aliases that repeat deep collections inside each other
      throw new ConfigError(`the YAML nests too deeply once its aliases are expanded: a configuration nests at most ${MAX_CONFIG_DEPTH} levels`, { file });
    }
    if (!(error instanceof ReferenceError)) {
      throw new ConfigError(`cannot read the YAML document: ${describeThrown(error)}`, { file, cause: error });
    }
    throw new ConfigError(
      `too many YAML alias expansions (more than ${MAX_ALIAS_COUNT}, counting the size of what each alias repeats): refused as a possible "billion laughs" document; expected a configuration that repeats less through aliases`,
      {
        file,
        cause: error,
      },
    );
  }
  return { value, source: { file, locations } };
}

function yamlError(error: YAMLError, text: string, file: string): ConfigError {
  const [position] = error.linePos ?? [];
  const firstLine = error.message.split("\n", 1)[0] ?? error.message;
  let reason = `invalid YAML: ${firstLine.replace(/ at line \d+, column \d+:?$/, "")}`;
  if (error.code === "DUPLICATE_KEY") {
    const key = /^[^:\n]*/.exec(text.slice(error.pos[0]))?.[0].trim() ?? "";
    reason = `duplicate key${key === "" ? "" : ` ${JSON.stringify(key.replace(/^["']|["']$/g, ""))}`}: keys must be unique within a mapping`;
  } else if (error.code === "TAG_RESOLVE_FAILED") {
    const tag = /Unresolved tag: (\S+)/.exec(firstLine)?.[1] ?? "";
    reason = tagNotAllowed(tag);
  } else if (error.code === "MULTIPLE_DOCS") {
    reason = "the file holds more than one YAML document: expected a single document (no --- separator between two)";
  }
  return new ConfigError(reason, {
    file,
    ...(position === undefined ? {} : { line: position.line, column: position.col }),
    cause: error,
  });
}

function tagNotAllowed(tag: string): string {
  const shown = tag.replace(/^tag:yaml\.org,2002:/, "!!");
  return `YAML tag ${shown} is not allowed: expected plain YAML (core schema tags only: !!str, !!int, !!float, !!bool, !!null, !!map, !!seq)`;
}

/** A scalar key as `toJS` turns it into an object key. */
function keyName(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return "";
}
