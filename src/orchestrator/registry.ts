import { isAgentClass, type AgentClass } from "../agent/Agent.js";
import type { StandardSchemaV1 } from "../agent/StandardSchema.js";
import { isValidAgentName } from "../config/agentName.js";
import { NAME_EXPECTATION } from "../config/checkConfig.js";
import { describeValue } from "../check.js";
import { configErrorAt } from "../config/ConfigSource.js";
import { didYouMean } from "../config/didYouMean.js";
import { ConfigError } from "../errors/ConfigError.js";
import { describeThrown } from "../errors/describeThrown.js";

/** One agent registered in code: a class with a static `agentName`, or an explicit entry. */
export type AgentRegistration = AgentClass | { name: string; agent: AgentClass; group?: string; chief?: boolean };

/**
 * What the compiler shows for an agent class whose `static configSchema`
 * produces something its `Config` type parameter does not accept: the class
 * is not assignable to it, so the registration fails to compile.
 */
export interface ConfigSchemaMismatch<Output, Config> {
  /** The schema's output type. */
  readonly "configSchema output": Output;
  /** What the class declares as `Agent<Config>`, which the output must be assignable to. */
  readonly "does not match Config": Config;
}

/**
 * `C` itself when its `static configSchema` (if any) produces a value its
 * `this.config` type accepts, else a {@link ConfigSchemaMismatch}.
 */
export type CheckedAgentClass<C> = C extends { readonly configSchema: StandardSchemaV1<unknown, infer Output> }
  ? C extends { readonly prototype: { readonly config: infer Config } }
    ? [Output] extends [Config]
      ? C
      : ConfigSchemaMismatch<Output, Config>
    : C
  : C;

/** One registration with its class checked by {@link CheckedAgentClass}. */
export type CheckedRegistration<R> = R extends { readonly agent: infer C }
  ? { [K in keyof R]: K extends "agent" ? CheckedAgentClass<C> : K extends "name" | "group" | "chief" ? R[K] : never }
  : CheckedAgentClass<R>;

/**
 * The `agents` option, each class checked against its `configSchema`: a class
 * declared `Agent<{ symbols: string[] }>` whose schema outputs something else
 * fails to compile where it is registered.
 */
export type CheckedRegistrations<A extends readonly unknown[]> = { [K in keyof A]: CheckedRegistration<A[K]> };

/** The part of `createOrchestrator`'s options that checks the registered classes against their schemas. */
export interface RegisteredAgents<A extends AgentRegistration[]> {
  /** Agents registered in code: classes with a static `agentName`, or `{ name, agent, group?, chief? }`. */
  agents?: A & CheckedRegistrations<A>;
}

/** A registration after validation. */
export interface NormalizedRegistration {
  readonly name: string;
  readonly agentClass: AgentClass;
  readonly group?: string;
  readonly chief?: boolean;
}

const ENTRY_KEYS = ["name", "agent", "group", "chief"];

/**
 * Validate the `agents` option of `createOrchestrator`: every entry an agent
 * class (recognised by its brand), every name valid and unique. Registrations
 * are configuration: a bad one is a `ConfigError` with code `CONFIG_INVALID`.
 */
export function normalizeRegistrations(agents: readonly AgentRegistration[] | undefined): NormalizedRegistration[] {
  if (agents === undefined) return [];
  if (!Array.isArray(agents)) {
    const hint = isAgentClass(agents) ? ` (wrap it in an array: \`agents: [${agents.name || "MyAgent"}]\`)` : "";
    throw new ConfigError(`expected \`agents\` to be an array of agent classes or { name, agent } entries, got ${describe(agents)}${hint}`, { path: "agents", value: agents });
  }
  const seen = new Map<string, number>();
  return agents.map((entry: unknown, index) => {
    const path = `agents[${index}]`;
    const normalized = normalizeEntry(entry, path);
    if (!isValidAgentName(normalized.name)) {
      throw new ConfigError(`invalid agent name ${describeValue(normalized.name)}: ${NAME_EXPECTATION}`, { path: `${path}.name`, value: normalized.name });
    }
    const previous = seen.get(normalized.name);
    if (previous !== undefined) {
      throw new ConfigError(`duplicate agent name "${normalized.name}" (also registered at agents[${previous}])`, { path: `${path}.name`, value: normalized.name });
    }
    seen.set(normalized.name, index);
    return normalized;
  });
}

/** One entry of `agents`: a branded class with a static `agentName`, or `{ name?, agent, group?, chief? }`. */
function normalizeEntry(entry: unknown, path: string): NormalizedRegistration {
  if (isAgentClass(entry)) {
    const name = entry.agentName;
    if (name === undefined) {
      throw new ConfigError(`agent class ${entry.name || "(anonymous)"} has no static \`agentName\`; register it as { name, agent: ${entry.name || "Class"} }`, { path, value: entry.name });
    }
    return { name, agentClass: entry };
  }
  if (typeof entry !== "object" || entry === null || !("agent" in entry)) {
    throw new ConfigError(`expected an agent class (extending Agent) or { name, agent }, got ${describe(entry)}`, { path, value: entry });
  }
  for (const key of Object.keys(entry)) {
    if (!ENTRY_KEYS.includes(key)) {
      throw new ConfigError(`unknown key "${key}" in a registration${didYouMean(key, ENTRY_KEYS)}; expected ${ENTRY_KEYS.join(", ")}`, { path: `${path}.${key}`, value: key });
    }
  }
  const e = entry as { name?: unknown; agent?: unknown; group?: unknown; chief?: unknown };
  if (!isAgentClass(e.agent)) {
    throw new ConfigError(`expected \`agent\` to be a class extending Agent, got ${describe(e.agent)}`, { path: `${path}.agent`, value: e.agent });
  }
  if (e.group !== undefined && typeof e.group !== "string") {
    throw new ConfigError(`expected \`group\` to be a group name, got ${describe(e.group)}`, { path: `${path}.group`, value: e.group });
  }
  if (e.chief !== undefined && typeof e.chief !== "boolean") {
    throw new ConfigError(`expected \`chief\` to be a boolean, got ${describe(e.chief)}`, { path: `${path}.chief`, value: e.chief });
  }
  return {
    name: (e.name ?? e.agent.agentName) as string,
    agentClass: e.agent,
    ...(e.group === undefined ? {} : { group: e.group }),
    ...(e.chief === undefined ? {} : { chief: e.chief }),
  };
}

/**
 * Load an agent class named in the configuration (`agents.<name>.module`,
 * `export`) with dynamic `import()`. Any failure is a ConfigError naming the
 * agent and the key path.
 */
export async function loadAgentModule(
  agent: string,
  specifier: string,
  exportName: string | undefined,
  config: unknown,
): Promise<AgentClass> {
  const path = `agents.${agent}.module`;
  let module: Record<string, unknown>;
  try {
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    throw configErrorAt(config, path, `agent "${agent}": module ${JSON.stringify(specifier)} failed to load: ${describeThrown(error)}`, {
      value: specifier,
      cause: error,
    });
  }
  const key = exportName ?? "default";
  let exported = module[key];
  // a CommonJS module's `module.exports = Class` arrives as the default export;
  // its named exports may arrive nested under `default` too
  if (exported === undefined && exportName !== undefined && typeof module.default === "object" && module.default !== null) {
    exported = (module.default as Record<string, unknown>)[exportName];
  }
  if (!isAgentClass(exported)) {
    const available = Object.keys(module).filter((k) => isAgentClass(module[k]));
    throw configErrorAt(
      config,
      exportName === undefined ? path : `agents.${agent}.export`,
      `agent "${agent}": ${exportName === undefined ? "the default export" : `export "${exportName}"`} of ${JSON.stringify(specifier)} is not an Agent subclass (got ${describe(exported)})${available.length > 0 ? `; agent classes exported: ${available.join(", ")}` : ""}`,
      { value: exportName ?? specifier },
    );
  }
  return exported;
}

/** A value in a registration error: agent classes and unbranded functions by name, anything else as {@link describeValue} does. */
function describe(value: unknown): string {
  if (isAgentClass(value)) return `the agent class ${value.name || "(anonymous)"}`;
  if (typeof value === "function") return `function ${value.name || "(anonymous)"} (not branded as an Agent)`;
  return describeValue(value);
}
