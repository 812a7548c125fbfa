import type { AgentClass } from "../agent/Agent.js";
import type { OrchestratorConfig } from "../config/OrchestratorConfig.js";
import { describeThrown } from "../errors/describeThrown.js";
import { loadAgentModule } from "../orchestrator/registry.js";

/** An agent class loaded from its `module:`, with the `config:` the file gives it. */
export interface LoadedAgent {
  /** The agent's name (its key under `agents:`). */
  readonly name: string;
  /** The class its `module:` and `export:` name. */
  readonly agentClass: AgentClass;
  /** Its `agents.<name>.config`, as written. */
  readonly config: unknown;
}

/** What loading the modules of a configuration found. */
export interface AgentClassesLoaded {
  /** The agents whose class was loaded. */
  readonly loaded: readonly LoadedAgent[];
  /** One line per module that could not be imported: it may need a loader or a build the CLI does not have. */
  readonly warnings: readonly string[];
}

/**
 * Import each `agents.<name>.module` of `config` (as `loadConfig` resolved it)
 * and take its class as `start()` would. A module that cannot be imported is a
 * warning; a module that loads but lacks the export, or exports something that
 * is not an agent class, throws the `ConfigError` `start()` would throw.
 */
export async function loadAgentClasses(config: OrchestratorConfig): Promise<AgentClassesLoaded> {
  const loaded: LoadedAgent[] = [];
  const warnings: string[] = [];
  for (const [name, entry] of Object.entries(config.agents ?? {})) {
    const specifier = entry.module;
    if (specifier === undefined) continue;
    try {
      await import(specifier);
    } catch (error) {
      warnings.push(`warning: agent "${name}": could not load ${JSON.stringify(specifier)} to check its config schema: ${describeThrown(error)}`);
      continue;
    }
    const agentClass = await loadAgentModule(name, specifier, entry.export, config);
    loaded.push({ name, agentClass, config: entry.config });
  }
  return { loaded, warnings };
}
