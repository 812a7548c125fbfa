import { handlesCron, type AgentClass } from "../agent/Agent.js";
import { configErrorAt } from "../config/ConfigSource.js";
import type { OrchestratorConfig } from "../config/OrchestratorConfig.js";
import type { ResolvedConfig, ResolvedGroup } from "../config/ResolvedConfig.js";
import { ConfigError } from "../errors/ConfigError.js";

/** The group an agent needs no word about: where an agent without one goes. */
export const DEFAULT_GROUP = "data";

/**
 * The group of agent `name`: the config's `agents.<name>.group`, else the
 * group of its registration in code, else `data`. An unknown group is a `ConfigError`.
 */
export function resolveGroup(config: ResolvedConfig, name: string, codeGroup: string | undefined): ResolvedGroup {
  const groupName = config.agents[name]?.group ?? codeGroup ?? DEFAULT_GROUP;
  const group = config.groups[groupName];
  if (group === undefined) {
    throw new ConfigError(`agent "${name}": unknown group "${groupName}"; expected one of ${Object.keys(config.groups).join(", ")}`, {
      path: `agents.${name}.group`,
      value: groupName,
    });
  }
  return group;
}

/**
 * A trigger for an agent whose class has no `onCron` would fire and run
 * nothing: refuse it with a `ConfigError` at `schedule.<agent>` (decision 32).
 * `config` (resolved, or as `loadConfig` returned it, as the CLI's `validate`
 * passes it) gives the error its file, line and column; the caller checks
 * that the agent has a trigger.
 */
export function checkCronHandler(config: ResolvedConfig | OrchestratorConfig, agent: string, agentClass: AgentClass): void {
  if (handlesCron(agentClass)) return;
  throw configErrorAt(
    config,
    `schedule.${agent}`,
    `agent "${agent}" has a trigger, but its class ${agentClass.name || "(anonymous)"} defines no onCron(tick): every slot would fire and run nothing; define onCron or remove the trigger`,
  );
}
