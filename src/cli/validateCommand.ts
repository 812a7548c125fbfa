import type { OrchestratorConfig } from "../config/OrchestratorConfig.js";
import { loadConfig } from "../config/loadConfig.js";
import { ConfigError } from "../errors/ConfigError.js";
import { checkCronHandler } from "../orchestrator/agentChecks.js";
import { EXIT, type CliIo } from "./CliIo.js";
import { validateAgentConfig } from "../agent/validateAgentConfig.js";
import { loadAgentClasses, type LoadedAgent } from "./loadAgentClasses.js";

/** Options of {@link validateCommand}. */
export interface ValidateOptions {
  /** Do not import the agents' modules. @default false */
  readonly skipModules?: boolean;
}

/**
 * `agent-orchestrator validate <file>`: load `file` with `loadConfig` (its
 * first structural error is the only one reported), then (unless
 * `skipModules`) check every agent with a `module:` as `start()` would: the
 * module can be found and exports an agent class, a class with a trigger
 * under `schedule:` defines `onCron`, and the class's `static configSchema`
 * accepts its `config:`. Every agent is checked and every problem reported:
 * the `ConfigError` messages (file, line, column, key path, what was wrong)
 * go to stderr and it returns 1. Otherwise it writes a one-line summary to
 * stdout and returns 0. A module that exists but cannot be imported here is
 * a warning on stderr.
 */
export async function validateCommand(file: string, io: CliIo, options: ValidateOptions = {}): Promise<number> {
  try {
    const config = await loadConfig(file);
    if (options.skipModules === true) {
      io.out(`ok: ${file} (${summary(config)}; modules not loaded)`);
      return EXIT.ok;
    }
    const errors: ConfigError[] = [];
    let loaded = 0;
    for (const result of await loadAgentClasses(config)) {
      if (result.kind === "warning") io.err(result.warning);
      else if (result.kind === "error") errors.push(result.error);
      else {
        loaded += 1;
        errors.push(...(await agentErrors(result, config)));
      }
    }
    if (errors.length > 0) {
      for (const error of errors) io.err(error.message);
      return EXIT.invalid;
    }
    io.out(`ok: ${file} (${summary(config)}; ${plural(loaded, "agent module")} loaded)`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return EXIT.invalid;
  }
}

/** What `start()` would refuse in a loaded agent: a trigger its class has no `onCron` for, a config its `configSchema` refuses. */
async function agentErrors({ name, agentClass, config }: LoadedAgent, origin: OrchestratorConfig): Promise<ConfigError[]> {
  const errors: ConfigError[] = [];
  const keep = (error: unknown): void => {
    if (!(error instanceof ConfigError)) throw error;
    errors.push(error);
  };
  if (Object.hasOwn(origin.schedule ?? {}, name)) {
    try {
      checkCronHandler(origin, name, agentClass);
    } catch (error) {
      keep(error);
    }
  }
  try {
    await validateAgentConfig({ agent: name, agentClass, config, origin });
  } catch (error) {
    keep(error);
  }
  return errors;
}

/** `3 agents, 1 group, 4 triggers`: what the file defines. */
function summary(config: OrchestratorConfig): string {
  const triggers = Object.values(config.schedule ?? {}).reduce((count: number, spec) => count + (Array.isArray(spec) ? spec.length : 1), 0);
  return [plural(Object.keys(config.agents ?? {}).length, "agent"), plural(Object.keys(config.groups ?? {}).length, "group"), plural(triggers, "trigger")].join(", ");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
