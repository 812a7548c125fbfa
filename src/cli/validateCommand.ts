import type { OrchestratorConfig } from "../config/OrchestratorConfig.js";
import { loadConfig } from "../config/loadConfig.js";
import { ConfigError } from "../errors/ConfigError.js";
import { EXIT, type CliIo } from "./CliIo.js";
import { validateAgentConfig } from "../agent/validateAgentConfig.js";
import { loadAgentClasses, type LoadedAgent } from "./loadAgentClasses.js";

/** Options of {@link validateCommand}. */
export interface ValidateOptions {
  /** Do not import the agents' modules. @default false */
  readonly skipModules?: boolean;
}

/**
 * `agent-orchestrator validate <file>`: load `file` with `loadConfig`, then
 * (unless `skipModules`) load each agent's module and check its `config:`
 * with the class's `static configSchema`, as `start()` would. Writes a
 * one-line summary to stdout and returns 0, or writes the `ConfigError`
 * messages (file, line, column, key path, what was expected; one per agent
 * whose config its schema refuses) to stderr and returns 1. Modules that
 * cannot be imported are warnings on stderr.
 */
export async function validateCommand(file: string, io: CliIo, options: ValidateOptions = {}): Promise<number> {
  try {
    const config = await loadConfig(file);
    const modules = options.skipModules === true ? undefined : await loadAgentClasses(config);
    for (const warning of modules?.warnings ?? []) io.err(warning);
    const refused = await refusedConfigs(modules?.loaded ?? [], config);
    if (refused.length > 0) {
      for (const error of refused) io.err(error.message);
      return EXIT.invalid;
    }
    const checked = modules === undefined ? "modules not loaded" : `${plural(modules.loaded.length, "agent module")} loaded`;
    io.out(`ok: ${file} (${summary(config)}; ${checked})`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return EXIT.invalid;
  }
}

/** The errors of the loaded agents whose config their class's `configSchema` refuses (every agent checked, in file order). */
async function refusedConfigs(loaded: readonly LoadedAgent[], origin: OrchestratorConfig): Promise<ConfigError[]> {
  const refused: ConfigError[] = [];
  for (const { name, agentClass, config } of loaded) {
    try {
      await validateAgentConfig({ agent: name, agentClass, config, origin });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      refused.push(error);
    }
  }
  return refused;
}

/** `3 agents, 1 group, 4 triggers`: what the file defines. */
function summary(config: OrchestratorConfig): string {
  const triggers = Object.values(config.schedule ?? {}).reduce((count: number, spec) => count + (Array.isArray(spec) ? spec.length : 1), 0);
  return [plural(Object.keys(config.agents ?? {}).length, "agent"), plural(Object.keys(config.groups ?? {}).length, "group"), plural(triggers, "trigger")].join(", ");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
