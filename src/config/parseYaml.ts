import { LineCounter, parseDocument, type YAMLError } from "yaml";
import { ConfigError } from "../errors/ConfigError.js";
import type { ConfigSource } from "./ConfigSource.js";
import { findDeepYaml, MAX_CONFIG_DEPTH } from "./nestingDepth.js";
import { configTooLarge, MAX_CONFIG_BYTES } from "./readConfigFile.js";
import { tagNotAllowed, yamlToValue } from "./yamlToValue.js";

/** A parsed YAML document: its plain value and where each key path sits. */
export interface ParsedYaml {
  readonly value: unknown;
  readonly source: ConfigSource;
}

/**
 * Parse `text` (the content of `file`) safely: at most {@link MAX_CONFIG_BYTES}
 * (checked before anything reads the text), at most {@link MAX_CONFIG_DEPTH}
 * levels (scanned before parsing), YAML 1.2 core schema, no custom or
 * language-specific tags, unique keys, no merge keys, a single document, and at
 * most `MAX_CONFIG_NODES` nodes once aliases are expanded. Throws a
 * {@link ConfigError} with file, line and column for every problem.
 */
export function parseYaml(text: string, file: string): ParsedYaml {
  // a string holds at most 3 UTF-8 bytes per UTF-16 unit: count the bytes only when it could be over
  if (text.length * 3 > MAX_CONFIG_BYTES) {
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > MAX_CONFIG_BYTES) throw configTooLarge(file, bytes, true);
  }
  // the YAML parser recurses per level: bound the depth before it runs
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
    // the parser's own check compares every key with every other (quadratic): yamlToValue checks with a set
    uniqueKeys: false,
    strict: true,
    prettyErrors: true,
    logLevel: "error",
    lineCounter,
  });
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem !== undefined) throw yamlError(problem, file);
  const { value, locations } = yamlToValue(document, file, lineCounter);
  return { value, source: { file, locations } };
}

function yamlError(error: YAMLError, file: string): ConfigError {
  const [position] = error.linePos ?? [];
  const firstLine = error.message.split("\n", 1)[0] ?? error.message;
  let reason = `invalid YAML: ${firstLine.replace(/ at line \d+, column \d+:?$/, "")}`;
  if (error.code === "TAG_RESOLVE_FAILED") {
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
