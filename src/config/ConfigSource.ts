import { ConfigError } from "../errors/ConfigError.js";
import { parentPath } from "./keyPath.js";

/** A 1-based line and column in a configuration file. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Where one key path sits in the file: its value, and its key when it is a mapping entry. */
export interface SourceLocation {
  readonly value: SourcePosition;
  readonly key?: SourcePosition;
}

/**
 * Where a configuration came from: the file and, for each key path
 * (`groups.strategy.restart.max`), its line and column. `loadConfig` attaches
 * one to the object it returns (hidden, non-enumerable) so that errors found
 * later still point into the file.
 */
export interface ConfigSource {
  /** Absolute path of the configuration file. */
  readonly file: string;
  /** Key path → position; `""` is the document itself. */
  readonly locations: ReadonlyMap<string, SourceLocation>;
}

/** The hidden property holding a {@link ConfigSource}; `Symbol.for` so every copy of the package sees it. */
export const CONFIG_SOURCE: unique symbol = Symbol.for("@acme/agent-orchestrator.configSource");

/** Attach `source` to `target` as a non-enumerable property (invisible to spreads, JSON and `Object.keys`). */
export function attachConfigSource(target: object, source: ConfigSource): void {
  Object.defineProperty(target, CONFIG_SOURCE, { value: source, enumerable: false, configurable: true, writable: false });
}

/**
 * The {@link ConfigSource} of a configuration returned by `loadConfig` (or of the
 * `ResolvedConfig` made from it), else `undefined`.
 */
export function getConfigSource(target: unknown): ConfigSource | undefined {
  if (typeof target !== "object" || target === null) return undefined;
  const source = (target as { [CONFIG_SOURCE]?: unknown })[CONFIG_SOURCE];
  if (typeof source !== "object" || source === null) return undefined;
  const candidate = source as Partial<ConfigSource>;
  return typeof candidate.file === "string" && candidate.locations instanceof Map ? (source as ConfigSource) : undefined;
}

/**
 * The position of `path` in `source`: the key or the value it names, or the
 * nearest enclosing key path that has a position (a value reached through a
 * YAML alias, a key that is missing).
 */
export function locate(source: ConfigSource, path: string, at: "key" | "value" = "value"): SourcePosition | undefined {
  let current = path;
  for (;;) {
    const location = source.locations.get(current);
    if (location !== undefined) return at === "key" && current === path ? (location.key ?? location.value) : location.value;
    if (current === "") return undefined;
    current = parentPath(current);
  }
}

/** Details of a {@link ConfigError} raised for one key path. */
export interface ConfigIssue {
  /** The offending value (named in `ConfigError.value`). */
  readonly value?: unknown;
  /** Point at the key itself (an unknown key, a bad name) rather than at its value. @default "value" */
  readonly at?: "key" | "value";
  /** The underlying error. */
  readonly cause?: unknown;
}

/**
 * A {@link ConfigError} for `path` of `config`, carrying the file, line and column
 * when `config` came from `loadConfig` (directly, or through `resolveConfig`).
 * The orchestrator uses it for errors found after resolution, such as a module
 * that fails to load.
 *
 * @example
 * ```ts
 * throw configErrorAt(resolved, "agents.market.module", `cannot import "${spec}"`, { value: spec, cause });
 * ```
 */
export function configErrorAt(config: unknown, path: string, message: string, issue: ConfigIssue = {}): ConfigError {
  const source = getConfigSource(config);
  return createConfigError(source, path, message, issue);
}

/** A {@link ConfigError} for `path`, positioned with `source` when there is one. */
export function createConfigError(source: ConfigSource | undefined, path: string, message: string, issue: ConfigIssue = {}): ConfigError {
  const position = source === undefined ? undefined : locate(source, path, issue.at);
  return new ConfigError(message, {
    ...(source === undefined ? {} : { file: source.file }),
    ...(path === "" ? {} : { path }),
    ...(position === undefined ? {} : { line: position.line, column: position.column }),
    ...("value" in issue ? { value: issue.value } : {}),
    ...(issue.cause === undefined ? {} : { cause: issue.cause }),
  });
}
