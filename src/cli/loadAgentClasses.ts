import type { AgentClass } from "../agent/Agent.js";
import type { OrchestratorConfig } from "../config/OrchestratorConfig.js";
import { ConfigError } from "../errors/ConfigError.js";
import { loadAgentModule } from "../orchestrator/registry.js";
import { importAgentModule } from "./importAgentModule.js";

/** An agent class loaded from its `module:`, with the `config:` the file gives it. */
export interface LoadedAgent {
  /** The agent's name (its key under `agents:`). */
  readonly name: string;
  /** The class its `module:` and `export:` name. */
  readonly agentClass: AgentClass;
  /** Its `agents.<name>.config`, as written. */
  readonly config: unknown;
}

/** What loading the module of one agent found, in the order of `agents:`. */
export type AgentModuleResult =
  | ({ readonly kind: "loaded" } & LoadedAgent)
  | { readonly kind: "error"; readonly name: string; readonly error: ConfigError }
  | { readonly kind: "warning"; readonly name: string; readonly warning: string };

/**
 * Import each `agents.<name>.module` of `config` (as `loadConfig` resolved it)
 * and take its class as `start()` would, one result per agent with a module,
 * every agent tried whatever the others gave. A module that cannot be found,
 * or that loads but lacks the export or exports something that is not an
 * agent class, is an error (the `ConfigError` `start()` would throw); a module
 * that exists but cannot be imported here is a warning.
 */
export async function loadAgentClasses(config: OrchestratorConfig): Promise<AgentModuleResult[]> {
  const results: AgentModuleResult[] = [];
  for (const [name, entry] of Object.entries(config.agents ?? {})) {
    const specifier = entry.module;
    if (specifier === undefined) continue;
    const imported = await importAgentModule(name, specifier, config);
    if (imported.kind === "missing") {
      results.push({ kind: "error", name, error: imported.error });
      continue;
    }
    if (imported.kind === "unimportable") {
      results.push({ kind: "warning", name, warning: imported.warning });
      continue;
    }
    try {
      const agentClass = await loadAgentModule(name, specifier, entry.export, config);
      results.push({ kind: "loaded", name, agentClass, config: entry.config });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      results.push({ kind: "error", name, error });
    }
  }
  return results;
}
