import { describeValue, isThenable } from "../check.js";
import { getConfigSource, locate, type ConfigSource } from "../config/ConfigSource.js";
import { childPath } from "../config/keyPath.js";
import { ConfigError } from "../errors/ConfigError.js";
import { describeThrown } from "../errors/describeThrown.js";
import type { AgentClass } from "./Agent.js";
import type { StandardSchemaV1, StandardSchemaV1Issue, StandardSchemaV1Result } from "./StandardSchema.js";

/** An agent's config once its class's schema has accepted it. */
export interface ValidatedAgentConfig {
  /** The schema's output (transforms applied, defaults filled), or the config as written when the class has no schema. */
  readonly value: unknown;
}

/** One agent's config to validate. */
export interface AgentConfigSubject {
  /** The agent's registered name. */
  readonly agent: string;
  /** Its class, whose `static configSchema` (when it has one) judges the config. */
  readonly agentClass: AgentClass;
  /** `agents.<name>.config` as written (`undefined` when absent: a schema with defaults fills them in). */
  readonly config: unknown;
  /**
   * The configuration the config came from (`loadConfig`'s result, or the
   * resolved configuration made from it): its hidden source gives every issue
   * its file, line and column. Anything else (or nothing) gives key paths only.
   */
  readonly origin?: unknown;
}

/**
 * Validate one agent's `config` with its class's `static configSchema` (any
 * Standard Schema v1). Synchronous when the schema's `validate` is (the
 * orchestrator then throws from `createOrchestrator()`), a promise when it
 * returns one. A class without a schema gets its config back as written.
 *
 * @throws ConfigError `AGENT_CONFIG_INVALID` (or a rejection, for an
 *   asynchronous schema) naming the agent, the key path of each issue inside
 *   `agents.<name>.config`, every issue's message and the value found there,
 *   with `file:line:column` when `origin` came from a file; also when the
 *   schema throws or returns something that is not a result
 * @throws ConfigError `CONFIG_INVALID` when `configSchema` is set but is not a Standard Schema
 *
 * @example
 * ```ts
 * const { value } = await validateAgentConfig({ agent: "feed", agentClass: Feed, config: entry.config, origin: config });
 * ```
 */
export function validateAgentConfig(subject: AgentConfigSubject): ValidatedAgentConfig | Promise<ValidatedAgentConfig> {
  const schema = configSchemaOf(subject);
  if (schema === undefined) return { value: subject.config };
  let result: ReturnType<StandardSchemaV1["~standard"]["validate"]>;
  try {
    result = schema["~standard"].validate(subject.config);
  } catch (error) {
    throw schemaThrew(subject, error);
  }
  if (!isThenable(result)) return judge(subject, result);
  return Promise.resolve(result).then(
    (settled) => judge(subject, settled),
    (error: unknown) => {
      throw schemaThrew(subject, error);
    },
  );
}

/** The class's `configSchema`, `undefined` when it declares none; one that is not a Standard Schema v1 is refused. */
function configSchemaOf({ agent, agentClass }: AgentConfigSubject): StandardSchemaV1 | undefined {
  const schema: unknown = (agentClass as { readonly configSchema?: unknown }).configSchema;
  if (schema === undefined) return undefined;
  const props: unknown = typeof schema === "object" || typeof schema === "function" ? (schema as Partial<StandardSchemaV1> | null)?.["~standard"] : undefined;
  if (typeof props === "object" && props !== null && (props as { version?: unknown }).version === 1 && typeof (props as { validate?: unknown }).validate === "function") {
    return schema as StandardSchemaV1;
  }
  const what = "a Standard Schema v1 (an object whose `~standard` property has `version: 1` and a `validate` function: a zod, valibot or arktype schema)";
  return failRegistration(`agent "${agent}": expected the static \`configSchema\` of class ${className(agentClass)} to be ${what}, got ${describeValue(schema)}`, agent, schema);
}

function failRegistration(message: string, agent: string, value: unknown): never {
  throw new ConfigError(message, { path: childPath(childPath("agents", agent), "config"), value });
}

/** The schema's verdict: the output, or a ConfigError listing every issue. */
function judge(subject: AgentConfigSubject, result: StandardSchemaV1Result<unknown>): ValidatedAgentConfig {
  if (typeof result !== "object" || result === null) {
    throw configError(subject, `the configSchema of class ${className(subject.agentClass)} returned ${describeValue(result)} instead of a result ({ value } or { issues })`, {});
  }
  if (result.issues === undefined) return { value: result.value };
  const issues: readonly StandardSchemaV1Issue[] = Array.isArray(result.issues) ? result.issues : [];
  if (issues.length === 0) {
    throw configError(subject, `the configSchema of class ${className(subject.agentClass)} refused the config without naming an issue`, { value: subject.config });
  }
  return refuse(subject, issues);
}

/** Where one issue is: its key path, its value, its position. */
interface PlacedIssue {
  readonly path: string;
  readonly message: string;
  readonly value: { readonly found: boolean; readonly value: unknown };
  readonly position: string | undefined;
}

function refuse(subject: AgentConfigSubject, issues: readonly StandardSchemaV1Issue[]): never {
  const source = getConfigSource(subject.origin);
  const base = configPath(subject.agent);
  const placed = issues.map((issue) => placeIssue(subject.config, base, source, issue));
  const [first] = placed as [PlacedIssue, ...PlacedIssue[]];
  const vendor = (configSchemaOf(subject) as StandardSchemaV1)["~standard"].vendor;
  const refusedBy = `the configSchema of class ${className(subject.agentClass)}${typeof vendor === "string" && vendor !== "" ? ` (${vendor})` : ""}`;
  const message =
    placed.length === 1
      ? `agent "${subject.agent}": config refused by ${refusedBy}: ${first.message} (${found(first)})`
      : `agent "${subject.agent}": config refused by ${refusedBy}, ${placed.length} issues:${placed.map((issue) => `\n  - ${where(issue, source)}: ${issue.message} (${found(issue)})`).join("")}`;
  const position = source === undefined ? undefined : locate(source, first.path);
  throw new ConfigError(message, {
    code: "AGENT_CONFIG_INVALID",
    path: first.path,
    ...(source === undefined ? {} : { file: source.file }),
    ...(position === undefined ? {} : { line: position.line, column: position.column }),
    ...(first.value.found ? { value: first.value.value } : {}),
  });
}

function placeIssue(config: unknown, base: string, source: ConfigSource | undefined, issue: StandardSchemaV1Issue): PlacedIssue {
  const keys = (Array.isArray(issue.path) ? issue.path : []).map((segment: unknown) => keyOf(segment));
  const path = keys.reduce<string>((parent, key) => childPath(parent, key), base);
  const position = source === undefined ? undefined : locate(source, path);
  return {
    path,
    message: typeof issue.message === "string" && issue.message !== "" ? issue.message : describeValue(issue.message),
    value: valueAt(config, keys),
    position: position === undefined || source === undefined ? undefined : `${source.file}:${position.line}:${position.column}`,
  };
}

/** A path segment as a key: a property key, or the `key` of a segment object. */
function keyOf(segment: unknown): string | number {
  const key: unknown = typeof segment === "object" && segment !== null ? (segment as { key?: unknown }).key : segment;
  if (typeof key === "number" || typeof key === "string") return key;
  return String(key);
}

/** The value at `keys` inside `config`, and whether it is there at all. */
function valueAt(config: unknown, keys: ReadonlyArray<string | number>): { found: boolean; value: unknown } {
  let current = config;
  for (const key of keys) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return { found: false, value: undefined };
    current = (current as Record<string | number, unknown>)[key];
  }
  return { found: true, value: current };
}

function found(issue: PlacedIssue): string {
  return issue.value.found ? `got ${describeValue(issue.value.value)}` : "missing";
}

function where(issue: PlacedIssue, source: ConfigSource | undefined): string {
  return source === undefined || issue.position === undefined ? issue.path : `${issue.position} (${issue.path})`;
}

/** The schema threw (or rejected) instead of returning a result. */
function schemaThrew(subject: AgentConfigSubject, error: unknown): ConfigError {
  return configError(subject, `the configSchema of class ${className(subject.agentClass)} threw while validating the config: ${describeThrown(error)}`, { cause: error });
}

function configError(subject: AgentConfigSubject, problem: string, details: { cause?: unknown; value?: unknown }): ConfigError {
  const source = getConfigSource(subject.origin);
  const path = configPath(subject.agent);
  const position = source === undefined ? undefined : locate(source, path);
  return new ConfigError(`agent "${subject.agent}": ${problem}`, {
    code: "AGENT_CONFIG_INVALID",
    path,
    ...(source === undefined ? {} : { file: source.file }),
    ...(position === undefined ? {} : { line: position.line, column: position.column }),
    ...details,
  });
}

function configPath(agent: string): string {
  return childPath(childPath("agents", agent), "config");
}

function className(agentClass: AgentClass): string {
  return agentClass.name || "(anonymous)";
}
