import { isAgentClass, type AgentClass } from "../agent/Agent.js";
import type { StandardSchemaV1 } from "../agent/StandardSchema.js";
import { isValidAgentName } from "../config/agentName.js";
import { NAME_EXPECTATION } from "../config/checkConfig.js";
import { describeValue } from "../check.js";
import { configErrorAt } from "../config/ConfigSource.js";
import { didYouMean } from "../config/didYouMean.js";
import { ConfigError } from "../errors/ConfigError.js";
import { describeThrown } from "../errors/describeThrown.js";
import { ISOLATION_EXPECTATION, MIN_HEAP_MB } from "../config/configShape.js";
import { ISOLATIONS, PLACEMENTS, type Isolation, type Placement } from "../config/ResolvedConfig.js";
import { resolveModuleSpecifier } from "../config/resolveModule.js";

/** One agent registered in code by its class. */
export interface ClassRegistration {
  /** The agent's name (else the class's static `agentName`). */
  name: string;
  /** The agent class. */
  agent: AgentClass;
  /** Its group (`agents.<name>.group` in the config wins). @default "data" */
  group?: string;
  /** Marks the chief agent, which receives escalations. */
  chief?: boolean;
  /**
   * Only `"in-process"`: a class object cannot move to another thread. For
   * `isolation: "thread"`, register the agent by module ({@link ModuleRegistration}).
   */
  isolation?: "in-process";
  /** Where in a cluster the agent runs (`agents.<name>.placement` in the config wins). @default "everywhere" */
  placement?: Placement;
}

/**
 * One agent registered in code by module: its class is imported by `start()`
 * (and, for `isolation: "thread"`, again in the agent's own thread).
 *
 * @example
 * ```ts
 * createOrchestrator({
 *   agents: [{ name: "pricer", module: new URL("./agents/pricer.js", import.meta.url), export: "Pricer", isolation: "thread", resourceLimits: { maxHeapMb: 256 } }],
 * });
 * ```
 */
export interface ModuleRegistration {
  /** The agent's name. */
  name: string;
  /** The module holding the class: a `file:` URL (`new URL("./x.js", import.meta.url)`), an absolute path or a package name. */
  module: string | URL;
  /** Named export holding the class. @default the default export */
  export?: string;
  /** Its group (`agents.<name>.group` in the config wins). @default "data" */
  group?: string;
  /** Marks the chief agent, which receives escalations. */
  chief?: boolean;
  /** Where the agent runs (`agents.<name>.isolation` in the config wins). @default "in-process" */
  isolation?: Isolation;
  /** Limits of a thread agent's thread (`agents.<name>.resourceLimits` in the config wins). */
  resourceLimits?: { maxHeapMb?: number };
  /** Where in a cluster the agent runs (`agents.<name>.placement` in the config wins). @default "everywhere" */
  placement?: Placement;
}

/** One agent registered in code: a class with a static `agentName`, an explicit entry with a class, or one with a module. */
export type AgentRegistration = AgentClass | ClassRegistration | ModuleRegistration;

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
  ? { [K in keyof R]: K extends "agent" ? CheckedAgentClass<C> : K extends "name" | "group" | "chief" | "isolation" | "placement" ? R[K] : never }
  : R extends { readonly module: unknown }
    ? R
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

/** A registration after validation: a class, or a module `start()` imports. */
export interface NormalizedRegistration {
  readonly name: string;
  /** The class (registered by class). */
  readonly agentClass?: AgentClass;
  /** The absolute module specifier (registered by module). */
  readonly module?: string;
  /** The module's named export (registered by module). */
  readonly export?: string;
  readonly group?: string;
  readonly chief?: boolean;
  /** Given only for a module registration. */
  readonly isolation?: Isolation;
  /** Given only for a module registration. */
  readonly maxHeapMb?: number;
  /** Where in a cluster it runs, when given in code. */
  readonly placement?: Placement;
}

const ENTRY_KEYS = ["name", "agent", "group", "chief", "isolation", "placement"];
const MODULE_KEYS = ["name", "module", "export", "group", "chief", "isolation", "resourceLimits", "placement"];

/** The registration's `placement`, checked: absent, `"everywhere"` or `"singleton"`. */
function checkPlacement(placement: unknown, path: string): { placement?: Placement } {
  if (placement === undefined) return {};
  if (!(PLACEMENTS as readonly unknown[]).includes(placement)) {
    throw new ConfigError(`expected \`placement\` to be "everywhere" or "singleton", got ${describe(placement)}`, { path: `${path}.placement`, value: placement });
  }
  return { placement: placement as Placement };
}

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
  if (typeof entry === "object" && entry !== null && "module" in entry && !("agent" in entry)) return normalizeModuleEntry(entry, path);
  if (typeof entry !== "object" || entry === null || !("agent" in entry)) {
    throw new ConfigError(`expected an agent class (extending Agent), { name, agent } or { name, module }, got ${describe(entry)}`, { path, value: entry });
  }
  for (const key of Object.keys(entry)) {
    if (!ENTRY_KEYS.includes(key)) {
      throw new ConfigError(`unknown key "${key}" in a registration${didYouMean(key, ENTRY_KEYS)}; expected ${ENTRY_KEYS.join(", ")}`, { path: `${path}.${key}`, value: key });
    }
  }
  const e = entry as { name?: unknown; agent?: unknown; group?: unknown; chief?: unknown; isolation?: unknown; placement?: unknown };
  if (!isAgentClass(e.agent)) {
    throw new ConfigError(`expected \`agent\` to be a class extending Agent, got ${describe(e.agent)}`, { path: `${path}.agent`, value: e.agent });
  }
  const name = (e.name ?? e.agent.agentName) as string;
  if (e.isolation === "thread") {
    throw new ConfigError(
      `agent ${JSON.stringify(name)}: isolation "thread" needs the agent registered by module, not by class: a class object cannot move to another thread, only a module can be imported there again; register { name: ${JSON.stringify(name)}, module: new URL("./path/to/agent.js", import.meta.url), export: ${JSON.stringify(e.agent.name || "AgentClass")}, isolation: "thread" }`,
      { path: `${path}.isolation`, value: e.isolation },
    );
  }
  if (e.isolation !== undefined && e.isolation !== "in-process") {
    throw new ConfigError(`expected \`isolation\` to be "in-process" or "thread", got ${describe(e.isolation)}`, { path: `${path}.isolation`, value: e.isolation });
  }
  checkGroupAndChief(e, path);
  return {
    name,
    agentClass: e.agent,
    ...(e.group === undefined ? {} : { group: e.group as string }),
    ...(e.chief === undefined ? {} : { chief: e.chief as boolean }),
    ...checkPlacement(e.placement, path),
  };
}

/** `{ name, module, export?, group?, chief?, isolation?, resourceLimits? }`. */
function normalizeModuleEntry(entry: object, path: string): NormalizedRegistration {
  for (const key of Object.keys(entry)) {
    if (!MODULE_KEYS.includes(key)) {
      throw new ConfigError(`unknown key "${key}" in a registration by module${didYouMean(key, MODULE_KEYS)}; expected ${MODULE_KEYS.join(", ")}`, { path: `${path}.${key}`, value: key });
    }
  }
  const e = entry as { name?: unknown; module?: unknown; export?: unknown; group?: unknown; chief?: unknown; isolation?: unknown; resourceLimits?: unknown; placement?: unknown };
  if (typeof e.name !== "string") {
    throw new ConfigError(`expected \`name\` to be the agent's name (a registration by module has no class to read it from), got ${describe(e.name)}`, { path: `${path}.name`, value: e.name });
  }
  const given = e.module instanceof URL ? e.module.href : e.module;
  if (typeof given !== "string") {
    throw new ConfigError(`expected \`module\` to be a file: URL, an absolute path or a package name, got ${describe(e.module)}`, { path: `${path}.module`, value: e.module });
  }
  const resolution = resolveModuleSpecifier(given, undefined);
  if ("problem" in resolution) {
    const hint = resolution.problem.startsWith("a relative") ? "; in code, use new URL(\"./agent.js\", import.meta.url)" : "";
    throw new ConfigError(`cannot use module ${describeValue(given)}: ${resolution.problem}${hint}`, { path: `${path}.module`, value: given });
  }
  if (e.export !== undefined && typeof e.export !== "string") {
    throw new ConfigError(`expected \`export\` to be the name of the module's export holding the class, got ${describe(e.export)}`, { path: `${path}.export`, value: e.export });
  }
  if (e.isolation !== undefined && !ISOLATIONS.includes(e.isolation as Isolation)) {
    throw new ConfigError(`expected \`isolation\` to be ${ISOLATION_EXPECTATION}, got ${describe(e.isolation)}`, { path: `${path}.isolation`, value: e.isolation });
  }
  const maxHeapMb = moduleHeapLimit(e.resourceLimits, e.isolation, path);
  checkGroupAndChief(e, path);
  return {
    name: e.name,
    module: resolution.specifier,
    ...(e.export === undefined ? {} : { export: e.export }),
    ...(e.group === undefined ? {} : { group: e.group as string }),
    ...(e.chief === undefined ? {} : { chief: e.chief as boolean }),
    ...(e.isolation === undefined ? {} : { isolation: e.isolation as Isolation }),
    ...(maxHeapMb === undefined ? {} : { maxHeapMb }),
    ...checkPlacement(e.placement, path),
  };
}

/** `resourceLimits` of a registration by module: `{ maxHeapMb? }`, only beside `isolation: "thread"`. */
function moduleHeapLimit(limits: unknown, isolation: unknown, path: string): number | undefined {
  if (limits === undefined) return undefined;
  if (typeof limits !== "object" || limits === null || Array.isArray(limits) || Object.keys(limits).some((key) => key !== "maxHeapMb")) {
    throw new ConfigError(`expected \`resourceLimits\` to be { maxHeapMb?: number }, got ${describe(limits)}`, { path: `${path}.resourceLimits`, value: limits });
  }
  const { maxHeapMb } = limits as { maxHeapMb?: unknown };
  if (maxHeapMb === undefined) return undefined;
  if (typeof maxHeapMb !== "number" || !Number.isInteger(maxHeapMb) || maxHeapMb < MIN_HEAP_MB) {
    throw new ConfigError(`expected \`resourceLimits.maxHeapMb\` to be an integer number of MiB, at least ${MIN_HEAP_MB}, got ${describe(maxHeapMb)}`, {
      path: `${path}.resourceLimits.maxHeapMb`,
      value: maxHeapMb,
    });
  }
  if (isolation !== "thread") {
    throw new ConfigError(`\`resourceLimits\` limit an agent's own thread: expected \`isolation: "thread"\` beside them`, { path: `${path}.resourceLimits`, value: limits });
  }
  return maxHeapMb;
}

function checkGroupAndChief(e: { group?: unknown; chief?: unknown }, path: string): void {
  if (e.group !== undefined && typeof e.group !== "string") {
    throw new ConfigError(`expected \`group\` to be a group name, got ${describe(e.group)}`, { path: `${path}.group`, value: e.group });
  }
  if (e.chief !== undefined && typeof e.chief !== "boolean") {
    throw new ConfigError(`expected \`chief\` to be a boolean, got ${describe(e.chief)}`, { path: `${path}.chief`, value: e.chief });
  }
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
